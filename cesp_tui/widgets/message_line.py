"""`MessageLine`: the live line under a grouped input (the date in words, what a NIR
says, an IBAN's bank, or why the value is wrong), which also carries the form's problem
with the field unless the input itself says the value is wrong.

The line is always there, one line high, blank while there is nothing to say: a line
appearing or going away under a field lays the whole screen out again (30-50 ms on a
dossier tab, ADR 0011), and these inputs change their message on the very key that
completes the value. A message longer than the line (``-long``) gets the lines it needs;
only then is there a layout. The text is touched only when it changes.
"""

from __future__ import annotations

from typing import Literal

from rich.cells import cell_len
from textual import events
from textual.widgets import Static

__all__ = ["MessageLine", "Verdict"]

#: How the line reads: nothing to say, fine, wrong (error colour).
Verdict = Literal["valid", "invalid"] | None


class MessageLine(Static):
    """One reserved line; ``-valid``/``-invalid`` colour it, ``-long`` lets it grow."""

    DEFAULT_CSS = """
    MessageLine {
        height: 1;
        &.-long { height: auto; }
        &.-invalid { color: $text-error; }
        &.-valid { color: $text-success; }
    }
    """

    def __init__(self, *, classes: str) -> None:
        super().__init__("", classes=classes, markup=False)
        self._live: tuple[str, Verdict] = ("", None)
        self._problem: str | None = None
        self._shown: tuple[str, Verdict] = ("", None)

    @property
    def text(self) -> str:
        """What the line says ("" when blank)."""
        return self._shown[0]

    def show(self, text: str = "", verdict: Verdict = None) -> None:
        """The input's own verdict on its value, as the user types."""
        self._live = (text, verdict)
        self._paint()

    def set_problem(self, problem: str | None) -> None:
        """The form's problem with the field ("Ce champ est obligatoire."), shown unless the
        input has a complaint of its own: one line under the field, never two."""
        self._problem = problem
        self._paint()

    def _paint(self) -> None:
        text, verdict = self._live
        # What is wrong comes first: the input's own complaint, else the form's problem
        # (a NIR whose month contradicts a valid date), else the input's confirmation.
        if verdict != "invalid" and self._problem:
            text, verdict = self._problem, "invalid"
        if (text, verdict) == self._shown:
            return
        self._shown = (text, verdict)
        long = self._too_long(text)
        # A one-line text in a one-line box: a repaint, no layout.
        self.update(text, layout=long or self.has_class("-long"))
        self.set_class(long, "-long")
        self.set_class(verdict == "valid", "-valid")
        self.set_class(verdict == "invalid", "-invalid")

    def fits(self, text: str) -> bool:
        """Whether ``text`` holds on the one line (True while the width is unknown)."""
        return not self._too_long(text)

    def _too_long(self, text: str) -> bool:
        width = self.content_size.width
        return bool(width) and cell_len(text) > width

    def on_resize(self, event: events.Resize) -> None:
        # Before the first layout the width is unknown: decide once it is.
        self.set_class(self._too_long(self.text), "-long")
