"""What the terminal shows: every update the app writes, applied to a grid of cells.

Textual's compositor skips what it believes unchanged; a repaint skipped wrongly leaves
stale cells on the user's terminal while a full render of the screen looks right.
`Terminal` keeps the cells the updates wrote (`App._display`), to compare with a full
render of the screen once it is idle.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from rich.console import Console
from rich.control import ControlType
from rich.segment import Segment
from rich.style import Style
from textual.app import App
from textual.widget import Widget

Cell = tuple[str, Style | None]


class Terminal:
    """A grid of cells fed with the segments of each screen update."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: list[list[Cell]] = [[(" ", None)] * width for _ in range(height)]
        self.updates = 0

    def apply(self, segments: Iterable[Segment]) -> None:
        x = y = 0
        for segment in segments:
            if segment.control:
                for control in segment.control:
                    if control[0] is ControlType.CURSOR_MOVE_TO:
                        x, y = int(control[1]), int(control[2])
                continue
            for char in segment.text:
                if char == "\n":
                    x, y = 0, y + 1
                    continue
                if 0 <= y < self.height and 0 <= x < self.width:
                    self.cells[y][x] = (char, segment.style)
                x += 1

    def feed(self, update: Any) -> None:
        console = Console(width=self.width, color_system="truecolor", legacy_windows=False)
        self.apply(update.__rich_console__(console, console.options))
        self.updates += 1

    def differences(self, other: Terminal) -> list[str]:
        """The lines that differ from ``other``'s, as "y: mine | theirs"."""
        out = []
        for y, (mine, theirs) in enumerate(zip(self.cells, other.cells, strict=True)):
            if mine != theirs:
                text = "".join(c for c, _ in mine)
                other_text = "".join(c for c, _ in theirs)
                columns = [x for x, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
                out.append(f"{y}: {text!r} | {other_text!r} (columns {columns[:8]})")
        return out


def watch(app: App[Any], monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """The terminal of ``app``: every update it displays from now on."""
    width, height = app.size
    terminal = Terminal(width, height)
    display = App._display

    def displayed(self: App[Any], screen: Any, renderable: Any) -> None:
        if self is app and renderable is not None:
            terminal.feed(renderable)
        display(self, screen, renderable)

    monkeypatch.setattr(App, "_display", displayed)
    return terminal


def full_render(app: App[Any]) -> Terminal:
    """The screen of ``app`` rendered whole from scratch (no widget's cached lines), as
    a terminal would show it."""
    width, height = app.size
    terminal = Terminal(width, height)
    screen = app.screen
    for widget in screen.walk_children(with_self=True):
        assert isinstance(widget, Widget)
        for node in (widget, widget._vertical_scrollbar, widget._horizontal_scrollbar):
            if node is not None:
                node._styles_cache.clear()
                node._layout_cache.clear()
    compositor = screen._compositor
    dirty = set(compositor._dirty_regions)  # still to be written by the next update
    try:
        terminal.feed(compositor.render_full_update())
    finally:
        compositor._dirty_regions.update(dirty)
    return terminal
