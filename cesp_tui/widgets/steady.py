"""Widgets whose *virtual size* is no layout matter.

`Widget.virtual_size` is a reactive declared with ``layout=True``. Two places set it:

- Textual's `Input`, on every change of its value: each character typed reflowed every
  widget of the screen (about 11 ms on a tab of the dossier, plus a full repaint: ~20 ms
  per key, `bench/bench_tui_keying.py`);
- the compositor, at the end of a layout pass, on every container whose content size
  changed: a line appearing under a field (a date in words, a NIR's verdict) caused a
  second full layout right after the first.

An input's own size never depends on its value when its width and height are not
``auto`` (all of ours: one line, a fixed or fractional width), and a container that does
not scroll draws nothing from its virtual size: for both a repaint is enough. (`Input`
itself still asks for a layout on a change of value when a dimension is ``auto``.) Scroll
containers keep Textual's behaviour: their scrollbars follow the virtual size. Only an
input repaints on it (it scrolls its text); the others draw nothing from it.
"""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input, Label, RadioSet, Static

__all__ = [
    "SteadyHorizontal",
    "SteadyInput",
    "SteadyLabel",
    "SteadyRadioSet",
    "SteadyStatic",
    "steady_virtual_size",
]


def steady_virtual_size(*, repaint: bool = False) -> Reactive[Size]:
    """A `virtual_size` reactive that does not lay out (one per class). It repaints only
    with ``repaint``, for a widget that scrolls (an `Input` draws from its virtual
    size): a widget that does not draws nothing from it, and a repaint asked while a
    layout sizes it (a row shown by a rule) came as one more frame after the layout's,
    which painted it already."""
    return Reactive(Size(0, 0), repaint=repaint, layout=False)


class SteadyInput(Input):
    """`Input` that repaints, rather than re-lays out the screen, when its text grows.

    A compact one is not restyled when it gains or loses the focus: Textual runs the
    input and its four component classes through the whole stylesheet (~1.3 ms, twice
    per move between fields) for what, without a border, is a 5 % background tint. The
    cursor (drawn only while focused) and the row's label in bold accent mark the field.
    """

    virtual_size: Reactive[Size] = steady_virtual_size(repaint=True)

    def __init__(self, *args: Any, classes: str | None = None, **kwargs: Any) -> None:
        # Without validators Textual's `Input.validate` (run on blur and on each change)
        # marks the input "-valid": a class change, so a restyle of the input and its
        # component classes (~1.5 ms) the first time a field is left. It is given the
        # class it will have from the start.
        if not kwargs.get("validators"):
            classes = f"{classes} -valid" if classes else "-valid"
        super().__init__(*args, classes=classes, **kwargs)

    def watch_has_focus(self, has_focus: bool) -> None:
        if self.compact:
            self.refresh()
        else:
            super().watch_has_focus(has_focus)


class SteadyHorizontal(Horizontal):
    """`Horizontal` (not scrolling) whose content size changes ask for no second layout."""

    virtual_size: Reactive[Size] = steady_virtual_size()


class SteadyStatic(Static):
    """`Static` (not scrolling) whose new content asks for one layout, not two."""

    virtual_size: Reactive[Size] = steady_virtual_size()


class SteadyLabel(Label):
    """`Label` whose first size (a field's row shown by a rule: "Niveau" showing the
    "Université" rows) asks for no second layout."""

    virtual_size: Reactive[Size] = steady_virtual_size()


class SteadyRadioSet(RadioSet):
    """`RadioSet` whose focus changes restyle one button, not the set and every button.

    Textual runs the set and all its buttons, each with two component classes, through
    the stylesheet when the set gains or loses the focus (~4.5 ms for three buttons, on
    each move into or out of the field), and repaints them in a second frame. Only the
    button under the cursor has a rule that looks at the focus
    (``RadioSet:focus > RadioButton.-selected``: the cursor's colours); the set's own
    focus tint is left out when compact, as for compact inputs (`SteadyInput`).
    """

    DEFAULT_CSS = """
    SteadyRadioSet.-textual-compact:focus {
        background-tint: $foreground 0%;
    }
    """

    def watch_has_focus(self, has_focus: bool) -> None:
        if not self.compact:
            super().watch_has_focus(has_focus)
            return
        selected = self._selected
        if selected is not None and 0 <= selected < len(self._nodes):
            self.app.stylesheet.update_nodes([self._nodes[selected]], animate=True)
