"""The IBAN, grouped by 4 as typed; checked when complete, with its BIC and bank derived.

A `CheckedInput` over `cesp_core.validators.iban` (`validate_iban`; the length of the
country's IBANs: `iban_length`); a valid IBAN's BIC and bank are said under the field
and posted (`IbanInput.Derived`) for the BIC field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.message import Message

from cesp_core.validators.iban import (
    MAX_IBAN_LENGTH,
    format_iban,
    iban_info,
    iban_length,
    validate_iban,
)

from .checked_input import CheckedInput, Validator
from .formatted_input import GroupedInput
from .message_line import MessageLine

__all__ = ["IbanInput"]


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


class IbanInput(CheckedInput):
    """Types an IBAN; when complete (or left), shows what is wrong, or its BIC and bank."""

    DEFAULT_CSS = """
    IbanInput {
        & > _IbanField {
            width: 1fr;
            max-width: 46;
        }
    }
    """

    MESSAGE_CLASS = "iban-message"
    VALIDATOR: ClassVar[Validator | None] = staticmethod(validate_iban)

    class Changed(CheckedInput.Changed):
        """The IBAN changed; ``value`` is compact (``"FR7630006000011234567890189"``),
        None when empty."""

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
        super().__init__(
            value, placeholder=placeholder, name=name, id=id, classes=classes, disabled=disabled
        )
        #: The bank of the value last described, and the one last posted.
        self._info: tuple[str | None, str | None] = (None, None)
        self._derived: tuple[str | None, str | None] | None = None

    def make_field(self, value: str, placeholder: str) -> _IbanField:
        return _IbanField(value, placeholder=placeholder)

    @property
    def _iban(self) -> _IbanField:
        assert isinstance(self._field, _IbanField)
        return self._field

    @property
    def value(self) -> str:
        """Compact: ``"FR7630006000011234567890189"`` ("" when empty)."""
        return self._iban.compact_value

    @value.setter
    def value(self, value: str | None) -> None:
        self._iban.set_compact_value(value or "")

    @property
    def stored_value(self) -> str | None:
        return self.value or None

    @property
    def formatted(self) -> str:
        return self.text

    def is_checkable(self) -> bool:
        """As long as its country's IBANs (the longest of all while the country is not
        known), or a start that is no country's."""
        compact = self.value
        wanted = iban_length(compact)
        return len(compact) >= (wanted or MAX_IBAN_LENGTH) or (len(compact) >= 4 and not wanted)

    @property
    def is_complete(self) -> bool:
        """As long as its country's IBANs, and valid (a data-entry form moves on)."""
        wanted = iban_length(self.value)
        return wanted is not None and len(self.value) == wanted and self.live_message is None

    def describe(self) -> str | None:
        info = iban_info(self.value)
        self._info = (info.bic, info.bank_name) if info else (None, None)
        return _valid_text(*self._info, self.message_line)

    def value_changed(self) -> None:
        """A newly valid IBAN: its bank for the BIC field (once per IBAN)."""
        valid = self.is_checkable() and self.live_message is None
        current = self._info if valid else None
        if current is not None and current != self._derived:
            self.post_message(self.Derived(self, *current))
        self._derived = current
