"""The IBAN, grouped by 4 as typed; checked when complete, with its BIC and bank derived."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import IBAN
from schwifty import exceptions as schwifty_errors
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from cesp_core.validators.iban import format_iban, iban_info, validate_iban

from .formatted_input import GroupedInput
from .message_line import MessageLine

__all__ = ["IbanInput", "expected_length"]

MAX_IBAN_LENGTH = 34


def expected_length(compact: str) -> int | None:
    """The length of an IBAN of the country ``compact`` starts with (None: unknown yet)."""
    if len(compact) < 2 or not compact[:2].isalpha():
        return None
    try:
        return IBAN(compact[:2] + "00", allow_invalid=True).spec.iban_length
    except (schwifty_errors.SchwiftyException, KeyError, ValueError):
        return None


class _IbanField(GroupedInput):
    max_significant = MAX_IBAN_LENGTH

    def clean(self, text: str) -> str:
        # ``*`` kept: a masked IBAN (``FR76 **** … ***0 189``) reads as the platform sent it.
        return "".join(c for c in text.upper() if c.isascii() and (c.isalnum() or c == "*"))

    def group(self, compact: str) -> str:
        return format_iban(compact)


def _valid_text(bic: str | None, bank: str | None, line: MessageLine) -> str:
    """ "IBAN valide : BIC … · bank", the bank left out when the line is too short for it
    (the bank has its own field below)."""
    if not (bic or bank):
        return "IBAN valide (banque inconnue)."
    parts = [f"BIC {bic}" if bic else "", bank or ""]
    full = "IBAN valide : " + " · ".join(part for part in parts if part)
    if bic and bank and not line.fits(full):
        return f"IBAN valide : BIC {bic}"
    return full


class IbanInput(Widget):
    """Types an IBAN; when complete, shows what is wrong, or its BIC and bank."""

    DEFAULT_CSS = """
    IbanInput {
        height: auto;
        width: 1fr;
        & > _IbanField {
            width: 1fr;
            max-width: 46;
        }
    }
    """

    @dataclass
    class Changed(Message):
        """The IBAN changed; ``value`` is compact (``"FR7630006000011234567890189"``)."""

        iban_input: IbanInput
        value: str

        @property
        def control(self) -> IbanInput:
            return self.iban_input

    @dataclass
    class Derived(Message):
        """A valid IBAN's bank, as far as the registry knows it (for the BIC field)."""

        iban_input: IbanInput
        bic: str | None
        bank_name: str | None

        @property
        def control(self) -> IbanInput:
            return self.iban_input

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "FR76 3000 6000 0112 3456 7890 189",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._field = _IbanField(value or "", placeholder=placeholder)
        self._message = MessageLine(classes="iban-message")
        self._value = self._field.compact_value
        self._derived: tuple[str | None, str | None] | None = None
        #: The live error shown under the field (None: nothing wrong to say yet).
        self.live_message: str | None = None

    def compose(self) -> ComposeResult:
        yield self._field
        yield self._message

    def on_mount(self) -> None:
        self._update(post=False)

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
        """As long as its country's IBANs, and valid (a data-entry form moves on)."""
        wanted = expected_length(self._value)
        return wanted is not None and len(self._value) == wanted and self.live_message is None

    def focus(self, scroll_visible: bool = True) -> IbanInput:
        self._field.focus(scroll_visible)
        return self

    def _update(self, *, post: bool) -> None:
        compact = self._value
        message = self._message
        self.live_message = None
        wanted = expected_length(compact)
        complete = len(compact) >= (wanted or MAX_IBAN_LENGTH)
        bad_start = len(compact) >= 4 and wanted is None
        if not (complete or bad_start):
            message.show()
            self._derived = None
            return
        problem = validate_iban(compact)
        if problem is not None:
            self.live_message = problem
            message.show(problem, "invalid")
            self._derived = None
            return
        info = iban_info(compact)
        bic = info.bic if info else None
        bank = info.bank_name if info else None
        message.show(_valid_text(bic, bank, message), "valid")
        if post and self._derived != (bic, bank):
            self.post_message(self.Derived(self, bic, bank))
        self._derived = (bic, bank)

    @on(_IbanField.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        compact = self._field.compact_value
        if compact == self._value:
            return
        self._value = compact
        self._update(post=True)
        self.post_message(self.Changed(self, compact))
