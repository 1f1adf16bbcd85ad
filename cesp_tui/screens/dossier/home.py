""" "Mes demandes": the user's dossiers from the local store, to resume, create or delete.

One row per dossier of the account (`DraftStore.list`): numéro, campaign, state, last
change and how it stands with the server ("à jour", "n modifications en attente",
"conflit", "refusé par la plateforme"). Enter resumes a dossier; ``n`` starts one for the
open campaign (CESP: one per campaign and applicant — the existing one is resumed
instead); ``s`` deletes a draft after a yes/no question. The table is read again when the
sync engine reports something, and when the screen comes back from a dossier.

The store is read in thread workers; campaigns come from the platform (`ApiClient`) in an
async worker; handlers change the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from cesp_client.dossier_model import delete_dossier
from cesp_client.events import (
    DossiersPulled,
    DossierSynced,
    DossierTransmitted,
    SaveRefused,
    SyncConflict,
)
from cesp_client.store import LocalDossier, OpKind, PieceState
from cesp_client.workspace import CONFLICT_PREFIX, REFUSED_PREFIX, Workspace
from cesp_core.demarches import DEMARCHES, get_demarche
from cesp_core.lifecycle import STATE_LABELS, DossierState
from cesp_core.timefmt import paris
from cesp_tui.messages import CampaignsLoaded, OpenFirstDossier, SyncRequested
from cesp_tui.screens.common.campaigns import CampaignPicker, fetch_campaigns
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.dossier import OpensDossiers
from cesp_tui.screens.etablissement.recap import campaigns_line, closed_campaign_message
from cesp_tui.services import client_app, workspace_of
from cesp_tui.sync_news import FollowsSyncNews, report_pending
from cesp_tui.widgets.dossier_table import DossierRow, DossierTable
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.store import DraftStore

__all__ = [
    "HomeScreen",
    "dossier_rows",
    "sync_text",
]


def sync_text(pending: int, *, conflict: bool, refused: bool) -> tuple[str, str]:
    """(text, kind) of the "Synchronisation" cell."""
    if conflict:
        return "conflit", "conflict"
    if refused:
        return "refusé par la plateforme", "refused"
    if pending == 1:
        return "1 modification en attente", "pending"
    if pending > 1:
        return f"{pending} modifications en attente", "pending"
    return "à jour", "ok"


def _local_time(dossier: LocalDossier) -> str:
    return paris(dossier.updated_at).strftime("%d/%m/%Y %H:%M")


def dossier_rows(
    store: DraftStore,
    server_key: str,
    username: str,
    *,
    campaigns: dict[int, str] | None = None,
    refused: set[str] | frozenset[str] = frozenset(),
) -> list[DossierRow]:
    """The account's dossiers as table rows, most recently changed first. Blocking."""
    labels = campaigns or {}
    rows = []
    for dossier in store.list(server_key, username):
        ops = store.ops(dossier.id)
        conflict = any(
            op.kind == OpKind.SAVE_TAB and (op.last_error or "").startswith(CONFLICT_PREFIX)
            for op in ops
        )
        refused_here = dossier.id in refused or any(
            (op.last_error or "").startswith(REFUSED_PREFIX) for op in ops
        )
        refused_here = refused_here or any(
            piece.state == PieceState.REFUSED for piece in store.pieces(dossier.id)
        )
        text, kind = sync_text(len(ops), conflict=conflict, refused=refused_here)
        try:
            state = STATE_LABELS[DossierState(dossier.state)]
        except ValueError:
            state = dossier.state
        if any(op.kind == OpKind.TRANSMIT for op in ops):
            state = "Transmission…"  # queued, waiting for the server
        if dossier.campaign_id is None:
            campaign = "—"
        else:
            campaign = labels.get(dossier.campaign_id) or f"Campagne n° {dossier.campaign_id}"
        try:
            short = get_demarche(dossier.demarche).short_title
        except KeyError:
            short = dossier.demarche
        rows.append(
            DossierRow(
                dossier_id=dossier.id,
                numero=dossier.numero or f"{short} (n° à venir)",
                campaign=campaign,
                state=state,
                updated=_local_time(dossier),
                sync=text,
                sync_kind=kind,
            )
        )
    return rows


# --- messages of the screen's workers ------------------------------------------------------


@dataclass
class _WorkspaceReady(Message):
    workspace: Workspace | None


@dataclass
class _RowsLoaded(Message):
    rows: list[DossierRow]
    pending: int


@dataclass
class _Created(Message):
    dossier_id: str
    existing: bool


