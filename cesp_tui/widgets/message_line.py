"""`MessageLine`: the live line under a grouped input (the date in words, what a NIR
says, an IBAN's bank, or why the value is wrong).

It is touched only when what it shows changes: a `Static` update or a class change lays
the whole screen out again (ADR 0011), and these inputs check their value on every key.
"""

from __future__ import annotations

from typing import Literal

from .steady import SteadyStatic

__all__ = ["MessageLine", "Verdict"]

#: How the line reads: nothing to say, fine (muted), wrong (error colour).
Verdict = Literal["valid", "invalid"] | None


class MessageLine(SteadyStatic):
    """Hidden until `show` gives it a verdict; ``-visible`` plus ``-valid``/``-invalid``."""

    def __init__(self, *, classes: str) -> None:
        super().__init__("", classes=classes, markup=False)
        self._shown: tuple[str, Verdict] = ("", None)

    def show(self, text: str = "", verdict: Verdict = None) -> None:
        if (text, verdict) == self._shown:
            return
        self._shown = (text, verdict)
        self.update(text)
        self.set_class(verdict is not None, "-visible")
        self.set_class(verdict == "valid", "-valid")
        self.set_class(verdict == "invalid", "-invalid")
