"""A bare app showing one account screen (no platform): snapshots and offline Pilot tests.

``snap_compare`` gets an instance: ``AccountScreenApp(LoginScreen)``; the screen class
(or a factory) is pushed on mount, with the cursors frozen.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, TextArea


class AccountScreenApp(App[None]):
    """Pushes ``make_screen()`` at start; no ``api``: calls answer "pas encore prête"."""

    def __init__(self, make_screen: Callable[[], Screen[None]]) -> None:
        super().__init__()
        self._make_screen = make_screen

    async def on_mount(self) -> None:
        await self.push_screen(self._make_screen())
        freeze_screen_cursors(self.screen)


def freeze_screen_cursors(screen: Screen[object]) -> None:
    """No blinking cursor on ``screen``: screenshots are the same on every run."""
    for widget in screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


if __name__ == "__main__":
    from cesp_tui.screens.account.login import LoginScreen

    AccountScreenApp(LoginScreen).run()
