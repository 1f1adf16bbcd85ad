"""An `Input` whose typing never asks for a layout of the whole screen.

Textual's `Input` sets its `virtual_size` on every change of its value, and
`Widget.virtual_size` is a reactive declared with ``layout=True``: each character typed
then reflowed every widget of the screen (about 11 ms on a tab of the dossier, plus a full
repaint: ~20 ms per key, `bench/bench_tui_keying.py`). An input's own size never depends
on its value when its width and height are not ``auto`` (all of ours: one line, a fixed or
fractional width), so the virtual size is only its scroll range: a repaint is enough.
(`Input` itself still asks for a layout on a change of value when a dimension is ``auto``.)
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

__all__ = ["SteadyInput"]


class SteadyInput(Input):
    """`Input` that repaints, rather than re-lays out the screen, when its text grows."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=True, layout=False)
