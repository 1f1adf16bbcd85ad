"""The form of one tab of a démarche, drawn from its definition and live with its rules.

`TabForm` builds a `FieldRow` per field of the tab, shows only the fields
`cesp_core.demarches.rules.is_visible` allows (re-evaluated on every change), restricts a
commune list to the department or postal code it `depends_on`, fills the BIC from the
IBAN, and reports every change as `TabForm.FieldChanged` (the screen writes it to the
local store at once). Enter in a single-line field moves to the next visible field.

With ``keying`` (a back-office agent keying paper dossiers, like a 3270 data-entry
screen): a fixed-length field (NIR, date, IBAN, postal code, FINESS, RPPS, year) moves on
by itself once full and valid, a choice picked (typed letter, Enter) moves on, a commune
filled from the postal code just typed is passed over, Enter in the last field posts
`TabForm.EndReached` (the dossier screen saves and opens the next tab), and a valid NIR
fills the fields it tells about that are still empty (`cesp_core.keying.nir_prefill`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, RadioSet, Static

from cesp_core import keying as core_keying
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, DossierData, Field, FieldType, Value
from cesp_core.problems import Problem
from cesp_core.validators.postal import validate_postal_code

from .field_row import FieldRow
from .filter_select import FilterSelect, commune_index
from .iban_input import IbanInput

__all__ = ["TabForm"]

#: Field types checked as soon as the cursor leaves them (`TabForm._check_on_leaving`).
#: Every field of a fixed format or range: a wrong key (FINESS, RPPS), a malformed
#: address, a number out of range is said under the field as the cursor leaves it.
_CHECKED_ON_LEAVING = frozenset(
    {
        FieldType.POSTAL_CODE,
        FieldType.PHONE,
        FieldType.EMAIL,
        FieldType.FINESS,
        FieldType.RPPS,
        FieldType.BIC,
        FieldType.INT,
        FieldType.YEAR,
    }
)


class TabForm(VerticalScroll):
    """Fields of ``demarche.tab(tab_key)`` with ``values``; ``dossier`` gives the other
    tabs (for conditions that look at them)."""

    can_focus = False
    #: Data entry by an agent (see the module's docstring); set by the screen.
    keying: bool = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_field", "Champ suivant", show=False, id="form.next_field"),
        Binding(
            "shift+tab", "previous_field", "Champ précédent", show=False, id="form.previous_field"
        ),
    ]

    DEFAULT_CSS = """
    TabForm {
        height: 1fr;
        width: 1fr;
        padding: 0;
        scrollbar-size-vertical: 1;
        & > .tab-help {
            color: $text-muted;
            padding: 0 1;
            margin: 0 0 1 0;
        }
        & > .tab-problems {
            display: none;
            color: $text-error;
            padding: 0 1;
            &.-visible { display: block; }
        }
        & > FieldRow {
            margin: 0 0 0 0;
        }
        & > .field-help {
            dock: bottom;
            height: 2;
            padding: 0 1;
            color: $text-muted;
            text-style: italic;
        }
        /* A wide terminal (`COLUMNS_WIDTH`): the fields in two columns, each as wide as
           an 80-column form, read left to right then down (the order of Tab). */
        &.-columns {
            layout: grid;
            grid-size: 2;
            grid-columns: 1fr 1fr;
            grid-rows: auto;
            grid-gutter: 0 1;
            & > .tab-help, & > .tab-problems {
                column-span: 2;
            }
        }
    }
    """

    #: From this width on (the form's, in columns) the fields stand in two columns.
    COLUMNS_WIDTH = 150

    @dataclass
    class FieldChanged(Message):
        """``field`` of ``tab`` now holds ``value`` (write it to the store now)."""

        tab_form: TabForm
        tab: str
        field: str
        value: Value

        @property
        def control(self) -> TabForm:
            return self.tab_form

    @dataclass
    class EndReached(Message):
        """Keying mode: Enter in the last visible field of the tab."""

        tab_form: TabForm

        @property
        def control(self) -> TabForm:
            return self.tab_form

    def __init__(
        self,
        demarche: Demarche,
        tab_key: str,
        values: Mapping[str, Value] | None = None,
        *,
        dossier: DossierData | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id or f"form-{tab_key}", classes=classes, disabled=disabled)
        self.demarche = demarche
        self.tab = demarche.tab(tab_key)
        self._values: dict[str, Value] = dict(values or {})
        self._others: dict[str, Mapping[str, Value]] = {
            key: tab for key, tab in (dossier or {}).items() if key != tab_key
        }
        self._rows: dict[str, FieldRow] = {
            field.key: FieldRow(field, self._values.get(field.key)) for field in self.tab.fields
        }
        self._derived_bic: str | None = None
        self._derived_bank: str | None = None

    @property
    def tab_key(self) -> str:
        return self.tab.key

    # --- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        if self.tab.help:
            yield Static(self.tab.help, classes="tab-help", markup=False)
        yield Static("", classes="tab-problems", markup=False)
        yield from self._rows.values()
        yield Static("", classes="field-help", markup=False)

    @on(events.DescendantFocus)
    def _show_help(self, event: events.DescendantFocus) -> None:
        self._show_help_of(self._row_of(event.widget))

    def _show_help_of(self, row: FieldRow | None) -> None:
        """The help line of the field with the cursor, in a band of fixed height at the
        foot of the form: a line opening under the field would lay out the whole screen
        again on every focus move (ADR 0011)."""
        help_text = row.field.help if row is not None and row.field.help else ""
        band = self.query_one(".field-help", Static)
        if str(band.content) != help_text:
            band.update(help_text, layout=False)

    def _row_of(self, widget: Widget | None) -> FieldRow | None:
        """The row of this form that holds ``widget``."""
        for node in widget.ancestors_with_self if widget is not None else ():
            if isinstance(node, FieldRow):
                return node if self._rows.get(node.key) is node else None
        return None

    def _focus_moved(self, old: Widget | None, new: Widget | None) -> None:
        """Called by `Screen.set_focus` itself: the labels and the help band change in
        the same frame as the inputs' own focus styles, rather than in a second frame
        once the focus events have bubbled up to the rows and the form (ADR 0011). The
        handlers of those events then find nothing left to do."""
        old_row, new_row = self._row_of(old), self._row_of(new)
        if old_row is new_row:
            return
        if old_row is not None:
            old_row.mark_focus(False)
            self._check_on_leaving(old_row)
        if new_row is not None:
            new_row.mark_focus(True)
            self._show_help_of(new_row)
            self.call_after_refresh(self.reveal, new_row)

    def _check_on_leaving(self, row: FieldRow) -> None:
        """A field of a fixed format (`_CHECKED_ON_LEAVING`) is checked when the cursor
        leaves it (the validators of `cesp_core`): the problem shows under the field at once rather
        than at the next save. An empty field is left for the save to report."""
        checked = row.field.type in _CHECKED_ON_LEAVING or row.field.not_in_past
        if not checked or not row.display:
            return
        value = self._values.get(row.key, row.value)
        if rules.is_blank(value):
            return
        message = rules.field_problem(row.field, value)
        if message is not None and message != row.problem:
            row.set_problem(message)

    def reveal(self, row: FieldRow) -> None:
        """Scroll ``row`` whole (its label, control and problem line) into the part of
        the form the help band docked at its foot leaves visible. The screen's own scroll
        on focus looks at the focused control only and counts the band's lines as
        visible: a field reached by Tab at the foot of the form stayed under the band."""
        if row.display and row.is_attached:
            self.scroll_to_widget(row, animate=False, immediate=True)

    def on_resize(self) -> None:
        """Two columns of fields on a wide terminal (on resize only: a relayout)."""
        columns = self.size.width >= self.COLUMNS_WIDTH
        if columns != self.has_class("-columns"):
            self.set_class(columns, "-columns")

    def on_mount(self) -> None:
        for row in self._rows.values():
            if isinstance(control := row.control_widget, FilterSelect):
                control.enter_moves_on = True  # see `_enter`
        self._apply_rules(initial=True)
        self.watch(self.screen, "focused", self._focus_moved, init=False)

    # --- values ------------------------------------------------------------------------

    def values(self) -> dict[str, Value]:
        """The tab's values (hidden fields keep theirs, as the rules expect)."""
        return dict(self._values)

    @property
    def data(self) -> dict[str, Mapping[str, Value]]:
        """The dossier as the rules see it: the other tabs, and this one as it stands."""
        return {**self._others, self.tab.key: self._values}

    def row(self, key: str) -> FieldRow:
        return self._rows[key]

    @property
    def rows(self) -> list[FieldRow]:
        return list(self._rows.values())

    def visible_rows(self) -> list[FieldRow]:
        return [row for row in self._rows.values() if row.display]

    def set_value(self, key: str, value: Value) -> None:
        """Put ``value`` in a field as if typed (reported as `FieldChanged`)."""
        self._rows[key].set_value(value)

    def update_dossier(self, dossier: DossierData) -> None:
        """New values of the other tabs (conditions may look at them)."""
        self._others = {key: tab for key, tab in dossier.items() if key != self.tab.key}
        self._apply_rules()

    # --- rules ---------------------------------------------------------------------------

    def _apply_rules(self, *, initial: bool = False, changed: str | None = None) -> None:
        data = self.data
        for field in self.tab.fields:
            row = self._rows[field.key]
            row.display = rules.is_visible(field, data, self.tab.key, self.demarche)
            if field.type is FieldType.CHOICE and (changed is None or changed != field.key):
                offered = rules.offered_choices(self.demarche, self.tab.key, field, data)
                row.set_choices(offered, keep_value=initial or changed is None)
            if field.depends_on and (changed is None or changed == field.depends_on):
                self._restrict(field, row, initial=initial)

    def _restrict(self, field: Field, row: FieldRow, *, initial: bool) -> None:
        control = row.control_widget
        if not isinstance(control, FilterSelect) or field.depends_on is None:
            return
        try:
            parent = self.tab.field(field.depends_on)
        except KeyError:
            return
        raw = self._values.get(parent.key, parent.default)
        value = raw if isinstance(raw, str) and raw.strip() else None
        departement: str | None = None
        postal_code: str | None = None
        if parent.type is FieldType.DEPARTEMENT:
            departement = value
        elif parent.type is FieldType.POSTAL_CODE and value is not None:
            postal_code = value.strip() if validate_postal_code(value) is None else None
        control.set_restriction(
            departement=departement, postal_code=postal_code, clear_invalid=not initial
        )
        if not initial and postal_code is not None and control.value is None:
            only = commune_index().search("", postal_code=postal_code, limit=2)
            if len(only) == 1:  # one commune for this postal code: take it
                control.value = only[0].code

    # --- events --------------------------------------------------------------------------

    @on(FieldRow.Changed)
    def _field_changed(self, event: FieldRow.Changed) -> None:
        event.stop()
        row = event.field_row
        if row.key in self._values and self._values[row.key] == event.value:
            return  # applied already (Enter in a list, `_enter`)
        self._apply_change(row, event.value)
        typed = self.keying and row.has_focus_within
        if typed and (row.is_full or isinstance(row.control_widget, RadioSet)):
            self.move_on(row, auto=True)

    def _apply_change(self, row: FieldRow, value: Value) -> None:
        """``row`` now holds ``value``: kept, told to the screen, the rules applied."""
        self._values[row.key] = value
        self.post_message(self.FieldChanged(self, self.tab.key, row.key, value))
        typed = self.keying and row.has_focus_within
        if typed and row.field.type is FieldType.NIR and isinstance(value, str):
            self._prefill_from_nir(value)
        self._apply_rules(changed=row.key)

    def _prefill_from_nir(self, nir: str) -> None:
        """Keying mode: what the NIR tells, into the fields still empty (department first:
        the commune list follows it)."""
        found = core_keying.nir_prefill(self._values, nir)
        order = [f.key for f in self.tab.fields]
        for key in sorted(found, key=lambda k: order.index(k) if k in order else len(order)):
            if key in self._rows:
                self._rows[key].set_value(found[key])

    # --- moving between fields ------------------------------------------------------------

    def action_next_field(self) -> None:
        self._step(+1)

    def action_previous_field(self) -> None:
        self._step(-1)

    def _step(self, step: int) -> None:
        """Tab and Shift+Tab from one field of the form to the next one that can take the
        cursor, in the rows' order (the order of the screen, each row having one control
        that takes the focus), without Textual's focus chain: a walk and sort of every
        widget of the screen, 2-4 ms per move (ADR 0011). Past either end of the form,
        the screen's own chain takes over."""
        row = self._row_of(self.screen.focused)
        if row is None or not self._focus_next_row(row, step):
            raise SkipAction()

    def _focus_next_row(self, row: FieldRow, step: int) -> bool:
        rows = self.visible_rows()
        if row not in rows:
            return False
        index = rows.index(row)
        following = rows[index + 1 :] if step > 0 else rows[index - 1 :: -1] if index else []
        for candidate in following:
            if candidate.takes_focus:
                candidate.focus_control(now=True)
                return True
        return False

    def move_on(self, row: FieldRow, *, auto: bool = False) -> None:
        """The cursor to the next field. Keying mode: the next visible row (a commune just
        filled from this field is passed over); past the last one, Enter posts
        `EndReached` and a full field stays. Otherwise the next field that takes the
        cursor, or the screen's next focusable."""
        if not self.keying:
            if not self._focus_next_row(row, +1):
                self.screen.focus_next()
            return
        rows = self.visible_rows()
        index = rows.index(row) if row in rows else -1
        for following in rows[index + 1 :]:
            # The control's value, not the row's: a value the field's change just
            # cleared (a commune outside the new department) reaches the row only
            # with the control's `Changed` message, after this move.
            control = following.control_widget
            current = control.value if isinstance(control, FilterSelect) else following.value
            if following.field.depends_on == row.key and not rules.is_blank(current):
                continue  # filled from this field (a commune from its postal code)
            following.focus_control(now=True)
            return
        if not auto:
            self.post_message(self.EndReached(self))

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        row = next((a for a in event.input.ancestors if isinstance(a, FieldRow)), None)
        if row is None or not row.is_single_line:
            return
        event.stop()
        control = row.control_widget
        current = self._values.get(row.key)
        if self.keying and row.key not in self._values:
            current = row.value  # a default ("Pays : France") left as it is: move on
        if isinstance(control, FilterSelect) and control.value != current:
            # Enter just picked a value: applied here rather than when the list's
            # `Changed` comes round (the row and the form then find they have it), so
            # that a field it shows ("Niveau" -> "Université / UFR") is the next one,
            # and the list's closing, the move and the next list's opening are one frame.
            row.adopt(control.value)
            self._apply_change(row, control.value)
        self.move_on(row)
        if isinstance(control, FilterSelect) and self.screen.focused is control.input:
            control.close()  # the cursor stays (the last field of a keyed form)

    @on(IbanInput.Derived)
    def _iban_derived(self, event: IbanInput.Derived) -> None:
        """Fill the BIC (and the bank) from a valid IBAN, unless the user typed another."""
        for field in self.tab.fields:
            current = self._values.get(field.key)
            if field.type is FieldType.BIC:
                derived, previous = event.bic, self._derived_bic
            elif field.key == "domiciliation":
                derived, previous = event.bank_name, self._derived_bank
            else:
                continue
            if derived and (not current or current == previous):
                self._rows[field.key].set_value(derived)
        self._derived_bic, self._derived_bank = event.bic, event.bank_name

    # --- problems and focus ------------------------------------------------------------------

    def clear_problems(self) -> None:
        for row in self._rows.values():
            row.set_problem(None)
        banner = self.query_one(".tab-problems", Static)
        banner.update("")
        banner.remove_class("-visible")

    def show_problems(self, problems: Iterable[Problem], *, focus: bool = False) -> int:
        """Show each problem of this tab under its field (the others in a banner above);
        with ``focus``, put the cursor in the first field in error. Returns how many
        problems were shown."""
        self.clear_problems()
        by_field: dict[str, str] = {}
        general: list[str] = []
        for problem in problems:
            if problem.tab != self.tab.key:
                continue
            row = self._rows.get(problem.field) if problem.field else None
            if row is not None and row.display:
                by_field.setdefault(row.key, problem.message)
            else:
                general.append(problem.message)
        for key, message in by_field.items():
            self._rows[key].set_problem(message)
        if general:
            banner = self.query_one(".tab-problems", Static)
            banner.update("\n".join(general))
            banner.add_class("-visible")
        if focus:
            first = next((row for row in self.visible_rows() if row.key in by_field), None)
            if first is not None:
                first.focus_control()
                self.call_after_refresh(self.reveal, first)
            elif general:
                self.scroll_home(animate=False)
        return len(by_field) + len(general)

    def focus_first(self) -> None:
        """Cursor in the first visible field."""
        visible = self.visible_rows()
        if visible:
            visible[0].focus_control()
