"""The n° de sécurité sociale (NIR), grouped as INSEE prints it: ``1 99 03 87 085 123 19``.

A `CheckedInput` over `cesp_core.validators.nir` (length, format, key: `validate_nir`);
a valid NIR says what it encodes under the field (`describe_nir`).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from cesp_core.validators.nir import NIR_LENGTH, format_nir, nir_facts, validate_nir

from .checked_input import CheckedInput, Validator
from .formatted_input import GroupedInput

__all__ = ["NirInput", "describe_nir"]

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


class NirInput(CheckedInput):
    """Types a NIR; checked as soon as its 15 characters are there, or on leaving it."""

    DEFAULT_CSS = """
    NirInput {
        & > _NirField {
            width: 1fr;
            max-width: 30;
        }
    }
    """

    MESSAGE_CLASS = "nir-message"
    VALIDATOR: ClassVar[Validator | None] = staticmethod(validate_nir)

    class Changed(CheckedInput.Changed):
        """The NIR changed; ``value`` is compact (``"199038708512319"``), None when empty."""

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
        super().__init__(
            value, placeholder=placeholder, name=name, id=id, classes=classes, disabled=disabled
        )

    def make_field(self, value: str, placeholder: str) -> _NirField:
        return _NirField(value, placeholder=placeholder)

    @property
    def _nir(self) -> _NirField:
        assert isinstance(self._field, _NirField)
        return self._field

    @property
    def value(self) -> str:
        """Compact: ``"199038708512319"`` ("" when empty)."""
        return self._nir.compact_value

    @value.setter
    def value(self, value: str | None) -> None:
        self._nir.set_compact_value(value or "")

    @property
    def stored_value(self) -> str | None:
        return self.value or None

    @property
    def formatted(self) -> str:
        return self.text

    def is_checkable(self) -> bool:
        return len(self.value) == NIR_LENGTH

    @property
    def is_complete(self) -> bool:
        """All 15 characters typed and the NIR valid (a data-entry form moves on)."""
        return self.is_checkable() and self.live_message is None

    def describe(self) -> str | None:
        return describe_nir(self.value)
