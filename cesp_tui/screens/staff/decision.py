"""The jury's decision on one dossier: accepté or refusé, with a comment.

A modal box over the jury's list (`JuryHomeScreen`). The box records the decision
itself (``PUT /dossiers/{id}/decision`` in a worker) and stays open when the platform
refuses it (a dossier not transmitted, results already published, platform unreachable):
the French reason shows in the box and nothing typed is lost. Ctrl+S (or Enter in the
comment) saves; F9 closes without saving. Dismissed with the recorded decision, or None.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, RadioButton, RadioSet, Static

from cesp_client.api.errors import ApiError, Offline
from cesp_client.api.jury import Decision, get_decision, record_decision
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient

__all__ = ["DECISION_CHOICES", "DecisionModal"]

#: decision value -> label, in the order of the choice.
DECISION_CHOICES: dict[str, str] = {"accepte": "Accepté", "refuse": "Refusé"}
COMMENT_MAX = 4000


@dataclass
class _Saved(Message):
    decision: Decision


@dataclass
class _Failed(Message):
    text: str


@dataclass
class _Existing(Message):
    decision: Decision | None


class DecisionModal(ModalScreen[Decision | None]):
    """Record the decision on ``dossier_id`` (``api`` None: nothing can be saved, for
    snapshots). ``current``: the decision already recorded (prefills the box);
    ``fetch_current``: read it from the platform first."""

    CSS_PATH = "jury_home.tcss"
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Enregistrer", id="decision.save"),
        Binding("f9", "cancel", "Annuler", id="decision.cancel"),
    ]

    def __init__(
        self,
        api: ApiClient | None,
        dossier_id: str,
        numero: str,
        name: str = "",
        *,
        current: Decision | None = None,
        fetch_current: bool = False,
    ) -> None:
        super().__init__()
        self.api = api
        self.dossier_id = dossier_id
        self.numero = numero
        self.name_text = name
        self.current = current
        self.fetch_current = fetch_current
        self.saving = False

    def compose(self) -> ComposeResult:
        chosen = (self.current or {}).get("decision")
        with Vertical(id="decision-box") as box:
            box.border_title = f"Décision — {self.numero}"
            if self.name_text:
                yield Static(self.name_text, id="decision-name", markup=False)
            with RadioSet(id="decision-choice"):
                for value, label in DECISION_CHOICES.items():
                    yield RadioButton(label, value=value == chosen, id=f"decision-{value}")
            yield Static("Commentaire (motif, conditions) :", classes="decision-label")
            yield Input(
                (self.current or {}).get("comment") or "",
                placeholder="facultatif ; Entrée ou Ctrl+S : enregistrer",
                max_length=COMMENT_MAX,
                id="decision-comment",
            )
            yield Static(
                "La décision reste modifiable jusqu'à la publication des résultats.",
                id="decision-help",
                markup=False,
            )
            yield Static("", id="decision-error", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one(RadioSet).focus()
        if self.fetch_current and self.api is not None:
            self._fetch(self.api)

    # --- the decision already recorded ---------------------------------------------------

    @work(group="decision-fetch", exclusive=True, description="la lecture sur la plateforme")
    async def _fetch(self, api: ApiClient) -> None:
        try:
            found: Decision | None = await get_decision(api, self.dossier_id)
        except (ApiError, Offline):
            found = None  # none yet, or unknown: the box starts empty
        self.post_message(_Existing(found))

    def on__existing(self, message: _Existing) -> None:
        found = message.decision
        if not found:
            return
        self.current = found
        button = self.query(f"#decision-{found.get('decision')}")
        if button and self.selected is None:
            button.first(RadioButton).value = True
        comment = self.query_one("#decision-comment", Input)
        if not comment.value:
            comment.value = str(found.get("comment") or "")

    # --- saving ----------------------------------------------------------------------------

    @property
    def selected(self) -> str | None:
        pressed = self.query_one(RadioSet).pressed_button
        if pressed is None or pressed.id is None:
            return None
        return pressed.id.removeprefix("decision-")

    @property
    def comment(self) -> str:
        return self.query_one("#decision-comment", Input).value.strip()

    def show_error(self, text: str) -> None:
        line = self.query_one("#decision-error", Static)
        line.update(text)
        line.set_class(bool(text), "-visible")

    def action_save(self) -> None:
        if self.saving:
            return
        decision = self.selected
        if decision is None:
            self.show_error("Choisissez « Accepté » ou « Refusé » (flèches puis Entrée).")
            self.query_one(RadioSet).focus()
            return
        if self.api is None:
            self.show_error("Hors ligne : la décision ne peut pas être enregistrée.")
            return
        self.saving = True
        self.show_error("")
        self._save(self.api, decision, self.comment)

    @on(Input.Submitted, "#decision-comment")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @work(group="decision-save", exclusive=True, description="l'enregistrement")
    async def _save(self, api: ApiClient, decision: str, comment: str) -> None:
        try:
            answer = await record_decision(api, self.dossier_id, decision, comment)
        except Offline:
            self.post_message(
                _Failed(
                    "La plateforme ne répond pas : la décision n'est pas enregistrée. "
                    "Réessayez (Ctrl+S) quand elle répond."
                )
            )
            return
        except ApiError as error:
            self.post_message(_Failed(f"Décision refusée par la plateforme : {error.detail}"))
            return
        self.post_message(_Saved(answer))

    def on__failed(self, message: _Failed) -> None:
        self.saving = False
        self.show_error(message.text)

    def on__saved(self, message: _Saved) -> None:
        self.saving = False
        self.dismiss(message.decision)

    def action_cancel(self) -> None:
        self.dismiss(None)
