"""A date typed ``jj/mm/aaaa`` or ``jjmmaaaa``: the slashes are inserted as you type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from cesp_core.text import MONTHS_FR as _MONTHS
from cesp_core.validators.dates import parse_date, validate_date

from .formatted_input import GroupedInput
from .message_line import MessageLine

__all__ = ["DateInput", "long_date"]

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def long_date(day: date) -> str:
    """``samedi 14 mars 1999``."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{_DAYS[day.weekday()]} {first} {_MONTHS[day.month - 1]} {day.year}"


class _DateField(GroupedInput):
    SEPARATORS = frozenset("/")
    max_significant = 8

    def clean(self, text: str) -> str:
        return "".join(c for c in text if c.isascii() and c.isdigit())

    def group(self, compact: str) -> str:
        parts = [compact[:2], compact[2:4], compact[4:]]
        return "/".join(part for part in parts if part)

    def interpret_paste(self, text: str) -> str | None:
        parsed = parse_date(text)
        return parsed.strftime("%d%m%Y") if parsed else None


class DateInput(Widget):
    """``value``: the ISO date (``"1999-03-14"``) once the date is complete and exists."""

    DEFAULT_CSS = """
    DateInput {
        height: auto;
        width: 1fr;
        & > _DateField {
            width: 14;
        }
        & > .date-message.-valid { color: $text-muted; }
    }
    """

    @dataclass
    class Changed(Message):
        """``value`` is ISO or None; ``text`` is what is typed (``"14/03/19"``)."""

        date_input: DateInput
        value: str | None
        text: str

        @property
        def control(self) -> DateInput:
            return self.date_input

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
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._field = _DateField(self._display(value), placeholder=placeholder)
        self._message = MessageLine(classes="date-message")
        self._text = self._field.value
        #: The live error shown under the field (None when fine or incomplete).
        self.live_message: str | None = None

    @staticmethod
    def _display(value: str | None) -> str:
        if not value:
            return ""
        parsed = parse_date(value)
        return parsed.strftime("%d%m%Y") if parsed else value

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
    def text(self) -> str:
        """What the field shows (``"14/03/1999"``)."""
        return self._field.value

    @property
    def value(self) -> str | None:
        parsed = parse_date(self._field.value) if len(self._field.compact_value) == 8 else None
        return parsed.isoformat() if parsed else None

    @value.setter
    def value(self, value: str | None) -> None:
        self._field.set_compact_value(self._display(value))

    @property
    def is_complete(self) -> bool:
        """Eight digits typed and the date exists (a data-entry form moves on)."""
        return self.value is not None

    def focus(self, scroll_visible: bool = True) -> DateInput:
        self._field.focus(scroll_visible)
        return self

    def _update_message(self) -> None:
        """The line under the field: the date in words, or why it is wrong."""
        self.live_message = None
        if len(self._field.compact_value) < 8:
            self._message.show()
            return
        problem = validate_date(self._field.value)
        if problem is not None:
            self.live_message = problem
            self._message.show(problem, "invalid")
            return
        parsed = parse_date(self._field.value)
        self._message.show(long_date(parsed) if parsed else "", "valid")

    @on(_DateField.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._field.value == self._text:
            return
        self._text = self._field.value
        self._update_message()
        self.post_message(self.Changed(self, self.value, self._text))
