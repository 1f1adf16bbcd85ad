"""One field of a démarche: its label, the input that suits its type, help and error lines.

The control is chosen from the field's `FieldType`; whatever it is, a change is reported
as one `FieldRow.Changed(key, value)` with the value as the dossier stores it (str, bool
or None; codes, ISO dates, compact NIR/IBAN). The help line shows while the field has
focus (keeps forms short at 80x24); the error line shows what `set_problem` says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, RadioButton, RadioSet, Static, TextArea

from cesp_core.demarches.model import Choice, Field, FieldType, Value
from cesp_core.text import normalize

from .checked_input import CheckedInput
from .choice_set import ChoiceSet
from .date_input import DateInput
from .filter_select import FilterSelect
from .iban_input import IbanInput
from .nir_input import NirInput

__all__ = [
    "FIXED_LENGTH_TYPES",
    "LABEL_COLUMNS",
    "MAX_RADIO_CHOICES",
    "NARROW_ROW",
    "ChoiceButton",
    "FieldRow",
    "choice_for_letter",
    "label_lines",
]

#: A CHOICE field with at most this many choices is a row of radio buttons; more: a
#: filtered list.
MAX_RADIO_CHOICES = 5

_DEFAULT_LENGTHS: dict[FieldType, int] = {
    FieldType.POSTAL_CODE: 5,
    FieldType.FINESS: 9,
    FieldType.RPPS: 11,
    FieldType.YEAR: 4,
    FieldType.BIC: 11,
    FieldType.PHONE: 25,
    FieldType.EMAIL: 254,
}

_RESTRICTIONS: dict[FieldType, str] = {
    FieldType.POSTAL_CODE: r"[0-9]*",
    FieldType.FINESS: r"[0-9ABab]*",
    FieldType.RPPS: r"[0-9]*",
    FieldType.YEAR: r"[0-9]*",
    FieldType.INT: r"-?[0-9]*",
    FieldType.BIC: r"[0-9A-Za-z]*",
    FieldType.PHONE: r"[0-9+ .()-]*",
}

_WIDTHS: dict[FieldType, int] = {
    FieldType.POSTAL_CODE: 9,
    FieldType.FINESS: 13,
    FieldType.RPPS: 15,
    FieldType.YEAR: 8,
    FieldType.INT: 8,
    FieldType.BIC: 15,
    FieldType.PHONE: 22,
}

_PLACEHOLDERS: dict[FieldType, str] = {
    FieldType.POSTAL_CODE: "87000",
    FieldType.PHONE: "06 12 34 56 78",
    FieldType.EMAIL: "prenom.nom@exemple.fr",
    FieldType.BIC: "BNPAFRPP",
}

_FILTER_KINDS = {
    FieldType.DEPARTEMENT: "departement",
    FieldType.COMMUNE: "commune",
    FieldType.PAYS: "pays",
    FieldType.SPECIALITE: "specialite",
}


#: Plain inputs that are complete at their maximum length (a data-entry form moves on).
FIXED_LENGTH_TYPES = frozenset(
    {FieldType.POSTAL_CODE, FieldType.FINESS, FieldType.RPPS, FieldType.YEAR}
)


def choice_for_letter(
    choices: tuple[Choice, ...], letter: str, current: Value = None
) -> Choice | None:
    """The choice a typed letter picks: the choices whose VISIBLE label starts with it
    (accents and case ignored; never the hidden value: "c" must not pick "Marié(e)…"
    because its value is ``couple``), the one after ``current`` when it is one of them
    (typing the letter again cycles)."""
    key = normalize(letter)
    if not key:
        return None
    hits = [c for c in choices if normalize(c.label).startswith(key)]
    if not hits:
        return None
    for index, choice in enumerate(hits):
        if choice.value == current:
            return hits[(index + 1) % len(hits)]
    return hits[0]


def _yes_no(ticked: bool) -> str:
    return "Oui" if ticked else "Non"


def _int_length(field: Field) -> int:
    bounds = [b for b in (field.min_value, field.max_value) if b is not None]
    return max((len(str(b)) for b in bounds), default=9)


#: The class every control of a row carries (the row's CSS targets it).
CONTROL = "field-control"

#: Columns between two options of a horizontal radio row (their right margin).
_OPTION_GAP = 2

#: The label column beside the fields (its last column is a gap).
LABEL_COLUMNS = 28

#: A row narrower than this (its content, in columns) puts its label on a line of its
#: own above the field, the field and its message then taking the row's whole width: at
#: 60 columns a field beside its label would get 29 columns, and its message would wrap
#: in a thin column at the right edge (issue 13).
NARROW_ROW = 64

#: The required mark, after the label.
REQUIRED_MARK = " *"


def label_lines(label: str, width: int, *, required: bool) -> str:
    """``label`` with its required mark, as shown in ``width`` cells: as it is (Textual
    wraps it), unless the mark would stand alone on the last line; then broken into
    lines here so that the mark goes with the label's last word. (Textual breaks at a
    no-break space too: "\u00a0*" is no help.)"""
    text = f"{label}{REQUIRED_MARK}" if required else label
    if not required or width <= 0:
        return text
    lines = [line.plain.rstrip() for line in Content(text).wrap(width)]
    if len(lines) < 2 or lines[-1] != REQUIRED_MARK.strip():
        return text
    lines = [line.plain.rstrip() for line in Content(label).wrap(max(1, width - 2))]
    lines[-1] += REQUIRED_MARK
    return "\n".join(lines)


class ChoiceButton(RadioButton):
    """A radio button whose label wraps over several lines when its row lays the options
    out vertically (`text-wrap: wrap`): a long option is never cut at the screen's edge."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.styles.text_wrap == "nowrap":
            return 1
        return max(1, self.render().get_height(self.styles, width))


