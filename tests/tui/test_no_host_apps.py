"""Tests and benches build the real `CespApp` (``tests/support/tui.py``, ADR 0028): none
defines an `App` of its own that hosts the product's screens (a host app mirrors the
app's signals, model and palette rule, and drifts from it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _is_app_base(base: ast.expr) -> bool:
    """``App``, ``App[None]``, ``textual.app.App[...]``."""
    if isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr == "App"
    return isinstance(base, ast.Name) and base.id == "App"


def _hosts_screens(node: ast.ClassDef, screen_names: set[str]) -> bool:
    """The class pushes a screen, or names a product screen."""
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in ("push_screen", "install_screen"):
            return True
        if isinstance(child, ast.Name) and child.id in screen_names:
            return True
    return False


def host_apps(path: Path) -> list[str]:
    """The `App` subclasses of ``path`` that host product screens."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    screen_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cesp_tui.screens"):
            screen_names |= {alias.asname or alias.name for alias in node.names}
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(_is_app_base(base) for base in node.bases)
        and _hosts_screens(node, screen_names)
    ]


def test_the_rule_finds_a_host_app(tmp_path: Path) -> None:
    source = tmp_path / "host.py"
    source.write_text(
        "from textual.app import App\n"
        "from cesp_tui.screens.dossier.home import HomeScreen\n"
        "class Host(App[None]):\n"
        "    def on_mount(self) -> None:\n"
        "        self.push_screen(HomeScreen())\n"
        "class Widgets(App[None]):\n"
        "    def compose(self):\n"
        "        yield from ()\n"
    )
    assert host_apps(source) == ["Host"]


def test_no_test_nor_bench_hosts_the_product_screens_in_an_app_of_its_own() -> None:
    found = {
        (str(path.relative_to(ROOT)), name)
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in host_apps(path)
    }
    assert found == set(), "build the real app with tests/support/tui.py"