@dataclass
class _Deleted(Message):
    label: str
    at_once: bool
    #: Not deleted: why (the campaign is closed).
    refused: str | None = None


def _commands() -> Any:
    from cesp_tui.commands import HomeCommands

    return HomeCommands


class HomeScreen(FollowsSyncNews, OpensDossiers, Screen[None]):
    """ "Mes demandes". ``workspace`` None: taken from the app's session once logged in."""

    CSS_PATH = "home.tcss"
    COMMANDS: ClassVar[set[Any]] = {_commands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Reprendre", id="home.open"),
        Binding("n", "new", "Nouvelle demande", id="home.new"),
        Binding("s", "delete", "Supprimer le brouillon", id="home.delete"),
        Binding("r", "refresh", "Actualiser", id="home.refresh"),
        Binding("c", "recap", "Récap. candidatures", id="home.recap"),
    ]

    #: What a dossier is called here: a "demande" (CESP), a "candidature" (ASP: the
    #: établissement's home, `CandidaturesHomeScreen`).
    NOUN: ClassVar[str] = "demande"

    def __init__(self, workspace: Workspace | None = None) -> None:
        super().__init__()
        self.workspace: Workspace | None = workspace
        #: Dossiers whose last change the server refused (this session).
        self.refused: set[str] = set()
        self._loaded = False

    def compose(self) -> ComposeResult:
        with Vertical(id="home-body"):
            yield Static(f"Mes {self.NOUN}s", id="home-title", markup=False)
            yield Static("", id="home-platform", markup=False)
            yield Static("", id="home-campaigns", markup=False)
            yield DossierTable(id="home-table")
            yield Static("", id="home-empty", markup=False)
        yield StatusLine()
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#home-platform").display = False  # until there is a state to tell
        self.query_one("#home-campaigns").display = False  # until the campaigns are known
        for name in ("platform_state", "server_url", "platform_error"):
            if hasattr(self.app, name):
                self.watch(self.app, name, self._refresh_platform)
        if hasattr(self.app, "online"):
            self.watch(self.app, "online", self._refresh_online)
        if self.workspace is None:
            self._find_workspace()
        else:
            self._workspace_ready()

    def on_screen_resume(self) -> None:
        if self.workspace is not None and self._loaded:
            self.reload()

    @property
    def table(self) -> DossierTable:
        return self.query_one(DossierTable)

    # --- platform line ---------------------------------------------------------------

    def _refresh_platform(self) -> None:
        app = self.app
        client = client_app(app)
        state = client.platform_state
        url = client.server_url
        embedded = client.config.embedded
        if state == "failed":
            text = client.platform_error or "La plateforme n'a pas démarré."
        elif state == "ready" and embedded:
            text = f"Plateforme locale prête : {url}"
        elif state == "ready":
            text = f"Serveur : {url}"
        else:
            text = "Démarrage de la plateforme locale…"
        label = self.query_one("#home-platform", Static)
        label.update(text)
        label.display = bool(text)
        label.set_class(state == "failed", "-error")

    def _refresh_online(self, online: bool | None) -> None:
        self.query_one(StatusLine).online = online

    # --- loading -------------------------------------------------------------------------

    @work(
        thread=True,
        group="home-workspace",
        exclusive=True,
        description="l'ouverture du brouillon local",
    )
    def _find_workspace(self) -> None:
        self.post_message(_WorkspaceReady(workspace_of(self.app)))

    def on__workspace_ready(self, message: _WorkspaceReady) -> None:
        if message.workspace is None:
            self.query_one("#home-empty", Static).update(
                f"Connectez-vous pour voir vos {self.NOUN}s."
            )
            return
        self.workspace = message.workspace
        self._workspace_ready()

    def _workspace_ready(self) -> None:
        assert self.workspace is not None
        if self._open_when_ready is not None:
            dossier_id, tab, field = self._open_when_ready
            self._open_when_ready = None
            self.open_dossier(dossier_id, tab=tab, field=field)
        session = client_app(self.app).session
        name = getattr(session, "display_name", None) or self.workspace.username
        self.query_one("#home-title", Static).update(f"Mes {self.NOUN}s — {name}")
        self.reload()
        if self.workspace.api is not None:
            self._fetch_campaigns(for_new=False)

    def reload(self) -> None:
        if self.workspace is None:
            return
        self._load_rows(self.workspace, set(self.refused))

    @work(thread=True, group="home-rows", exclusive=True, description="la liste des demandes")
    def _load_rows(self, workspace: Workspace, refused: set[str]) -> None:
        rows = dossier_rows(
            workspace.store,
            workspace.server_key,
            workspace.username,
            campaigns=dict(workspace.campaign_labels),
            refused=refused,
        )
        pending = workspace.pending_count()  # the account's, as the sync engine counts
        # A newer load replaced this one (exclusive): a thread cannot be stopped, but its
        # stale rows must not overwrite the newer ones.
        if not get_current_worker().is_cancelled:
            self.post_message(_RowsLoaded(rows, pending))

    def on__rows_loaded(self, message: _RowsLoaded) -> None:
        self._loaded = True
        self.table.set_rows(message.rows)
        report_pending(self, message.pending)
        empty = self.query_one("#home-empty", Static)
        if message.rows:
            empty.update("")
            empty.display = False
        else:
            empty.update(
                f"Aucune {self.NOUN} sur ce poste. Tapez « n » pour commencer une nouvelle "
                f"{self.NOUN}."
            )
            empty.display = True
        if self.focused is None or not isinstance(self.focused, DataTable):
            self.table.focus()

    # --- campaigns -----------------------------------------------------------------------

    def _demarche_for_new(self) -> str | None:
        assert self.workspace is not None
        if self.workspace.applicant_demarche:
            return self.workspace.applicant_demarche
        role = self.workspace.role
        owned = [d.key for d in DEMARCHES.values() if role in d.owner_roles]
        return owned[0] if owned else None

    def _fetch_campaigns(self, *, for_new: bool) -> None:
        assert self.workspace is not None
        fetch_campaigns(
            self,
            self.workspace.api,
            purpose="new" if for_new else "",
            offline="Hors ligne : impossible de connaître les campagnes ouvertes. "
            "Réessayez quand la plateforme répond.",
        )

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
        message.stop()
        for campaign in message.campaigns:
            if "id" in campaign:
                labels = self.workspace.campaign_labels if self.workspace else {}
                labels[int(campaign["id"])] = str(campaign.get("label") or "")
                if self.workspace is not None:
                    self.workspace.campaign_info[int(campaign["id"])] = dict(campaign)
        if message.campaigns and self.workspace is not None:
            line = self.query_one("#home-campaigns", Static)
            line.update(campaigns_line(message.campaigns, self._demarche_for_new()))
            line.display = bool(str(line.content))
        if message.purpose != "new":
            if message.campaigns:
                self.reload()
            return
        if message.error:
            self.notify(message.error, title=f"Nouvelle {self.NOUN}", severity="error", timeout=10)
            return
        demarche = self._demarche_for_new()
        open_ones = [
            c for c in message.campaigns if c.get("is_open") and c.get("demarche") == demarche
        ]
        if not open_ones:
            self.notify(
                "Aucune campagne n'est ouverte en ce moment : impossible de commencer une "
                f"{self.NOUN}.",
                title=f"Nouvelle {self.NOUN}",
                severity="warning",
                timeout=10,
            )
            return
        if len(open_ones) == 1:
            self.create_for_campaign(int(open_ones[0]["id"]), str(demarche))
            return

        def picked(campaign_id: int | None) -> None:
            if campaign_id:
                self.create_for_campaign(campaign_id, str(demarche))

        self.app.push_screen(
            CampaignPicker(open_ones, title=f"Nouvelle {self.NOUN} : quelle campagne ?"), picked
        )

    def create_for_campaign(self, campaign_id: int, demarche: str) -> None:
        """Start a dossier of ``campaign_id`` (CESP applicant: resume the existing one)."""
        assert self.workspace is not None
        one_per_campaign = self.workspace.role == "candidat"
        self._create(self.workspace, campaign_id, demarche, one_per_campaign)

    @work(thread=True, group="home-create", exclusive=True, description="la création du dossier")
    def _create(
        self, workspace: Workspace, campaign_id: int, demarche: str, one_per_campaign: bool
    ) -> None:
        store = workspace.store
        if one_per_campaign:
            for dossier in store.list(workspace.server_key, workspace.username):
                if dossier.campaign_id == campaign_id and dossier.demarche == demarche:
                    self.post_message(_Created(dossier.id, existing=True))
                    return
        dossier = store.create_local(
            workspace.server_key, workspace.username, demarche, campaign_id
        )
        self.post_message(_Created(dossier.id, existing=False))

    def on__created(self, message: _Created) -> None:
        if message.existing:
            self.notify(
                f"Vous avez déjà une {self.NOUN} pour cette campagne : elle est reprise.",
                title=f"Nouvelle {self.NOUN}",
            )
        else:
            self.post_message(SyncRequested())
        self.reload()
        self.open_dossier(message.dossier_id)

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open", "delete", "new", "refresh") and self.workspace is None:
            return None
        if action == "recap":  # the établissement's table of its candidatures
            return self.workspace is not None and self.workspace.role == "etablissement"
        tables = self.query(DossierTable)
        row = tables.first().selected_row if tables else None
        if action in ("open", "delete") and row is None:
            return None
        if action == "delete" and row is not None:
            # Only a draft can be deleted: not offered on a transmitted one.
            return True if row.state == STATE_LABELS[DossierState.BROUILLON] else None
        return True

    def action_open(self) -> None:
        dossier_id = self.table.selected_id
        if dossier_id is not None:
            self.open_dossier(dossier_id)

    @on(DataTable.RowSelected, "#home-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_dossier(str(event.row_key.value))

    def action_new(self) -> None:
        if self.workspace is None:
            return
        if self.workspace.read_only_role or self._demarche_for_new() is None:
            self.notify(f"Votre rôle ne permet pas de créer une {self.NOUN}.", severity="warning")
            return
        self._fetch_campaigns(for_new=True)

    def action_recap(self) -> None:
        if self.workspace is None or self.workspace.role != "etablissement":
            return
        from cesp_tui.screens.etablissement.recap import RecapScreen

        self.app.push_screen(RecapScreen(self.workspace))

    def action_refresh(self) -> None:
        self.post_message(SyncRequested(pull=True))
        self.reload()

    def action_delete(self) -> None:
        dossier_id = self.table.selected_id
        if dossier_id is None or self.workspace is None:
            return
        row = next(r for r in self.table.dossier_rows if r.dossier_id == dossier_id)
        if row.state != STATE_LABELS[DossierState.BROUILLON]:
            self.notify(
                f"Seul un brouillon peut être supprimé : cette {self.NOUN} est transmise.",
                severity="warning",
            )
            return
        workspace = self.workspace

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(workspace, dossier_id, row.numero)

        self.app.push_screen(
            ConfirmModal(
                f"Supprimer le brouillon « {row.numero} » ?",
                "Ses données et ses pièces seront effacées, sur ce poste et sur la plateforme.",
                title="Supprimer le brouillon",
            ),
            answered,
        )

    @work(thread=True, group="home-delete", description="la suppression")
    def _delete(self, workspace: Workspace, dossier_id: str, label: str) -> None:
        dossier = workspace.store.get(dossier_id)
        closed = closed_campaign_message(workspace, dossier.campaign_id if dossier else None)
        if closed is not None:
            self.post_message(_Deleted(label, at_once=False, refused=closed))
            return
        result = delete_dossier(
            workspace.store,
            dossier_id,
            server_key=workspace.server_key,
            username=workspace.username,
        )
        self.post_message(_Deleted(label, result.at_once))

    def on__deleted(self, message: _Deleted) -> None:
        if message.refused is not None:
            self.notify(message.refused, title="Supprimer le brouillon", severity="error")
            return
        if message.at_once:
            self.notify(f"Brouillon « {message.label} » supprimé.")
        else:
            self.notify(f"Brouillon « {message.label} » supprimé ; la plateforme en sera informée.")
            self.post_message(SyncRequested())
        self.reload()

    # --- the sync engine's news ------------------------------------------------------------

    def on_open_first_dossier(self, message: OpenFirstDossier) -> None:
        message.stop()
        self.open_dossier(message.dossier_id, tab=message.tab)

    # The sync engine's news arrives through the app's `sync_news` (`FollowsSyncNews`).

    def news_dossier_synced(self, message: DossierSynced) -> None:
        self.reload()

    def news_dossiers_pulled(self, message: DossiersPulled) -> None:
        self.reload()

    def news_dossier_transmitted(self, message: DossierTransmitted) -> None:
        self.refused.discard(message.dossier_id)
        self.reload()

    def news_save_refused(self, message: SaveRefused) -> None:
        self.refused.add(message.dossier_id)
        self.query_one(StatusLine).show_message(
            f"Refusé par la plateforme : {message.detail}", error=True
        )
        self.reload()

    def news_sync_conflict(self, message: SyncConflict) -> None:
        self.reload()
        if not self.is_current:
            return  # the dossier's screen, above, opens the merge
        self.notify(
            f"Une {self.NOUN} a été modifiée ailleurs : ouvrez-la pour choisir entre les deux "
            "versions.",
            title="Conflit",
            severity="warning",
            timeout=10,
        )


class CandidaturesHomeScreen(HomeScreen):
    """ "Mes candidatures": the établissement's home (ASP candidatures), the same screen
    in the words of the ASP démarche."""

    NOUN: ClassVar[str] = "candidature"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Nouvelle candidature", id="home.new"),
    ]