class FieldRow(Widget):
    """Label, control and error line of one field (its help line is the form's: `TabForm`)."""

    DEFAULT_CSS = """
    FieldRow {
        height: auto;
        width: 1fr;
        padding: 0 1;
        & > .field-line {
            height: auto;
            width: 1fr;
        }
        & .field-label {
            width: 28;
            min-width: 28;
            padding: 0 1 0 0;
            color: $text-muted;
        }
        /* Narrow (`NARROW_ROW`): the label on its own line, the field under it and its
           message under the field, all from the row's left edge. */
        &.-narrow {
            & > .field-line {
                layout: vertical;
            }
            & .field-label {
                width: 1fr;
                min-width: 0;
                padding: 0;
            }
            & > .field-error {
                margin: 0;
            }
        }
        &.-required .field-label {
            color: $text;
        }
        & .field-control {
            width: 1fr;
        }
        & TextArea.field-control {
            height: 5;
        }
        & RadioSet.field-control {
            layout: horizontal;
            width: auto;
            & > RadioButton {
                width: auto;
                margin: 0 2 0 0;
            }
            /* Options too wide for one line: one under the other, long labels wrapped
               (`FieldRow.fit_choices`). */
            &.-vertical {
                layout: vertical;
                width: 1fr;
                & > RadioButton {
                    width: 1fr;
                    height: auto;
                    margin: 0;
                    text-wrap: wrap;
                }
            }
        }
        & Checkbox.field-control {
            width: auto;
        }
        & > .field-error {
            display: none;
            color: $text-error;
            margin: 0 0 0 28;
        }
        & > .field-error.-visible {
            display: block;
        }
        &.-problem .field-label {
            color: $text-error;
        }
    }
    """

    @dataclass
    class Changed(Message):
        """The field's value changed (as the dossier stores it)."""

        field_row: FieldRow
        key: str
        value: Value

        @property
        def control(self) -> FieldRow:
            return self.field_row

    def __init__(
        self,
        field: Field,
        value: Value = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        # Classes given here, not added after: `add_class` on a widget not yet mounted
        # runs it through the whole stylesheet at once (~2 ms), then again at mount.
        classes = " ".join(c for c in (classes, "-required" if field.required else "") if c)
        super().__init__(
            name=name, id=id or f"field-{field.key}", classes=classes or None, disabled=disabled
        )
        self.field = field
        #: A choice field keeps its kind of control when its choices are narrowed.
        self._radio = field.type is FieldType.CHOICE and len(field.choices) <= MAX_RADIO_CHOICES
        self._value: Value = value if value is not None else field.default
        self._control = self._build_control()
        #: The widget of the control that takes the focus (found on first need).
        self._focus_target: Widget | None = None
        self._problem: str | None = None
        self._focused = False
        #: The label as shown: broken into lines so that the mark keeps its last word.
        self._label_shown = self.label_text

    # --- building --------------------------------------------------------------------------

    @property
    def key(self) -> str:
        return self.field.key

    @property
    def label_text(self) -> str:
        return f"{self.field.label}{REQUIRED_MARK}" if self.field.required else self.field.label

    @property
    def narrow(self) -> bool:
        """The label stands above the field (class ``-narrow``, see `NARROW_ROW`)."""
        return self.has_class("-narrow")

    @property
    def control_widget(self) -> Widget:
        return self._control

    def _build_control(self) -> Widget:
        field, value = self.field, self._value
        text = value if isinstance(value, str) else ""
        kind = field.type
        control: Widget
        if kind is FieldType.TEXTAREA:
            control = TextArea(
                text, soft_wrap=True, compact=True, show_line_numbers=False, classes=CONTROL
            )
        elif kind is FieldType.BOOL:
            control = Checkbox(_yes_no(value is True), value is True, compact=True, classes=CONTROL)
        elif kind is FieldType.CHOICE and self._radio:
            control = ChoiceSet(
                *(ChoiceButton(c.label, value=(c.value == value)) for c in field.choices),
                compact=True,
                classes=CONTROL,
            )
        elif kind is FieldType.CHOICE:
            control = FilterSelect(
                "choice", choices=field.choices, value=text or None, classes=CONTROL
            )
        elif kind in _FILTER_KINDS:
            control = FilterSelect(_FILTER_KINDS[kind], value=text or None, classes=CONTROL)  # type: ignore[arg-type]
        elif kind is FieldType.DATE:
            control = DateInput(text or None, classes=CONTROL)
        elif kind is FieldType.NIR:
            control = NirInput(text, classes=CONTROL)
        elif kind is FieldType.IBAN:
            control = IbanInput(text, classes=CONTROL)
        else:
            max_length = field.max_length or _DEFAULT_LENGTHS.get(kind, 0)
            if kind in (FieldType.INT, FieldType.YEAR) and not field.max_length:
                max_length = _int_length(field) + (1 if (field.min_value or 0) < 0 else 0)
            control = Input(
                text,
                placeholder=_PLACEHOLDERS.get(kind, ""),
                max_length=max_length,
                restrict=_RESTRICTIONS.get(kind),
                compact=True,
                classes=CONTROL,
            )
            if kind in _WIDTHS:
                control.styles.max_width = _WIDTHS[kind]
        if field.from_account is not None:
            # Shown, never typed: the value comes from the account (the server keeps the
            # account's value whatever is sent, ADR 0030).
            control.disabled = True
        return control

    def set_choices(self, choices: tuple[Choice, ...], *, keep_value: bool) -> None:
        """Offer only ``choices`` (the CESP "Niveau" follows the "Filière"): the control
        is built again, of the same kind (a list stays a list). A value no longer offered is
        cleared and reported, unless ``keep_value`` (a stored dossier being shown: the
        rules say what is wrong with it)."""
        if choices == self.field.choices:
            return
        self.field = replace(self.field, choices=choices)
        offered = {choice.value for choice in choices}
        if not keep_value and self._value is not None and self._value not in offered:
            self._report(None)
        if not self.is_mounted:
            self._control = self._build_control()
            return
        old = self._control
        had_focus = old.has_focus_within
        self._control = self._build_control()
        self._focus_target = None
        old.parent.mount(self._control, after=old)  # type: ignore[union-attr]
        old.remove()
        # The new radio row is laid out as the old one was only if the row's size
        # changes: decide it once it is mounted (under load the audit saw it cut).
        self.call_after_refresh(self.fit_choices)
        if had_focus:
            self.call_after_refresh(self.focus_control)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-line"):
            yield Label(self._label_shown, classes="field-label")
            yield self._control
        yield Static("", classes="field-error", markup=False)

    # --- layout ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.fit_width()
        self.fit_choices()

    def fit_width(self) -> None:
        """Label beside the field, or above it when the row is narrow (`NARROW_ROW`); the
        label broken into lines so that its required mark stays with its last word.
        On resize only: a class change restyles the row."""
        width = self.content_size.width
        if not width:
            return
        narrow = width < NARROW_ROW
        if narrow != self.narrow:
            self.set_class(narrow, "-narrow")
        label_width = width if narrow else LABEL_COLUMNS - 1
        shown = label_lines(self.field.label, label_width, required=self.field.required)
        if shown != self._label_shown:
            self._label_shown = shown
            self._paint_label()

    def fit_choices(self) -> None:
        """A radio row whose options do not fit on one line beside the label lays them out
        one under the other (class ``-vertical``), decided from the options' widths and
        the width the row has now (again on every resize)."""
        control = self._control
        if not isinstance(control, RadioSet) or not self.size.width:
            return
        line = self.query_one(".field-line")
        # Above the field when narrow: the options have the row's whole width.
        available = line.content_size.width - (0 if self.narrow else LABEL_COLUMNS)
        big = Size(10_000, 1)
        needed = control.styles.gutter.width + sum(
            button.get_content_width(big, big) + button.styles.gutter.width + _OPTION_GAP
            for button in control.query(RadioButton)
        )
        vertical = needed > available
        if control.has_class("-vertical") != vertical:
            control.set_class(vertical, "-vertical")

    # --- focus -----------------------------------------------------------------------------

    @on(events.DescendantFocus)
    def _focus_in(self) -> None:
        self.mark_focus(True)

    @on(events.DescendantBlur)
    def _focus_out(self) -> None:
        # Blur comes before the next focus: within the row (radio buttons) it is
        # followed by a DescendantFocus that marks the row again.
        self.mark_focus(False)

    def mark_focus(self, focused: bool) -> None:
        """The label in bold accent (reverse video without colour) while the cursor is in
        the row. Drawn by the label's content, not by a class: a class change restyles
        nodes through the whole stylesheet (~1.5 ms each), 13 ms of each focus move
        (ADR 0011)."""
        if focused == self._focused:
            return
        self._focused = focused
        self._paint_label(layout=False)

    def _paint_label(self, *, layout: bool = True) -> None:
        label = self.query_one(".field-label", Label)
        text = self._label_shown
        # Without colour (NO_COLOR) the accent is lost: reverse video marks the row.
        style = "bold reverse" if self.app.no_color else "bold $accent"
        label.update(Content.styled(text, style) if self._focused else text, layout=layout)

    # --- value -----------------------------------------------------------------------------

    @property
    def value(self) -> Value:
        return self._value

    def set_value(self, value: Value) -> None:
        """Show ``value`` (programmatic: reported as a change only if it differs)."""
        control = self._control
        if isinstance(control, FilterSelect | NirInput | IbanInput | DateInput):
            control.value = value if isinstance(value, str) else None
        elif isinstance(control, Checkbox):
            control.value = value is True
        elif isinstance(control, RadioSet):
            for button, choice in zip(control.query(RadioButton), self.field.choices, strict=True):
                if choice.value == value:
                    button.value = True
        elif isinstance(control, TextArea):
            control.text = value if isinstance(value, str) else ""
        elif isinstance(control, Input):
            control.value = value if isinstance(value, str) else ""

    @property
    def is_full(self) -> bool:
        """The value is complete by its form alone: a valid NIR, IBAN or date, a postal
        code / FINESS / RPPS / year at its length (a data-entry form moves on)."""
        control = self._control
        if isinstance(control, NirInput | DateInput | IbanInput):
            return control.is_complete
        if self.field.type in FIXED_LENGTH_TYPES and isinstance(control, Input):
            length = control.max_length or 0
            return length > 0 and len(control.value) == length
        return False

    def on_key(self, event: events.Key) -> None:
        """A radio row: a typed letter picks the choice whose visible label starts with
        it ("m", "c"); any other printable key does nothing: it is consumed here, so it
        never reaches a screen (ADR 0026: printable keys are a field's data or nothing).
        Space and Enter stay the RadioSet's (select the highlighted option)."""
        control = self._control
        if not isinstance(control, RadioSet) or control.disabled or not event.is_printable:
            return
        if event.key == "space":
            return
        event.stop()
        event.prevent_default()
        choice = choice_for_letter(self.field.choices, event.character or "", self._value)
        if choice is not None:
            self.set_value(choice.value)

    def _report(self, value: Value) -> None:
        if self.adopt(value):
            self.post_message(self.Changed(self, self.key, value))

    @staticmethod
    def _text_value(text: str) -> str | None:
        return text if text.strip() else None

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if event.input is self._control:
            event.stop()
            self._report(self._text_value(event.value))

    @on(TextArea.Changed)
    def _textarea_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._report(self._text_value(event.text_area.text))

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        event.checkbox.label = _yes_no(event.value)
        self._report(event.value)

    @on(RadioSet.Changed)
    def _radio_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        index = event.index
        if 0 <= index < len(self.field.choices):
            self._report(self.field.choices[index].value)

    @on(FilterSelect.Changed)
    def _filter_changed(self, event: FilterSelect.Changed) -> None:
        event.stop()
        self._report(event.value)

    @on(CheckedInput.Changed)
    def _checked_changed(self, event: CheckedInput.Changed) -> None:
        # NIR, IBAN (compact), date (ISO when complete, else as typed: nothing is lost
        # and the rules say precisely what is wrong): the value as the dossier stores it.
        event.stop()
        self._report(event.value)

    # --- problems and focus ----------------------------------------------------------------

    @property
    def problem(self) -> str | None:
        return self._problem

    def set_problem(self, message: str | None) -> None:
        """Show ``message`` in red under the field (None clears it)."""
        self._problem = message
        live = getattr(self._control, "live_message", None)
        shown = message if message and message != live else None
        if isinstance(self._control, CheckedInput):
            # Their own line under the field, always there: no layout (ADR 0011).
            self._control.message_line.set_problem(shown)
        else:
            error_line = self.query_one(".field-error", Static)
            error_line.update(shown or "")
            error_line.set_class(shown is not None, "-visible")
        self.set_class(message is not None, "-problem")

    def focus_control(self, scroll_visible: bool = True, *, now: bool = False) -> None:
        """The cursor to this field. ``now``: in the handler that asks it rather than on
        the next turn of the app's queue (`Widget.focus`), so that what the move changes
        (the list of the field left closing, this one's opening) is painted in one
        frame."""
        target = self._focus_target if now and self.takes_focus else None
        if target is None:
            self._control.focus(scroll_visible)
            return
        self.screen.set_focus(target, scroll_visible)
        if isinstance(self._control, FilterSelect):
            self._control.arrive()

    def adopt(self, value: Value) -> bool:
        """Take ``value``, which the control already shows, without a `Changed` message
        (a form applies it at once, see `TabForm`); whether it changed."""
        if value == self._value:
            return False
        self._value = value
        if self._problem is not None:  # the user is fixing it: the old message goes
            self.set_problem(None)
        return True

    @property
    def takes_focus(self) -> bool:
        """Whether the cursor can go to this row now: shown, and its control (or the one
        widget inside it that takes the focus: the text of a list, a date, a NIR, an
        IBAN) enabled."""
        if not self.display:
            return False
        target = self._focus_target
        if target is None:
            target = self._focus_target = next(
                (w for w in self._control.walk_children(with_self=True) if w.can_focus), None
            )
        return target is not None and target.focusable

    @property
    def is_single_line(self) -> bool:
        """Enter moves to the next field (not in a text area, box or radio set)."""
        return not isinstance(self._control, TextArea | Checkbox | RadioSet)
