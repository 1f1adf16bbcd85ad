"""The client uses Textual's public API only (its private state is read in one module,
`cesp_tui/textual_compat.py`, ADR 0023), and its modules import each other without a
cycle at module level. Read from the source (`tests/tui/boundary.py`)."""

from __future__ import annotations

import textwrap

import pytest

from tests.tui import boundary

MODULES = boundary.client_modules()
CHECKED = sorted(m for m in MODULES if m != boundary.COMPAT_MODULE)


def test_the_client_s_modules_are_found() -> None:
    assert boundary.COMPAT_MODULE in MODULES
    assert "cesp_tui.widgets.filter_select" in MODULES
    assert len(MODULES) > 40


@pytest.mark.parametrize("module", CHECKED)
def test_no_private_textual_name_outside_textual_compat(module: str) -> None:
    source = MODULES[module].read_text(encoding="utf-8")
    assert [str(use) for use in boundary.private_uses(module, source)] == []


@pytest.mark.parametrize("module", CHECKED)
def test_no_subclass_uses_a_private_name_of_its_textual_base(module: str) -> None:
    assert [str(use) for use in boundary.inherited_privates(module, MODULES[module])] == []


def test_the_check_sees_private_imports_and_attributes() -> None:
    """What the rule flags, and what it leaves (our own ``_names``, dunders)."""
    source = textwrap.dedent(
        """
        import textual._compositor
        from textual._compositor import Compositor
        from textual.widgets._footer import FooterKey
        from textual.app import _private_helper
        from textual.widgets import Input

        def f(app, widget, option_list):
            app._registry
            widget.app._start_widget(widget, None)
            option_list._line_cache.clear()
            widget._held_keys  # ours (cesp_tui.key_order)
            widget.__class__
        """
    )
    found = [use.what for use in boundary.private_uses("example", source)]
    assert found == [
        "import textual._compositor",
        "from textual._compositor import",
        "from textual.widgets._footer import",
        "from textual.app import _private_helper",
        "._registry",
        "._start_widget",
        "._line_cache",
    ]


def test_no_import_cycle_among_the_client_s_modules_at_module_level() -> None:
    graph = boundary.import_graph()
    assert boundary.cycles(graph.edges(with_functions=False)) == []


def test_import_cycles_through_function_level_imports_are_reported(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Screens that open each other import each other inside the function that does:
    allowed, and listed (`python -m tests.tui.boundary`; ADR 0023 has the list)."""
    report = boundary.report()
    with capsys.disabled():
        print("\n" + report)
    assert "cycles, module-level imports: 0" in report


def test_cycles_are_found_with_their_members() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert boundary.cycles(edges) == [["a", "b", "c"]]


def test_relative_and_package_imports_resolve_to_the_modules_run() -> None:
    known = {"pkg", "pkg.store", "pkg.store.drafts", "pkg.store.models", "pkg.sync"}
    tree = boundary.ast.parse(
        "from .models import X\nfrom pkg.store import DraftStore\nfrom pkg import sync\n"
    )
    found = set()
    for stmt in tree.body:
        assert isinstance(stmt, boundary.ast.ImportFrom)
        found |= boundary._targets(stmt, "pkg.store.drafts", "pkg.store", known)
    # The own parent packages are not an edge, except where a name is taken from one.
    assert found == {"pkg.store.models", "pkg.store", "pkg.sync"}


def test_the_installed_textual_is_the_one_textual_compat_was_written_for() -> None:
    """An upgrade (pyproject pins it) re-reads `textual_compat.py` and moves `TESTED_WITH`."""
    import textual

    from cesp_tui import textual_compat

    assert textual.__version__ == textual_compat.TESTED_WITH
