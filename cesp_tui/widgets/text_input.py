"""`TextInput`: Textual's `Input` whose text width does not lay the screen out.

Textual's `Input` keeps its ``virtual_size`` (a `Widget` reactive declared with
``layout=True``) equal to the width of its text, so every character typed lays the whole
screen out again and repaints every widget under it: 10 letters in "Nom de naissance"
cost 10 screen layouts and 243 widget renders (``bench/bench_tui_renders.py``).

A one-line input needs no layout when its text grows: its own region does not change
(it is never ``width: auto`` here; `Input` itself still asks for a layout when it is), and
its horizontal scrolling reads ``virtual_size`` directly. `TextInput` declares the same
public reactive with ``layout=False`` (a repaint of the input only). Everything else is
Textual's `Input`, public API only (ADR 0023, ADR 0024). Every text field of the client is
a `TextInput` (``tests/tui/test_text_input.py`` checks both the behaviour and the use).
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input

__all__ = ["TextInput"]


class TextInput(Input):
    """An `Input` that repaints itself, and only itself, as its text grows."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=True)
