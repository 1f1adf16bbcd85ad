"""`SpanCompositor` writes exactly what Textual's own compositor writes, from fewer renders.

Every partial update of a dossier screen while keying (moves, typing, a list narrowing, a
NIR completed) is rendered twice: by the stock `Compositor.render_partial_update`, over
every widget in the bounding box of the changed regions, and by `SpanCompositor`'s; the
terminal output must be the same, and the span compositor must have asked fewer widgets
for their lines over the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual._compositor import ChopsUpdate, Compositor
from textual.widget import Widget
from textual.widgets import OptionList

from cesp_tui.compositor import SpanCompositor
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.tab_form import TabForm
from tests.support.dossiers import CESP_NIR
from tests.tui.apps.dossier_host import empty_dossier_app, freeze_cursors
from tests.tui.counting import calls_of


class Twin:
    """Renders each partial update with both compositors and keeps both outputs."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, str]] = []
        self.renders = {"stock": 0, "span": 0}
        self.stale_cuts = 0
        self._side = "span"

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        twin = self
        span_update = SpanCompositor.render_partial_update
        render_lines = Widget.render_lines

        def counted(widget: Widget, crop: Any) -> Any:
            twin.renders[twin._side] += 1
            return render_lines(widget, crop)

        def both(compositor: SpanCompositor) -> ChopsUpdate | None:
            regions = set(compositor._dirty_regions)
            before = compositor._cuts
            twin._side = "span"
            span = span_update(compositor)
            # What the span update leaves cached serves the next full render too: the
            # cuts (where each line splits between widgets) it computes must be those of
            # every visible widget, not of the few it rendered.
            if before is None:
                cached, compositor._cuts = compositor._cuts, None
                if cached is not None and cached != compositor.cuts:
                    twin.stale_cuts += 1
            compositor._dirty_regions.update(regions)
            twin._side = "stock"
            stock = Compositor.render_partial_update(compositor)
            if stock is not None and span is not None:
                twin.frames.append((twin.text(stock), twin.text(span)))
            return span

        monkeypatch.setattr(Widget, "render_lines", counted)
        monkeypatch.setattr(SpanCompositor, "render_partial_update", both)

    @staticmethod
    def text(update: ChopsUpdate) -> str:
        from rich.console import Console

        return update.render_segments(Console(width=120, color_system="truecolor"))


async def test_span_compositor_writes_what_the_stock_one_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = Twin()
    twin.install(monkeypatch)
    app = empty_dossier_app(tmp_path, field="nom_naissance")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        freeze_cursors(app)
        assert isinstance(app.screen._compositor, SpanCompositor)
        twin.frames.clear()
        twin.renders.update(stock=0, span=0)
        keys = [*"Durand", "tab", "shift+tab", "enter", "enter", *"Jean", "enter", *"15031999"]
        keys += ["enter", "tab", *"87", "enter", *"lim", "enter", "tab", *CESP_NIR]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        # The whole screen, rendered with the caches the partial updates left.
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
    assert "Nom de naissance *" in screen_text and "Durand" in screen_text
    assert "1 99 03 87 085 123 19" in screen_text
    assert len(twin.frames) > 30
    assert twin.stale_cuts == 0
    for stock, span in twin.frames:
        assert span == stock
    assert twin.renders["span"] < twin.renders["stock"] * 0.8, twin.renders


async def test_an_open_list_spares_the_fields_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narrowing the department list repaints the list: the commune and NIR fields under
    it are covered where it changed, so they are not asked for their lines."""
    asked = calls_of(monkeypatch, Widget, "render_lines")
    app = empty_dossier_app(tmp_path, field="departement_naissance")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        freeze_cursors(app)
        form = app.dossier_screen.query_one(TabForm)
        select = form.row("departement_naissance").control_widget
        assert isinstance(select, FilterSelect) and select.is_open
        under = [form.row(key).control_widget for key in ("commune_naissance", "nir")]
        hit_list = select.query_one(OptionList)
        list_box = hit_list.region
        for control in under:  # really under the list
            assert list_box.contains_region(control.region.intersection(list_box))
            assert control.region.overlaps(list_box)
        await pilot.pause(0.2)
        asked.clear()
        for key in "haute":
            await pilot.press(key)
            await pilot.pause()
        assert "87" in [hit.value for hit in select.hits]
    assert hit_list in asked
    assert not [w for w in asked if any(w is c or c in w.ancestors for c in under)]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_a_list_shown_or_hidden_without_a_layout_gets_the_layout_s_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Each time `SpanCompositor` answers a layout from its snapshots (a list opened or
    closed on a focus move), a full arrangement of the screen gives the same map and the
    same widgets."""
    checked: list[bool] = []
    fast = SpanCompositor._reflow_overlays

    def compared(compositor: SpanCompositor, parent: Widget, size_: Any) -> Any:
        result = fast(compositor, parent, size_)
        if result is not None:
            full_map, widgets = Compositor._arrange_root(
                compositor, parent, size_, visible_only=False
            )
            checked.append(full_map == compositor._full_map and widgets == compositor.widgets)
        return result

    monkeypatch.setattr(SpanCompositor, "_reflow_overlays", compared)
    app = empty_dossier_app(tmp_path, field="date_naissance")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        freeze_cursors(app)
        # In and out of the department and commune lists, a department picked (the
        # commune list follows it), then the lists of "Études" (one under the other).
        keys = ["tab", "tab", "shift+tab", "tab", "tab", "shift+tab", "shift+tab", "tab"]
        keys += [*"87", "enter", "shift+tab", "tab", "tab", "shift+tab", "tab"]
        keys += ["f4", "enter", "tab", "tab", "shift+tab", "tab", "tab", "shift+tab"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        assert app.dossier_screen.current_tab == "etudes"
    assert len(checked) >= 6, checked
    assert all(checked), checked


async def test_a_list_closed_for_the_first_time_is_answered_from_the_snapshots(
    tmp_path: Path,
) -> None:
    """The snapshot of a list's field with the list hidden was taken before the list
    was ever shown, when its scrollbars were not worked out yet: they do not count
    while it is hidden, so its first closing needs no full layout."""
    app = empty_dossier_app(tmp_path, field="date_naissance")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        assert isinstance(compositor, SpanCompositor)
        form = app.screen.query_one(TabForm)
        select = form.row("departement_naissance").control_widget
        assert isinstance(select, FilterSelect)
        await pilot.press("tab", "tab")  # into the department: its list opens
        await pilot.pause()
        assert select.is_open
        before = compositor.overlay_reflows
        await pilot.press("shift+tab")  # out of it, for the first time
        await pilot.pause()
        await pilot.pause()
        assert not select.is_open
        assert compositor.overlay_reflows == before + 1
