"""`CheckedInput`: a text field with a line under it, checked by a validator of `cesp_core`.

What the NIR, the IBAN and the dates share (`NirInput`, `IbanInput`, `DateInput`):

- the field is a Textual `Input` (here a `GroupedInput`, which groups what is typed);
- the validator is a function of `cesp_core.validators` taking the text and returning a
  French message, or None when the value is valid;
- the value is checked as soon as it is complete (`is_checkable`: 15 characters of a NIR,
  the 8 digits of a date...) and, whatever it is, when the cursor leaves the field; an
  empty field is not checked (whether it is required is the form's business);
- the message shows on the one line under the field (`MessageLine`), and once shown it
  follows every change: it goes as soon as the value is fixed, replaced by what the valid
  value says (`describe`: the date in words, the NIR's facts, the IBAN's bank);
- a change is reported as the widget's `Changed` (a subclass of `CheckedInput.Changed`)
  with ``value`` as the dossier stores it (`stored_value`) and ``text`` as shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from .message_line import MessageLine

__all__ = ["CheckedInput", "Validator"]

#: A validator of `cesp_core`: the French message saying what is wrong, or None.
Validator = Callable[[str], str | None]


class CheckedInput(Widget):
    """Subclasses give the field (`make_field`), the validator (`VALIDATOR` or the
    ``validator`` argument) and, if they like, `is_checkable`, `describe` and
    `stored_value`."""

    DEFAULT_CSS = """
    CheckedInput {
        height: auto;
        width: 1fr;
    }
    """

    #: The class of the line under the field (subclasses name theirs: ``nir-message``).
    MESSAGE_CLASS: ClassVar[str] = "checked-message"
    #: The validator used when none is given.
    VALIDATOR: ClassVar[Validator | None] = None

    @dataclass
    class Changed(Message):
        """The value changed: ``value`` as the dossier stores it (None: empty), ``text`` as
        the field shows it."""

        checked_input: CheckedInput
        value: str | None
        text: str

        @property
        def control(self) -> CheckedInput:
            return self.checked_input

    def __init__(
        self,
        value: str = "",
        *,
        placeholder: str = "",
        validator: Validator | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        chosen = validator or type(self).VALIDATOR
        if chosen is None:
            raise TypeError(f"{type(self).__name__} needs a validator")
        self.validator: Validator = chosen
        self._field = self.make_field(value or "", placeholder)
        self._message = MessageLine(classes=self.MESSAGE_CLASS)
        self._text = self._field.value
        #: The message shown: the value's problem (None: fine, or not checked yet).
        self.live_message: str | None = None
        #: A problem was shown: every change checks again until the value is fixed.
        self._following = False

    # --- to override -------------------------------------------------------------------

    def make_field(self, value: str, placeholder: str) -> Input:
        return Input(value, placeholder=placeholder, compact=True)

    def is_checkable(self) -> bool:
        """Whether the value is complete enough to be checked while typing (default:
        only when the cursor leaves the field)."""
        return False

    def describe(self) -> str | None:
        """What a valid value says, under the field (None: nothing)."""
        return None

    @property
    def stored_value(self) -> str | None:
        """The value as the dossier stores it (None when empty)."""
        return self.text.strip() or None

    def value_changed(self) -> None:
        """Called on each change, once checked, before `Changed` is posted."""

    # --- the parts ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._field
        yield self._message

    def on_mount(self) -> None:
        # Followed from a watcher of the field's value rather than from `Input.Changed`:
        # what the line under the field says changes in the key's frame (ADR 0024).
        self.watch(self._field, "value", self._typed, init=False)
        self.check()

    @property
    def input(self) -> Input:
        return self._field

    @property
    def message_line(self) -> MessageLine:
        """The line under the field (a form shows its problems there too)."""
        return self._message

    @property
    def text(self) -> str:
        """What the field shows."""
        return self._field.value

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()

    def focus(self, scroll_visible: bool = True) -> CheckedInput:
        self._field.focus(scroll_visible)
        return self

    # --- checking ----------------------------------------------------------------------

    def check(self, *, leaving: bool = False) -> str | None:
        """Check the value now if it is complete, was wrong, or the cursor is ``leaving``
        the field; show the result under it. Returns the problem (None: fine or not
        checked)."""
        self.live_message = None
        if self.is_empty:
            self._following = False
            self.show_verdict(None)
            return None
        if not (leaving or self._following or self.is_checkable()):
            self.show_verdict(None)
            return None
        problem = self.validator(self.text)
        self.live_message = problem
        self._following = problem is not None
        self.show_verdict(problem)
        return problem

    def show_verdict(self, problem: str | None) -> None:
        """The line under the field: ``problem``, else what a complete value says."""
        if problem is not None:
            self._message.show(problem, "invalid")
        elif not self.is_empty and self.is_checkable():
            described = self.describe()
            self._message.show(described or "", "valid" if described else None)
        else:
            self._message.show()

    @on(events.DescendantBlur)
    def _left(self) -> None:
        self.check(leaving=True)

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        if event.input is self._field:
            event.stop()  # followed already, by `_typed`

    def _typed(self) -> None:
        if self._field.value == self._text:
            return
        self._text = self._field.value
        self.check()
        self.value_changed()
        # ``self.Changed``: the subclass's own class (``NirInput.Changed``...).
        self.post_message(self.Changed(self, self.stored_value, self.text))
