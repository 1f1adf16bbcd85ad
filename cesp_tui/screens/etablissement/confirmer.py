""" "Confirmer" (ASP guide, IV): the candidature is complete; tick every box, save.

The ASP démarche has no "Synthèse" tab: this box, opened from the dossier screen
(Ctrl+T), lists what still stops the transmission (unsaved tabs, missing fields and
pieces: Enter on a line goes there), shows the démarche's four certification boxes
(every tick is written to the local store at once), and "Enregistrer" (Ctrl+S) checks
that nothing is missing and every box is ticked, then answers "transmit": the dossier
screen queues the transmission; the platform sends the acknowledgement mail to the
recruiting establishment. A late or incomplete dossier is still refused by the platform
with the guide's words (shown by the dossier screen's refusal banner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

from cesp_core.problems import Problem
from cesp_tui.screens.dossier.synthese import problem_label, synthesis_problems
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.long_checkbox import LongCheckbox

if TYPE_CHECKING:
    from collections.abc import Callable

    from cesp_client.dossier_model import DossierModel

__all__ = [
    "CONFIRMED_BANNER",
    "ConfirmerResult",
    "ConfirmerScreen",
    "confirm_problems",
    "first_tab_hint",
]

#: The banner once the platform confirmed the candidature (guide, IV.4).
CONFIRMED_BANNER = (
    "Candidature enregistrée ! Un accusé de réception est envoyé à l'établissement recruteur."
)

INTRO = (
    "La saisie est terminée et toutes les pièces justificatives obligatoires sont "
    "déposées : cochez toutes les cases puis « Enregistrer » (Ctrl+S). La candidature est "
    "alors transmise et un accusé de réception est envoyé à l'établissement recruteur ; "
    "elle ne sera plus modifiable."
)
ALL_BOXES = "Cochez toutes les cases pour confirmer la candidature."


@dataclass(frozen=True, slots=True)
class ConfirmerResult:
    """``transmit``: queue the transmission; else open ``tab`` at ``field``."""

    transmit: bool = False
    tab: str | None = None
    field: str | None = None


def first_tab_hint(screen: DossierModel, tab_key: str) -> str | None:
    """ASP: what to say while "Identification" is not saved (None: nothing to say)."""
    first = screen.demarche.first_tab
    if first is None or screen.readonly:
        return None
    if first in set(screen.dossier.saved_tabs) | screen.queued_tabs:
        return None
    label = screen.demarche.tab(first).label
    if tab_key == first:
        return f"Commencez par « {label} » : enregistrez cet onglet (Ctrl+S) avant les autres."
    return (
        f"Enregistrez d'abord l'onglet « {label} » (touche 1) : les autres onglets ne "
        "pourront être enregistrés qu'ensuite."
    )


def confirm_problems(screen: DossierModel) -> list[Problem]:
    """What stops the confirmation other than the boxes (unsaved tabs, fields, pieces)."""
    certs = {c.value for c in screen.demarche.certifications}
    return [
        p
        for p in synthesis_problems(
            screen.demarche, screen.data, screen.piece_counts, [], screen.dirty_tabs
        )
        if not (p.field in certs and p.tab not in {t.key for t in screen.demarche.tabs})
    ]


class ConfirmerScreen(ModalScreen[ConfirmerResult | None]):
    """The four boxes of "Confirmer" and what is still missing."""

    CSS_PATH = "confirmer.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="confirmer.save"),
        Binding("f9", "cancel", "Annuler", id="confirmer.back"),
        Binding("escape", "cancel", "Annuler", show=False, id="confirmer.cancel"),
    ]

    def __init__(self, model: DossierModel, on_ticked: Callable[[list[str]], object]) -> None:
        super().__init__()
        self.model = model
        self._on_ticked = on_ticked
        self._problems: list[Problem] = []

    def compose(self) -> ComposeResult:
        screen = self.model
        numero = screen.dossier.numero or "candidature"
        with VerticalScroll(id="confirmer-box") as box:
            box.border_title = f"Confirmer — {numero}"
            yield Static(INTRO, id="confirmer-intro", markup=False)
            yield Static("", id="confirmer-status", markup=False)
            yield OptionList(id="confirmer-problems")
            for cert in screen.demarche.certifications:
                yield LongCheckbox(
                    cert.label,
                    cert.value in screen.certifications,
                    id=f"confirm-{cert.value}",
                    classes="confirm-box",
                    compact=True,
                )
            with Horizontal(id="confirmer-actions"):
                yield Button("Enregistrer", id="confirmer-save", variant="success", compact=True)
                yield Button("Annuler", id="confirmer-cancel", compact=True)
        yield StableFooter()

    def on_mount(self) -> None:
        self._refresh()
        if self._problems:
            self.query_one(OptionList).focus()
        else:
            self.query(".confirm-box").first().focus()

    # --- state -----------------------------------------------------------------------------

    def ticked(self) -> list[str]:
        return [
            cert.value
            for cert in self.model.demarche.certifications
            if self.query_one(f"#confirm-{cert.value}", Checkbox).value
        ]

    @property
    def all_ticked(self) -> bool:
        return len(self.ticked()) == len(self.model.demarche.certifications)

    def _refresh(self) -> None:
        screen = self.model
        self._problems = confirm_problems(screen)
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(
            [
                Option(problem_label(screen.demarche, p), id=f"problem-{i}")
                for i, p in enumerate(self._problems)
            ]
        )
        listing.display = bool(self._problems)
        status = self.query_one("#confirmer-status", Static)
        count = len(self._problems)
        if count:
            status.update(
                f"Candidature incomplète : {count} point{'s' if count > 1 else ''} à régler "
                "avant de confirmer (Entrée sur une ligne pour y aller)."
            )
        elif not self.all_ticked:
            status.update(f"La candidature est complète. {ALL_BOXES}")
        else:
            status.update("Tout est prêt : « Enregistrer » (Ctrl+S) transmet la candidature.")
        status.set_class(bool(count), "-problems")

    # --- events ------------------------------------------------------------------------------

    @on(Checkbox.Changed, ".confirm-box")
    def _ticked(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._on_ticked(self.ticked())
        self._refresh()

    @on(OptionList.OptionSelected, "#confirmer-problems")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        problem = self._problems[event.option_index]
        self.dismiss(ConfirmerResult(tab=problem.tab, field=problem.field))

    @on(Button.Pressed, "#confirmer-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#confirmer-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_save(self) -> None:
        self._refresh()
        if self._problems:
            count = len(self._problems)
            self.notify(
                f"Confirmation impossible : {count} point{'s' if count > 1 else ''} à régler "
                "(voir la liste). Tout dossier incomplet ne sera pas traité.",
                title="Confirmer",
                severity="warning",
            )
            self.query_one(OptionList).focus()
            return
        if not self.all_ticked:
            self.notify(ALL_BOXES, title="Confirmer", severity="warning")
            missing = next(
                box
                for box in self.query(".confirm-box")
                if not box.value  # type: ignore[attr-defined]
            )
            missing.focus()
            return
        self.dismiss(ConfirmerResult(transmit=True))

    def action_cancel(self) -> None:
        self.dismiss(None)
