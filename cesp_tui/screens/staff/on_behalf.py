""" "Nouveau dossier papier": an agent starts a dossier for an applicant who sent paper.

The applicant's identity and e-mail (the platform mails them a link to claim the
dossier) and the campaign of the batch (remembered: `cesp_client.keying`). The form is a
`TabForm` in keying mode over a one-tab démarche of its own, so it behaves like the
dossier's forms: Enter moves on, the date moves on when full, "m" / "f" pick the civilité,
problems show under their fields (checked here with `cesp_core.imports.validate_applicant`,
then by the platform, whose 422 problems have the same ``applicant`` tab).

Creating the dossier needs the platform (``POST /dossiers`` with ``applicant``); then the
dossier goes into the agent's local draft store as an existing server dossier, the
identity fills the "État civil" fields (typed, not yet saved), and the normal
`DossierScreen` opens on the first field left to key. Keying then goes through the same
draft store and sync engine as an applicant's own dossier.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from cesp_client.keying import data_dir_of, keying_session
from cesp_client.workspace import DossierSnapshot, Workspace, load_snapshot
from cesp_core import imports
from cesp_core.demarches import get_demarche
from cesp_core.demarches.cesp import CIVILITES
from cesp_core.demarches.model import Demarche, Field, FieldType, Tab, Value
from cesp_core.keying import first_field_to_key
from cesp_core.problems import Problem
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.common.campaigns import CampaignPicker, fetch_campaigns
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.tab_form import TabForm
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.api import ApiClient

__all__ = ["APPLICANT_FORM", "OnBehalfScreen", "applicant_values"]

#: The démarche paper dossiers are keyed for (ASP dossiers are filed by establishments).
DEMARCHE = "cesp"

APPLICANT_TAB = Tab(
    key=imports.APPLICANT_TAB,
    label="Candidat",
    help="Identité et e-mail du candidat, tels qu'ils figurent sur le dossier papier : "
    "il recevra un lien pour reprendre son dossier en ligne.",
    fields=(
        Field(
            "email",
            "E-mail du candidat",
            FieldType.EMAIL,
            required=True,
            help="Il reçoit le lien pour réclamer son dossier.",
        ),
        Field(
            "civilite",
            "Civilité",
            FieldType.CHOICE,
            required=True,
            choices=CIVILITES,
            help="Tapez « m » (M.) ou « f » (Mme).",
        ),
        Field("nom", "Nom de naissance", FieldType.TEXT, required=True, max_length=80),
        Field("prenom", "Prénoms", FieldType.TEXT, required=True, max_length=120),
        Field(
            "date_naissance",
            "Date de naissance",
            FieldType.DATE,
            required=True,
            help="jjmmaaaa ; Entrée crée le dossier.",
        ),
    ),
)

#: A one-tab démarche for `TabForm` (never published, never stored).
APPLICANT_FORM = Demarche(
    key="saisie_papier",
    title="Dossier papier",
    short_title="Papier",
    tabs=(APPLICANT_TAB,),
    pieces=(),
    certifications=(),
    owner_roles=("agent",),
)


def applicant_values(values: dict[str, Value]) -> dict[str, str]:
    """The form's values as ``POST /dossiers`` takes its ``applicant``."""
    return {
        f.key: (values.get(f.key) if isinstance(values.get(f.key), str) else "") or ""  # type: ignore[misc]
        for f in APPLICANT_TAB.fields
    }


# --- messages of the workers ---------------------------------------------------------------


@dataclass
class _Created(Message):
    snapshot: DossierSnapshot | None
    field: str | None


@dataclass
class _Refused(Message):
    detail: str
    problems: list[Problem] = field(default_factory=list)
    offline: bool = False


# --- the screen --------------------------------------------------------------------------------


