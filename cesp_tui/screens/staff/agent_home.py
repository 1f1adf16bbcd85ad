""" "File de saisie": the back-office agent's queue of paper dossiers in progress.

The dossiers this agent keyed that are still drafts (``GET /dossiers?created_by=me
&state=brouillon``), each with what it still misses (the platform's ``missing`` labels,
shown in full under the table for the selected one). Keys: ``n`` starts a new paper
dossier (`OnBehalfScreen`), Enter opens the selected one (taken into the local draft
store first if this computer does not have it), ``c`` turns "saisie continue" on or off
(remembered with the campaign: `cesp_client.keying`), ``r`` reads the queue again.

The queue comes from the platform in an async worker; the store is read in thread
workers; handlers change the screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from cesp_client.events import (
    DossiersPulled,
    DossierTransmitted,
)
from cesp_client.keying import KeyingSession, data_dir_of, keying_session
from cesp_client.workspace import Workspace, load_snapshot
from cesp_core.timefmt import paris
from cesp_tui.messages import OpenFirstDossier
from cesp_tui.screens.dossier.dossier import DossierLoaded, OpensDossiers
from cesp_tui.services import client_app, workspace_of
from cesp_tui.sync_news import FollowsSyncNews
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.workers import work

if TYPE_CHECKING:
    from pathlib import Path

    from cesp_client.api import ApiClient

__all__ = ["AgentHomeScreen", "queue_rows"]

#: Width of the "Manque" column (the full list shows under the table).
MISSING_WIDTH = 24
NAME_WIDTH = 22


def _when(text: str) -> str:
    """``02/03 10:15`` in the platform's own time (it answers in Paris time)."""
    try:
        return paris(text).strftime("%d/%m %H:%M")
    except (TypeError, ValueError):
        return ""


def missing_text(summary: dict[str, Any]) -> str:
    missing = [str(m) for m in summary.get("missing") or []]
    if not missing:
        return "complet"
    count = int(summary.get("problem_count") or len(missing))
    return f"{count} : {missing[0]}" + ("…" if count > 1 else "")


def queue_rows(summaries: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(dossier id, cells: numéro, candidat, manque, mis à jour) per dossier."""
    return [
        (
            str(s["id"]),
            [
                str(s.get("numero") or ""),
                fit(str(s.get("applicant_name") or ""), NAME_WIDTH),
                fit(missing_text(s), MISSING_WIDTH),
                _when(str(s.get("updated_at") or "")),
            ],
        )
        for s in summaries
    ]


COLUMNS = (("numero", "Numéro"), ("name", "Candidat"), ("missing", "Manque"), ("when", "Modifié"))


class QueueTable(PaddedTable):
    """The queue; Enter posts ``DataTable.RowSelected`` (the screen opens the dossier)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Ouvrir", id="agent_queue.open"),
    ]


# --- messages of the workers -----------------------------------------------------------------


@dataclass
class _Ready(Message):
    workspace: Workspace | None


@dataclass
class _Queue(Message):
    summaries: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class _OpenFailed(Message):
    detail: str


