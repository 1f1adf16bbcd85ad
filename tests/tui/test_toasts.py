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
