"""A date typed ``jj/mm/aaaa`` or ``jjmmaaaa``: the slashes are inserted as you type.

A `CheckedInput` over `cesp_core.validators.dates.validate_date`; a valid date is said
in words under the field (`long_date`).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from cesp_core.text import MONTHS_FR as _MONTHS
from cesp_core.validators.dates import parse_date, validate_date

from .checked_input import CheckedInput, Validator
from .formatted_input import GroupedInput

__all__ = ["DateInput", "long_date"]

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

#: Digits of a complete date (jjmmaaaa).
_DIGITS = 8


def long_date(day: date) -> str:
    """``samedi 14 mars 1999``."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


class _DateField(GroupedInput):
    SEPARATORS = frozenset("/")
    max_significant = _DIGITS

    def clean(self, text: str) -> str:
        return "".join(c for c in text if c.isascii() and c.isdigit())

    def group(self, compact: str) -> str:
        parts = [compact[:2], compact[2:4], compact[4:]]
        return "/".join(part for part in parts if part)

    def interpret_paste(self, text: str) -> str | None:
        parsed = parse_date(text)
        return parsed.strftime("%d%m%Y") if parsed else None


class DateInput(CheckedInput):
    """``value``: the ISO date (``"1999-03-14"``) once the date is complete and exists."""

    DEFAULT_CSS = """
    DateInput {
        & > _DateField {
            width: 14;
        }
        & > .date-message.-valid { color: $text-muted; }
    }
    """

    MESSAGE_CLASS = "date-message"
    VALIDATOR: ClassVar[Validator | None] = staticmethod(validate_date)

    class Changed(CheckedInput.Changed):
        """``value`` as the dossier stores it: ISO once the date is complete and exists,
        else what is typed (``"14/03/19"``), None when empty; ``text`` what is shown."""

    def __init__(
        self,
        value: str | None = None,
        *,
        placeholder: str = "jj/mm/aaaa",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            self._display(value),
            placeholder=placeholder,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )

    @staticmethod
    def _display(value: str | None) -> str:
        if not value:
            return ""
        parsed = parse_date(value)
        return parsed.strftime("%d%m%Y") if parsed else value

    def make_field(self, value: str, placeholder: str) -> _DateField:
        return _DateField(value, placeholder=placeholder)

    @property
    def _date(self) -> _DateField:
        assert isinstance(self._field, _DateField)
        return self._field

    @property
    def value(self) -> str | None:
        parsed = parse_date(self.text) if self.is_checkable() else None
        return parsed.isoformat() if parsed else None

    @value.setter
    def value(self, value: str | None) -> None:
        self._date.set_compact_value(self._display(value))

    @property
    def stored_value(self) -> str | None:
        """ISO when complete and existing; anything else as typed, so that nothing is
        lost and the rules can say precisely what is wrong."""
        return self.value or self.text.strip() or None

    def is_checkable(self) -> bool:
        return len(self._date.compact_value) == _DIGITS

    @property
    def is_complete(self) -> bool:
        """Eight digits typed and the date exists (a data-entry form moves on)."""
        return self.value is not None

    def describe(self) -> str | None:
        parsed = parse_date(self.text)
        return long_date(parsed) if parsed else None