class AgentHomeScreen(FollowsSyncNews, OpensDossiers, Screen[None]):
    """The agent's first screen after login."""

    CSS_PATH = "agent_home.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "Nouveau", tooltip="Nouveau dossier papier", id="agent_home.new"),
        Binding("enter", "open", "Ouvrir", show=False, id="agent_home.open"),
        Binding("c", "continuous", "Saisie continue", id="agent_home.continuous"),
        Binding("r", "refresh", "Actualiser", id="agent_home.refresh"),
        Binding("i", "import", "Importer", id="agent_home.import"),
        Binding("e", "export", "Exporter", id="agent_home.export"),
    ]

    def __init__(self, workspace: Workspace | None = None) -> None:
        super().__init__()
        self.workspace: Workspace | None = workspace
        self.summaries: list[dict[str, Any]] = []

    # --- composition -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="agent-body"):
            yield Static("File de saisie", id="agent-title", markup=False)
            yield Static("", id="agent-mode", markup=False)
            yield QueueTable(id="agent-queue")
            yield Static("", id="agent-missing", markup=False)
        yield StatusLine()
        yield StableFooter()

    def on_mount(self) -> None:
        if hasattr(self.app, "online"):
            self.watch(self.app, "online", self._refresh_online)
        self._find_workspace(data_dir_of(self.app), self.workspace)

    def on_screen_resume(self) -> None:
        self._show_mode()
        if self.workspace is not None:
            self.reload()

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#agent-queue", PaddedTable)

    @property
    def session(self) -> KeyingSession:
        return keying_session(self.app)

    def _refresh_online(self, online: bool | None) -> None:
        self.query_one(StatusLine).online = online

    def _show_mode(self) -> None:
        session = self.session
        mode = "activée" if session.continuous else "désactivée"
        campaign = ""
        if session.campaign_id is not None and self.workspace is not None:
            label = self.workspace.campaign_labels.get(session.campaign_id)
            campaign = f" · campagne : {label or session.campaign_id}"
        self.query_one("#agent-mode", Static).update(
            f"Saisie continue : {mode} (touche c){campaign}"
        )

    # --- loading -----------------------------------------------------------------------

    @work(
        thread=True,
        group="agent-workspace",
        exclusive=True,
        description="l'ouverture du brouillon local",
    )
    def _find_workspace(self, data_dir: Path | None, given: Workspace | None) -> None:
        self.session.load(data_dir)
        self.post_message(_Ready(given or workspace_of(self.app)))

    def on__ready(self, message: _Ready) -> None:
        if message.workspace is None:
            self.query_one("#agent-missing", Static).update("Connectez-vous pour saisir.")
            return
        self.workspace = message.workspace
        self.refresh_bindings()  # "Nouveau", "Actualiser" can be done now: the footer says so
        session = client_app(self.app).session
        name = getattr(session, "display_name", None) or self.workspace.username
        self.query_one("#agent-title", Static).update(f"File de saisie — {name}")
        self._show_mode()
        if self._open_when_ready is not None:
            dossier_id, tab, field_key = self._open_when_ready
            self._open_when_ready = None
            self.open_dossier(dossier_id, tab=tab, field=field_key)
        self.reload()

    def reload(self) -> None:
        if self.workspace is not None:
            self._load_queue(self.workspace.api)

    @work(group="agent-queue", exclusive=True, description="la file de saisie")
    async def _load_queue(self, api: ApiClient | None) -> None:
        from cesp_client.api import ApiError, Offline
        from cesp_client.api.agent import agent_queue

        if api is None:
            self.post_message(_Queue(error="Hors ligne : la file de saisie n'est pas disponible."))
            return
        try:
            summaries = await agent_queue(api)
        except Offline:
            self.post_message(
                _Queue(error="Hors ligne : la file de saisie sera lue quand la plateforme répond.")
            )
            return
        except ApiError as error:
            self.post_message(_Queue(error=error.detail))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(_Queue(summaries))

    def on__queue(self, message: _Queue) -> None:
        info = self.query_one("#agent-missing", Static)
        if message.error:
            info.update(message.error)
            info.add_class("-error")
            return
        info.remove_class("-error")
        self.summaries = message.summaries
        table = self.table
        selected = self.selected_id()
        rows = queue_rows(self.summaries)
        table.fill(
            [(key, cell(label)) for key, label in COLUMNS],
            [(row_id, [cell(text) for text in cells]) for row_id, cells in rows],
        )
        ids = [row_id for row_id, _ in rows]
        if selected in ids:
            table.move_cursor(row=ids.index(selected))
        if not rows:
            info.update(
                "Aucun dossier papier en cours. Tapez « n » pour saisir un nouveau dossier."
            )
        else:
            self._show_missing()
        if self.focused is None:
            table.focus()

    def selected_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # an empty or changing table: nothing selected
            return None
        return str(key.value) if key.value is not None else None

    def _show_missing(self) -> None:
        selected = self.selected_id()
        summary = next((s for s in self.summaries if str(s["id"]) == selected), None)
        info = self.query_one("#agent-missing", Static)
        if summary is None:
            info.update("")
            return
        missing = [str(m) for m in summary.get("missing") or []]
        head = f"{summary.get('numero', '')} — {summary.get('applicant_name', '')}"
        if not missing:
            info.update(f"{head} : rien ne manque, prêt à transmettre.")
            return
        info.update(f"{head} : il manque\n" + "\n".join(f"• {m}" for m in missing[:6]))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_missing()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    # --- actions ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("new", "open", "refresh") and self.workspace is None:
            return None
        if action == "open":
            return self.selected_id() is not None or None
        return True

    def action_new(self) -> None:
        from cesp_tui.screens.staff.on_behalf import OnBehalfScreen

        if self.workspace is not None:
            self.app.push_screen(OnBehalfScreen(self.workspace))

    def action_import(self) -> None:
        """Import dossiers from a CSV or JSON file (report line by line)."""
        from cesp_tui.screens.staff.import_dossiers import ImportScreen

        self.app.push_screen(ImportScreen())

    def action_export(self) -> None:
        """Export the dossier list to a CSV or JSON file."""
        from cesp_tui.screens.staff.export_dossiers import ExportScreen

        self.app.push_screen(ExportScreen())

    def action_refresh(self) -> None:
        self.reload()

    def action_continuous(self) -> None:
        session = self.session
        session.continuous = not session.continuous
        self._show_mode()
        self._save_session(session, data_dir_of(self.app))
        self.notify(
            "Saisie continue activée : après une transmission (ou Ctrl+O « Dossier suivant »), "
            "un nouveau dossier s'ouvre."
            if session.continuous
            else "Saisie continue désactivée.",
            title="Saisie continue",
        )

    @work(thread=True, group="agent-keep", description="l'enregistrement de la session")
    def _save_session(self, session: KeyingSession, data_dir: Path | None) -> None:
        session.save(data_dir)

    def action_open(self) -> None:
        dossier_id = self.selected_id()
        if dossier_id is None or self.workspace is None:
            return
        self._adopt_and_open(self.workspace, dossier_id)

    @work(group="agent-open", exclusive=True, description="l'ouverture du dossier")
    async def _adopt_and_open(self, workspace: Workspace, dossier_id: str) -> None:
        """Into the local store first when this computer does not have it (keyed by
        another agent, or on another computer), then open it."""
        import asyncio

        from cesp_client.api import ApiError, Offline

        store = workspace.store
        if await asyncio.to_thread(store.get, dossier_id) is None:
            if workspace.api is None:
                self.post_message(_OpenFailed("Hors ligne : ce dossier n'est pas sur ce poste."))
                return
            try:
                server = await workspace.api.get_dossier(dossier_id)
            except Offline:
                self.post_message(_OpenFailed("Hors ligne : ce dossier n'est pas sur ce poste."))
                return
            except ApiError as error:
                self.post_message(_OpenFailed(error.detail))
                return
            await asyncio.to_thread(_adopt, workspace, dict(server))
        snapshot = await asyncio.to_thread(load_snapshot, store, dossier_id)
        self.post_message(DossierLoaded(dossier_id, snapshot))

    def on__open_failed(self, message: _OpenFailed) -> None:
        self.notify(message.detail, title="Ouvrir", severity="error")

    # --- the sync engine's news (`FollowsSyncNews`) ------------------------------------

    def news_dossiers_pulled(self, message: DossiersPulled) -> None:
        self.reload()

    def news_dossier_transmitted(self, message: DossierTransmitted) -> None:
        self.reload()

    def on_open_first_dossier(self, message: OpenFirstDossier) -> None:
        message.stop()


def _adopt(workspace: Workspace, server: dict[str, Any]) -> None:
    """Blocking: a platform dossier into the local store, as the sync engine adopts one."""
    from cesp_client.sync import local

    store = workspace.store
    data = {k: dict(v) for k, v in (server.get("data") or {}).items()}
    campaign = server.get("campaign") or {}
    store.create_local(
        workspace.server_key,
        workspace.username,
        str(server["demarche"]),
        campaign.get("id"),
        dossier_id=str(server["id"]),
        data=data,
        server_version=int(server["version"]),
        numero=server.get("numero"),
        state=str(server.get("state") or "brouillon"),
    )
    store.apply_server_copy(
        str(server["id"]),
        version=int(server["version"]),
        data=data,
        saved_tabs=list(server.get("saved_tabs") or []),
    )
    local.record_server_pieces(store, str(server["id"]), list(server.get("pieces") or []))
