"""One command palette at most, always on top (ADR 0026).

A screen pushed while the palette is open (a first login opening its dossier, a worker's
answer) used to land over the palette: the keys typed went to a field under it, and the
next Ctrl+P ended the client with ``DuplicateIds: '--command-palette'``. `SinglePalette`
closes an open palette before another screen comes, and never opens a second one.
"""

from __future__ import annotations

from typing import Any

from textual.command import CommandPalette

__all__ = ["SinglePalette"]


class SinglePalette:
    """App mixin (before `App` in the bases)."""

    screen_stack: list[Any]
    screen: Any
    use_command_palette: bool

    def action_command_palette(self) -> None:
        """Ctrl+P: one palette at most, on top (ADR 0026)."""
        if not self.use_command_palette or CommandPalette.is_open(self):  # type: ignore[arg-type]
            return
        if any(isinstance(screen, CommandPalette) for screen in self.screen_stack):
            return  # one left under another screen (see `push_screen`): never a second
        self.push_screen(  # type: ignore[attr-defined]
            CommandPalette(placeholder="Rechercher une commande…", id="--command-palette")
        )

    def _close_palette(self) -> None:
        """A screen comes while the palette is open (a login opening its dossier, a
        worker's answer): the palette goes first, so it is never left under the new
        screen (where the keys typed into it went to a field, and the next Ctrl+P ended
        the client with ``DuplicateIds``)."""
        while isinstance(self.screen, CommandPalette) and len(self.screen_stack) > 1:
            self.pop_screen()  # type: ignore[attr-defined]

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not isinstance(screen, CommandPalette):
            self._close_palette()
        return super().push_screen(screen, *args, **kwargs)  # type: ignore[misc]

    def switch_screen(self, screen: Any) -> Any:
        if not isinstance(screen, CommandPalette):
            self._close_palette()
        return super().switch_screen(screen)  # type: ignore[misc]
