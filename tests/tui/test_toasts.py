"""Issue 13: a notification never covers the field being keyed: toasts sit at the top
right, over the title and the tab header, one line for a short message."""

from __future__ import annotations

from pathlib import Path

from tests.support.tui import settle_app, tui_app

SIZE = (80, 24)


async def test_a_toast_sits_at_the_top_right_clear_of_the_focused_field(tmp_path: Path) -> None:
    app = tui_app(tmp_path)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle_app(app, pilot)
        focused = app.focused
        assert focused is not None
        app.notify("Brouillon enregistré.")
        await pilot.pause()
        await pilot.pause()
        toasts = [t for t in app.screen.query("Toast") if t.region.area]
        assert toasts, "no toast shown"
        for toast in toasts:
            region = toast.region
            assert region.y <= 1 and region.height <= 2, region  # over the header
            assert region.right >= SIZE[0] - 2, region  # at the right edge
            assert not region.overlaps(focused.region), (region, focused.region)


async def test_saving_tab_after_tab_leaves_the_next_fields_uncovered(tmp_path: Path) -> None:
    """Ctrl+S, then Ctrl+N to the next tab, at 80x24: what the save says goes to the
    status line, not a notification over the next tab's first fields (the key-to-paint
    bench saw 8 characters typed into "Adresse" never painted: a notification with a
    title and two lines of text covered columns 39-79 of rows 1-6)."""
    from tests.support.dossiers import complete_cesp_values
    from tests.support.tui import dossier_screen_of, new_local_dossier, run_app
    from tests.tui.keywalk import settle

    dossier_id = new_local_dossier(tmp_path, data=complete_cesp_values())
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE, notifications=True) as pilot:
        await settle_app(app, pilot)
        screen = dossier_screen_of(app)
        for key in ("ctrl+s", "ctrl+n", "ctrl+n"):
            await pilot.press(key)
            await settle(app, pilot)
            focused = app.focused
            assert focused is not None
            toasts = [t.region for t in app.screen.query("Toast") if t.region.area]
            covering = [r for r in toasts if r.overlaps(focused.region)]
            assert covering == [], (key, focused, focused.region, covering)
        assert screen.current_tab == "etudes"
        said = " ".join(screen.status.said)
        assert "«\u00a0Adresse\u00a0» enregistré sur ce poste" in said, said
