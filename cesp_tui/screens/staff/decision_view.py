"""The owner reads the jury's decision ("Candidature -> Afficher -> Décision").

A small read-only modal over the dossier screen. It reads ``GET /dossiers/{id}/decision``
in a worker (or shows the decision it was given); before the results are published the
platform answers 404 ``decision_not_published`` and the box says so. Enter or F9 closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from cesp_client.api.errors import ApiError, Offline
from cesp_client.api.jury import Decision, get_decision
from cesp_client.dates import day_text
from cesp_core.text import printable
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient

__all__ = ["DecisionViewModal", "decision_lines"]

NOT_PUBLISHED = (
    "La décision n'est pas encore publiée : un e-mail vous préviendra dès la publication "
    "des résultats."
)


def decision_lines(decision: Decision, noun: str = "demande") -> tuple[str, str]:
    """(headline, detail) of a decision, in French: "Décision du jury : demande acceptée"
    (``noun`` "candidature" for an ASP dossier)."""
    outcome = str(decision.get("decision") or "")
    agreed = {"accepte": "acceptée", "refuse": "refusée"}.get(outcome)
    if agreed is not None:
        label = f"{noun} {agreed}"
    else:
        label = str(decision.get("decision_label") or outcome)
    headline = f"Décision du jury : {label}"
    when = day_text(decision.get("decided_at"))
    if when:
        headline += f" (le {when})"
    comment = printable(str(decision.get("comment") or ""), multiline=True).strip()
    detail = f"Commentaire du jury : {comment}" if comment else "Pas de commentaire du jury."
    return headline, detail


@dataclass
class _Read(Message):
    decision: Decision | None
    error: str | None = None


class DecisionViewModal(ModalScreen[None]):
    """The decision on ``dossier_id`` (``decision`` given: shown as is, nothing read)."""

    CSS_PATH = "jury_home.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "close", "Fermer", id="decision_view.close"),
        Binding("f9", "close", "Fermer", show=False, id="decision_view.close_f9"),
    ]

    def __init__(
        self,
        api: ApiClient | None,
        dossier_id: str,
        numero: str,
        *,
        decision: Decision | None = None,
    ) -> None:
        super().__init__()
        self.api = api
        self.dossier_id = dossier_id
        self.numero = numero
        self.decision = decision
        #: What the box says now (for tests and screen readers alike).
        self.text = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="decision-view-box") as box:
            box.border_title = f"Décision — {self.numero}"
            yield Static("Lecture de la décision…", id="decision-view-headline", markup=False)
            yield Static("", id="decision-view-detail", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        if self.decision is not None:
            self._show(self.decision, None)
        elif self.api is None:
            self._show(None, "Hors ligne : la décision ne peut pas être lue pour le moment.")
        else:
            self._read(self.api)

    @work(group="decision-view", exclusive=True, description="la lecture")
    async def _read(self, api: ApiClient) -> None:
        try:
            found = await get_decision(api, self.dossier_id)
        except Offline:
            self.post_message(
                _Read(None, "La plateforme ne répond pas : réessayez dans un moment.")
            )
            return
        except ApiError as error:
            text = NOT_PUBLISHED if error.code == "decision_not_published" else error.detail
            self.post_message(_Read(None, text))
            return
        self.post_message(_Read(found))

    def on__read(self, message: _Read) -> None:
        self._show(message.decision, message.error)

    def _show(self, decision: Decision | None, error: str | None) -> None:
        headline = self.query_one("#decision-view-headline", Static)
        detail = self.query_one("#decision-view-detail", Static)
        if decision is None:
            headline.update(error or NOT_PUBLISHED)
            detail.update("")
            self.text = error or NOT_PUBLISHED
            return
        self.decision = decision
        noun = "candidature" if self.numero.startswith("ASP-") else "demande"
        first, second = decision_lines(decision, noun)
        headline.update(first)
        detail.update(second)
        headline.set_class(decision.get("decision") == "accepte", "-accepted")
        headline.set_class(decision.get("decision") == "refuse", "-refused")
        self.text = f"{first}\n{second}"

    def action_close(self) -> None:
        self.dismiss(None)
