"""The "Synthèse" tab: every section read-only, what still stops the transmission, and
"Transmettre ma demande".

Each tab is a `Collapsible` (closed at first, Enter opens it) with its labels and values as
the applicant would read them: choice labels rather than codes, department / commune /
country names, the NIR and the IBAN grouped, dates spelt ``jj/mm/aaaa``. Nothing can be
changed here (the guide: "Cet écran ne permet pas la modification"); each problem of
`rules.transmission_problems` is a line of a list, and Enter on it opens its tab with the
cursor in its field. "Transmettre ma demande" stays disabled until there is no problem
and the box "Je certifie l'exactitude des informations saisies" is ticked; a yes/no
confirmation then queues the transmission.
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, Checkbox, Collapsible, OptionList, Static
from textual.widgets.option_list import Option

from cesp_client.store import LocalPiece
from cesp_core import referentials
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, Field, FieldType, Tab, TabKind, Value
from cesp_core.problems import MISSING, Problem
from cesp_core.validators import dates, iban, nir
from cesp_tui.messages import CertificationsChanged, ShowTab, TransmitRequested
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.pieces import human_size, piece_state_text
from cesp_tui.screens.dossier.tab import DossierView
from cesp_tui.widgets.tab_header import STATE_TEXT

__all__ = [
    "TRANSMITTED_BANNER",
    "SyntheseScreen",
    "display_value",
    "problem_label",
    "synthesis_problems",
    "unsaved_problems",
]

#: The guide's banner once the server confirmed the transmission.
TRANSMITTED_BANNER = "Votre demande est transmise ! Vous allez recevoir un e-mail de confirmation."
EMPTY = "—"


def display_value(field: Field, value: Value) -> str:
    """``value`` as the applicant reads it (labels, names, grouped numbers, dd/mm/yyyy)."""
    if field.type is FieldType.BOOL:
        return "Oui" if value is True else "Non"
    if value is None or (isinstance(value, str) and not value.strip()):
        return EMPTY
    if not isinstance(value, str):
        return str(value)
    kind = field.type
    if kind is FieldType.CHOICE:
        return field.choice_label(value)
    if kind is FieldType.DEPARTEMENT:
        found = referentials.departement_by_code(value)
        return f"{found.code} - {found.nom}" if found else value
    if kind is FieldType.COMMUNE:
        communes = referentials.communes_by_code(value)
        return f"{communes[0].nom} ({communes[0].departement})" if communes else value
    if kind is FieldType.PAYS:
        pays = referentials.pays_by_code(value)
        return pays.nom if pays else value
    if kind is FieldType.NIR:
        return nir.format_nir(value) if nir.validate_nir(value) is None else value
    if kind is FieldType.IBAN:
        return iban.format_iban(value) if iban.validate_iban(value) is None else value
    if kind is FieldType.DATE:
        parsed = dates.parse_date(value)
        return dates.format_date(parsed) if parsed else value
    return value


def problem_label(demarche: Demarche, problem: Problem) -> str:
    """``État civil › N° de sécurité sociale : <message>``."""
    try:
        tab = demarche.tab(problem.tab)
        where = tab.label
    except KeyError:
        tab, where = None, problem.tab
    if tab is not None and problem.field:
        label = next((f.label for f in tab.fields if f.key == problem.field), None)
        if label is None:
            label = next((p.label for p in demarche.pieces if p.key == problem.field), None)
        if label is not None and not problem.message.endswith(f"{label}."):
            where = f"{where} › {label}"
    return f"{where} : {problem.message}"


def unsaved_problems(demarche: Demarche, dirty_tabs: list[str]) -> list[Problem]:
    """A tab changed here but not saved: the server does not have it yet."""
    problems = []
    for tab in demarche.tabs:
        if tab.key in dirty_tabs and tab.kind is not TabKind.SYNTHESE:
            problems.append(
                Problem(
                    tab.key,
                    None,
                    "modifié mais pas enregistré : ouvrez l'onglet et enregistrez (Ctrl+S).",
                    MISSING,
                )
            )
    return problems


def synthesis_problems(
    demarche: Demarche,
    data: dict[str, dict[str, Value]],
    pieces: dict[str, int],
    certifications: list[str],
    dirty_tabs: list[str],
) -> list[Problem]:
    """What stops the transmission: unsaved tabs first, then `cesp_core`'s list."""
    return unsaved_problems(demarche, dirty_tabs) + rules.transmission_problems(
        demarche, data, pieces, certifications
    )


