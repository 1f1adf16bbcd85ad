"""`StableFooter` keeps its keys across focus moves that change nothing it shows, and
shows the new keys when they change."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from cesp_tui.widgets.footer import StableFooter


class _Special(Input):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+b", "noop", "Idem", id="test.special"),
    ]

    def action_noop(self) -> None:
        pass


class _FooterApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "noop", "Enregistrer", id="t.s")]

    def compose(self) -> ComposeResult:
        yield Input(id="a")
        yield Input(id="b")
        yield _Special(id="c")
        yield StableFooter()

    def action_noop(self) -> None:
        pass


def _keys(app: App[None]) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def _settle(pilot: object) -> None:
    for _ in range(5):
        await pilot.pause()  # type: ignore[attr-defined]


async def test_keys_are_kept_when_nothing_shown_changes_and_rebuilt_otherwise() -> None:
    app = _FooterApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await _settle(pilot)
        before = _keys(app)
        assert "Enregistrer" in [k.description for k in before]

        await pilot.press("tab")  # a -> b: the same keys
        await _settle(pilot)
        assert app.focused is not None and app.focused.id == "b"
        assert _keys(app) == before  # the very same widgets: no rebuild

        await pilot.press("tab")  # b -> c: "Idem" appears
        await _settle(pilot)
        after = _keys(app)
        assert "Idem" in [k.description for k in after]
        assert after != before

        await pilot.press("shift+tab")  # back to b: "Idem" goes away
        await _settle(pilot)
        assert "Idem" not in [k.description for k in _keys(app)]
