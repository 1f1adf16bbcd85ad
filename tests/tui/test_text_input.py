"""`TextInput` (Textual's `Input` whose growing text repaints only itself): it must type,
scroll and fit exactly like the stock `Input`."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from cesp_tui.widgets.text_input import TextInput

TEXT = "Jean-Baptiste-Marie-Auguste de La Tour d'Auvergne"


class _Pair(App[None]):
    CSS = "Input { width: 20; }"

    def compose(self) -> ComposeResult:
        yield TextInput(id="ours", compact=True)
        yield Input(id="stock", compact=True)


def _shown(widget: Input) -> str:
    return widget.render_line(0).text


async def test_typing_past_the_width_scrolls_like_the_stock_input() -> None:
    app = _Pair()
    async with app.run_test(size=(40, 6)) as pilot:
        ours = app.query_one("#ours", TextInput)
        stock = app.query_one("#stock", Input)
        for widget in (ours, stock):
            widget.focus()
            await pilot.press(*TEXT)
            await pilot.pause()
        assert ours.value == stock.value == TEXT
        assert ours.scroll_offset == stock.scroll_offset
        assert ours.scroll_offset.x > 0
        assert _shown(ours).rstrip() == _shown(stock).rstrip()
        assert "Auvergne" in _shown(ours)
        ours.focus()
        await pilot.press("home")
        await pilot.pause()
        assert ours.scroll_offset.x == 0 and _shown(ours).startswith("Jean")


async def test_its_region_stays_put_while_the_text_grows() -> None:
    app = _Pair()
    async with app.run_test(size=(40, 6)) as pilot:
        ours = app.query_one("#ours", TextInput)
        ours.focus()
        await pilot.pause()
        region = ours.region
        await pilot.press(*"Durand")
        await pilot.pause()
        assert ours.virtual_size.width == len("Durand") + 1  # the text and the cursor
        assert ours.region == region
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert ours.value == "Dura" and ours.region == region