def _section_table(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column("label", style="dim", ratio=2, overflow="fold")
    table.add_column("value", ratio=3, overflow="fold")
    for label, value in rows:
        table.add_row(label, Text(value, style="dim" if value == EMPTY else ""))
    return table


class SyntheseScreen(DossierView):
    """Read-only sections, the problems (Enter jumps to the field), certify, transmit."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+t",
            "transmit",
            "Transmettre",
            tooltip="Transmettre ma demande",
            id="synthese.transmit",
        ),
        Binding("alt+o", "open_all", "Déplier", tooltip="Tout déplier", id="synthese.open_all"),
        Binding("alt+f", "close_all", "Replier", tooltip="Tout replier", id="synthese.close_all"),
    ]

    def compose(self) -> ComposeResult:
        demarche = self.model.demarche
        with VerticalScroll(id="synthese-scroll"):
            yield Static(
                "Vérifiez votre saisie avant l'envoi définitif. Aucune modification n'est "
                "possible ici : en cas d'erreur, ouvrez l'onglet concerné, corrigez et "
                "enregistrez.",
                classes="synthese-help",
                markup=False,
            )
            for index, tab in enumerate(demarche.tabs, start=1):
                if tab.kind is TabKind.SYNTHESE:
                    continue
                with Collapsible(
                    title=f"{index} {tab.label}", collapsed=True, id=f"section-{tab.key}"
                ):
                    yield Static("", id=f"section-body-{tab.key}", classes="section-body")
            yield Static("", id="synthese-status", markup=False)
            yield OptionList(id="synthese-problems")
            for cert in demarche.certifications:
                yield Checkbox(
                    cert.label, id=f"cert-{cert.value}", classes="certification", compact=True
                )
            yield Button("Transmettre ma demande", id="transmit", variant="success", disabled=True)

    def on_mount(self) -> None:
        self.refresh_view()
        self.set_readonly(self.readonly)

    # --- content -----------------------------------------------------------------------

    @property
    def problems_list(self) -> OptionList:
        return self.query_one("#synthese-problems", OptionList)

    @property
    def transmit_button(self) -> Button:
        return self.query_one("#transmit", Button)

    def current_problems(self) -> list[Problem]:
        screen = self.model
        return synthesis_problems(
            screen.demarche,
            screen.data,
            screen.piece_counts,
            screen.certifications,
            screen.dirty_tabs,
        )

    def problems(self) -> list[Problem]:
        return self.current_problems()

    def tab_states(self) -> dict[str, rules.TabState | None]:
        """Each tab's state as the header shows it."""
        return self.model.tab_states()

    def refresh_view(self) -> None:
        screen = self.model
        demarche = screen.demarche
        states = self.tab_states()
        for tab in demarche.tabs:
            if tab.kind is TabKind.SYNTHESE:
                continue
            section = self.query_one(f"#section-{tab.key}", Collapsible)
            index = demarche.tabs.index(tab) + 1
            state = states.get(tab.key)
            suffix = f" — {STATE_TEXT[state]}" if state is not None else ""
            section.title = f"{index} {tab.label}{suffix}"
            body = self.query_one(f"#section-body-{tab.key}", Static)
            body.update(self._section(tab))
        for cert in demarche.certifications:
            box = self.query_one(f"#cert-{cert.value}", Checkbox)
            with box.prevent(Checkbox.Changed):
                box.value = cert.value in screen.certifications
        self._refresh_problems()

    def _section(self, tab: Tab) -> Table:
        screen = self.model
        demarche = screen.demarche
        rows: list[tuple[str, str]] = []
        if tab.kind is TabKind.PIECES:
            by_type: dict[str, list[LocalPiece]] = {}
            for piece in screen.pieces:
                by_type.setdefault(piece.piece_type, []).append(piece)
            required = {p.key for p in rules.required_pieces(demarche, screen.data)}
            for piece_type in demarche.pieces:
                files = by_type.get(piece_type.key, [])
                if not files and piece_type.key not in required:
                    continue
                text = (
                    "\n".join(
                        f"{p.filename} ({human_size(p.size)}, {piece_state_text(p)})" for p in files
                    )
                    or EMPTY
                )
                rows.append((piece_type.label, text))
        visible = rules.visible_fields(demarche, tab.key, screen.data)
        values = screen.data.get(tab.key) or {}
        for field in visible:
            rows.append((field.label, display_value(field, values.get(field.key, field.default))))
        return _section_table(rows)

    def _refresh_problems(self) -> None:
        screen = self.model
        problems = self.current_problems()
        self._problems = problems
        listing = self.problems_list
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(
            [
                Option(problem_label(screen.demarche, p), id=f"problem-{i}")
                for i, p in enumerate(problems)
            ]
        )
        if problems:
            listing.highlighted = min(highlighted or 0, len(problems) - 1)
        listing.display = bool(problems) and not self.readonly
        status = self.query_one("#synthese-status", Static)
        others = [p for p in problems if p.tab != "synthese"]
        if self.readonly:
            status.update("")
        elif others:
            count = len(others)
            status.update(
                f"Avant de transmettre : {count} point{'s' if count > 1 else ''} à "
                "régler (Entrée sur une ligne pour y aller)."
            )
        elif problems:
            status.update("Tous les onglets sont complets : cochez la case ci-dessous.")
        else:
            status.update("Votre demande est complète : vous pouvez la transmettre.")
        status.set_class(bool(others) and not self.readonly, "-problems")
        self.transmit_button.disabled = bool(problems) or self.readonly

    # --- DossierView -------------------------------------------------------------------

    def focus_default(self) -> None:
        if self.readonly:
            self.query_one("#synthese-scroll").focus()
            return
        first = self.query(Collapsible).first()
        first.query_one("CollapsibleTitle").focus()

    def focus_field(self, field: str | None) -> bool:
        demarche = self.model.demarche
        if field and any(c.value == field for c in demarche.certifications):
            self.query_one(f"#cert-{field}", Checkbox).focus()
            return True
        self.focus_default()
        return field is None

    def set_readonly(self, readonly: bool) -> None:
        super().set_readonly(readonly)
        if not self.query("#transmit"):
            return  # not composed yet: on_mount applies it
        for box in self.query(".certification"):
            box.display = not readonly
        self.transmit_button.display = not readonly
        self.query_one("#synthese-scroll").can_focus = True
        self._refresh_problems()
        self.screen.refresh_bindings()

    # --- events --------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#synthese-problems")
    async def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        problem = self._problems[event.option_index]
        self.post_message(ShowTab(problem.tab, problem.field))

    @on(Checkbox.Changed, ".certification")
    def _certified(self, event: Checkbox.Changed) -> None:
        event.stop()
        demarche = self.model.demarche
        ticked = [
            cert.value
            for cert in demarche.certifications
            if self.query_one(f"#cert-{cert.value}", Checkbox).value
        ]
        self.model.adopt_certifications(ticked)
        self.post_message(CertificationsChanged(ticked))  # the screen writes it
        self._refresh_problems()

    @on(Collapsible.Expanded)
    @on(Collapsible.Collapsed)
    def _toggled(self, event: Collapsible.Toggled) -> None:
        event.stop()

    @on(Button.Pressed, "#transmit")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_transmit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden when read-only (not greyed): the support's screen gives Ctrl+T to its
        # "Diagnostic", which the footer must then show.
        return not (action == "transmit" and self.readonly)

    def action_open_all(self) -> None:
        for section in self.query(Collapsible):
            section.collapsed = False

    def action_close_all(self) -> None:
        for section in self.query(Collapsible):
            section.collapsed = True

    def action_transmit(self) -> None:
        if self.readonly:
            return
        problems = self.current_problems()
        if problems:
            count = len(problems)
            self.notify(
                f"Transmission impossible : {count} point{'s' if count > 1 else ''} à régler "
                "(voir la liste).",
                severity="warning",
            )
            self._refresh_problems()
            if self.problems_list.display:
                self.problems_list.focus()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(TransmitRequested())

        self.app.push_screen(
            ConfirmModal(
                "Transmettre votre demande ?",
                "Une fois transmise, elle ne pourra plus être modifiée.",
                title="Transmettre ma demande",
            ),
            answered,
        )
