"""`StableFooter`: Textual's `Footer`, rebuilt only when what it shows changes.

Textual's footer recomposes (new `FooterKey` widgets, a layout pass, a repaint of every
key) whenever the screen's bindings may have changed, that is on every focus move. In a
form, moving from one field to the next rarely changes the keys shown, and the rebuild
was most of the cost of a focus move (ADR 0011). This footer compares what it would show
(key, description, action, enabled, tooltip of every shown binding) with what it shows,
and keeps its widgets when nothing differs.

Textual's own widgets describe their keys in English ("esc Dismiss menu" under an open
`Select`): the footer shows them in French (`key_words.FRENCH`), as F1 does.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from cesp_tui.widgets.key_words import FRENCH

__all__ = ["StableFooter"]


def _shown(screen: Screen[Any]) -> tuple[tuple[object, ...], ...]:
    return tuple(
        (binding.key, binding.key_display, binding.description, binding.action, enabled, tooltip)
        for (_node, binding, enabled, tooltip) in screen.active_bindings.values()
        if binding.show
    )


class StableFooter(Footer):
    """A `Footer` that recomposes only when the shown bindings differ. Compact (one
    space between keys), without the command palette's key (the status line names it
    with F1): at 80 columns every key shown is seen whole
    (``tests/tui/test_footer_fits.py``)."""

    _last_shown: tuple[tuple[object, ...], ...] | None = None

    def __init__(
        self,
        *children: Any,
        compact: bool = True,
        show_command_palette: bool = False,
        **kwargs: Any,
    ) -> None:
        # Ctrl+P and F1 are named at the status line's right end (`StatusLine`).
        super().__init__(
            *children, compact=compact, show_command_palette=show_command_palette, **kwargs
        )

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # A footer key (`FooterKey`, whose module is private) carries `description`.
            description = getattr(widget, "description", None)
            if isinstance(description, str) and description in FRENCH:
                widget.description = FRENCH[description]  # type: ignore[attr-defined]
            yield widget

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen and screen.app.app_focus:
            shown = _shown(screen)
            if shown == self._last_shown:
                return  # shown already (`_last_shown` is set only on the way to a rebuild)
            self._last_shown = shown
        super().bindings_changed(screen)
