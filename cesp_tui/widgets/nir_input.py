"""The n° de sécurité sociale (NIR), grouped as INSEE prints it: ``1 99 03 87 085 123 19``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from cesp_core.validators.nir import format_nir, nir_facts, validate_nir

from .formatted_input import GroupedInput
from .message_line import MessageLine

__all__ = ["NirInput"]

#: The usual French abbreviations of the months (Imprimerie nationale).
_SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)

NIR_LENGTH = 15


class _NirField(GroupedInput):
    """Digits, and ``A``/``B`` as 7th character after a ``2`` (Corsica: 2A, 2B); ``*`` is
    kept so that a masked NIR (``1 ** ** ** *** *** 19``) reads as the platform sent it."""

    max_significant = NIR_LENGTH

    def clean(self, text: str) -> str:
        kept: list[str] = []
        for char in text.upper():
            digit = char.isascii() and char.isdigit()
            corsica = char in "AB" and len(kept) == 6 and kept[5] == "2"
            if digit or corsica or char == "*":
                kept.append(char)
        return "".join(kept)

    def group(self, compact: str) -> str:
        return format_nir(compact)


def describe_nir(value: str) -> str | None:
    """What a valid NIR says, in French (to spot a typo at a glance), short enough for
    the one line under the field at 80 columns (at most 44 characters)."""
    facts = nir_facts(value)
    if facts is None:
        return None
    if facts.provisoire:
        return "✓ Clé correcte (numéro provisoire)"
    sex = "homme" if facts.sexe == "M" else "femme"
    month = f"{_SHORT_MONTHS[facts.mois - 1]} " if facts.mois else ""
    year = int(facts.annee)
    century = 2000 if year <= date.today().year % 100 else 1900  # a guess, for display
    place = f"dép. {facts.departement}"
    if facts.ne_a_l_etranger:
        place = "né à l'étranger" if facts.sexe == "M" else "née à l'étranger"
    return f"✓ Clé correcte : {sex}, {month}{century + year}, {place}"


class NirInput(Widget):
    """Types a NIR; checks it as soon as its 15 characters are there."""

    DEFAULT_CSS = """
    NirInput {
        height: auto;
        width: 1fr;
        & > _NirField {
            width: 1fr;
            max-width: 30;
        }
    }
    """

    @dataclass
    class Changed(Message):
        """The NIR changed; ``value`` is compact (``"199038708512319"``)."""

        nir_input: NirInput
        value: str

        @property
        def control(self) -> NirInput:
            return self.nir_input

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "1 99 03 87 085 123 19",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._field = _NirField(value or "", placeholder=placeholder)
        self._message = MessageLine(classes="nir-message")
        self._value = self._field.compact_value
        #: The live verdict shown under the field (None while fewer than 15 characters).
        self.live_message: str | None = None

    def compose(self) -> ComposeResult:
        yield self._field
        yield self._message

    def on_mount(self) -> None:
        self._update_message()

    @property
    def message_line(self) -> MessageLine:
        """The line under the field (the row shows its problems there too)."""
        return self._message

    @property
    def input(self) -> Input:
        return self._field

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, value: str | None) -> None:
        self._field.set_compact_value(value or "")

    @property
    def formatted(self) -> str:
        return self._field.value

    @property
    def is_complete(self) -> bool:
        """All 15 characters typed and the NIR valid (a data-entry form moves on)."""
        return len(self._value) == NIR_LENGTH and self.live_message is None

    def focus(self, scroll_visible: bool = True) -> NirInput:
        self._field.focus(scroll_visible)
        return self

    def _update_message(self) -> None:
        compact = self._value
        self.live_message = None
        if len(compact) < NIR_LENGTH:
            self._message.show()
            return
        problem = validate_nir(compact)
        if problem is not None:
            self.live_message = problem
            self._message.show(problem, "invalid")
        else:
            self._message.show(describe_nir(compact) or "", "valid")

    @on(_NirField.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        compact = self._field.compact_value
        if compact == self._value:
            return
        self._value = compact
        self._update_message()
        self.post_message(self.Changed(self, compact))