class OnBehalfScreen(Screen[None]):
    """The applicant's identity, then the dossier is created and opened."""

    CSS_PATH = "on_behalf.tcss"
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "create", "Créer le dossier", id="on_behalf.create"),
        Binding("f2", "campaign", "Campagne", id="on_behalf.campaign"),
        Binding("f9", "back", "File de saisie", id="on_behalf.back"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.campaigns: list[dict[str, Any]] = []
        self.campaign_id: int | None = None
        #: Kept until the creation succeeds: a retry after a lost answer replays it.
        self.dossier_id = str(uuid.uuid4())
        self.creating = False

    # --- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="on-behalf-body"):
            yield Static("Nouveau dossier papier (CESP)", id="on-behalf-title", markup=False)
            yield Static("Campagne : …", id="on-behalf-campaign", markup=False)
            yield TabForm(APPLICANT_FORM, APPLICANT_TAB.key, {}, id="on-behalf-form")
            yield Static("", id="on-behalf-status", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        form = self.form
        form.keying = True
        form.focus_first()
        self._fetch_campaigns(self.workspace.api)

    @property
    def form(self) -> TabForm:
        return self.query_one(TabForm)

    def show_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#on-behalf-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # --- campaign ----------------------------------------------------------------------

    def _fetch_campaigns(self, api: ApiClient | None) -> None:
        fetch_campaigns(
            self,
            api,
            DEMARCHE,
            offline="Hors ligne : la saisie d'un dossier papier demande la plateforme. "
            "Réessayez quand elle répond (F2).",
        )

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
        message.stop()
        if message.error:
            remembered = keying_session(self.app).campaign_id
            if remembered is not None and self.campaign_id is None:
                self._set_campaign(remembered)  # the batch's: usable when the platform is back
            self.show_status(message.error, error=True)
            return
        self.campaigns = [c for c in message.campaigns if c.get("is_open")]
        self.show_status("")
        for campaign in self.campaigns:
            self.workspace.campaign_labels[int(campaign["id"])] = str(campaign.get("label") or "")
        if not self.campaigns:
            self.show_status("Aucune campagne CESP n'est ouverte : saisie impossible.", error=True)
            return
        ids = [int(c["id"]) for c in self.campaigns]
        remembered = keying_session(self.app).campaign_id
        if remembered in ids:
            self._set_campaign(remembered)
        elif len(ids) == 1:
            self._set_campaign(ids[0])
        else:
            self.action_campaign()

    def _set_campaign(self, campaign_id: int | None) -> None:
        if campaign_id is None:
            return
        self.campaign_id = campaign_id
        label = self.workspace.campaign_labels.get(campaign_id) or f"n° {campaign_id}"
        self.query_one("#on-behalf-campaign", Static).update(
            f"Campagne : {label} (F2 pour changer)"
        )
        session = keying_session(self.app)
        if session.campaign_id != campaign_id:
            session.campaign_id = campaign_id
            self._save_session(session, data_dir_of(self.app))

    @work(thread=True, group="on-behalf-keep", description="l'enregistrement de la session")
    def _save_session(self, session: Any, data_dir: Any) -> None:
        session.save(data_dir)

    def action_campaign(self) -> None:
        if not self.campaigns:
            self._fetch_campaigns(self.workspace.api)
            return
        self.app.push_screen(
            CampaignPicker(
                self.campaigns, title="Saisie papier : quelle campagne ?", current=self.campaign_id
            ),
            self._set_campaign,
        )

    def action_back(self) -> None:
        self.dismiss()

    # --- creation ----------------------------------------------------------------------

    @on(TabForm.EndReached)
    def _end_reached(self, event: TabForm.EndReached) -> None:
        event.stop()
        self.action_create()

    def action_create(self) -> None:
        if self.creating:
            return
        if self.campaign_id is None:
            self.show_status("Choisissez d'abord la campagne (F2).", error=True)
            return
        demarche = get_demarche(DEMARCHE)
        values = applicant_values(self.form.values())
        applicant, problems = imports.validate_applicant(demarche, values)
        if applicant is None or problems:
            shown = self.form.show_problems(problems, focus=True)
            self.show_status(
                "Identité à compléter ou à corriger." if shown else "Identité incomplète.",
                error=True,
            )
            return
        self.creating = True
        self.show_status("Création du dossier sur la plateforme…")
        self._create(self.workspace, self.dossier_id, self.campaign_id, values)

    @work(group="on-behalf-create", exclusive=True, description="la création du dossier")
    async def _create(
        self, workspace: Workspace, dossier_id: str, campaign_id: int, values: dict[str, str]
    ) -> None:
        import asyncio

        from cesp_client.api import ApiError, Offline
        from cesp_client.api.agent import Applicant, create_paper_dossier

        api = workspace.api
        if api is None:
            self.post_message(_Refused("Hors ligne : la plateforme est nécessaire.", offline=True))
            return
        try:
            server = await create_paper_dossier(
                api,
                dossier_id,
                campaign_id,
                Applicant(**values),  # type: ignore[typeddict-item]
            )
        except Offline:
            self.post_message(
                _Refused(
                    "Hors ligne : la création d'un dossier papier demande la plateforme. "
                    "Rien n'est perdu : Ctrl+S pour réessayer quand elle répond.",
                    offline=True,
                )
            )
            return
        except ApiError as error:
            self.post_message(_Refused(error.detail, list(error.problems)))
            return
        snapshot, first = await asyncio.to_thread(_store_locally, workspace, server, values)
        if not get_current_worker().is_cancelled:
            self.post_message(_Created(snapshot, first))

    def on__refused(self, message: _Refused) -> None:
        self.creating = False
        self.show_status(message.detail, error=True)
        if message.problems:
            self.form.show_problems(message.problems, focus=True)
        self.notify(message.detail, title="Dossier papier", severity="error", timeout=10)

    def on__created(self, message: _Created) -> None:
        self.creating = False
        if message.snapshot is None:
            self.show_status("Le dossier créé n'a pas pu être gardé sur ce poste.", error=True)
            return
        session = keying_session(self.app)
        session.started += 1
        self.dossier_id = str(uuid.uuid4())
        numero = message.snapshot.dossier.numero or ""
        self.app.switch_screen(
            DossierScreen(
                self.workspace,
                message.snapshot,
                tab="etat_civil",
                field=message.field,
                greeting=f"Dossier {numero} créé : saisissez-le.",
            )
        )


def _store_locally(
    workspace: Workspace, server: dict[str, Any], values: dict[str, str]
) -> tuple[DossierSnapshot | None, str | None]:
    """Blocking (a thread): the created dossier into the draft store as the server has it,
    then the identity typed here into "État civil" (typed, not yet saved). Returns the
    snapshot and the field where keying starts."""
    store = workspace.store
    dossier_id = str(server["id"])
    demarche = get_demarche(str(server.get("demarche") or DEMARCHE))
    data = {k: dict(v) for k, v in (server.get("data") or {}).items()}
    campaign = server.get("campaign") or {}
    if store.get(dossier_id) is None:
        store.create_local(
            workspace.server_key,
            workspace.username,
            demarche.key,
            campaign.get("id"),
            dossier_id=dossier_id,
            data=data,
            server_version=int(server["version"]),
            numero=server.get("numero"),
            state=str(server.get("state") or "brouillon"),
        )
    applicant, _problems = imports.validate_applicant(demarche, values)
    if applicant is not None:
        filled: dict[str, dict[str, Value]] = {k: dict(v) for k, v in data.items()}
        imports.prefill_identity(demarche, applicant, filled)
        for tab, fields in filled.items():
            for key, value in fields.items():
                if (data.get(tab) or {}).get(key) != value:
                    store.set_field(dossier_id, tab, key, value)
                    data.setdefault(tab, {})[key] = value
    snapshot = load_snapshot(store, dossier_id)
    return snapshot, first_field_to_key(demarche, "etat_civil", data)
