""" "Récap. candidatures" (ASP guide, III): every candidature of the établissement, to
show, delete, export and print.

One row per candidature: numéro, candidat, établissement partenaire, spécialité (from the
copy on this computer when there is one), state, completeness ("Complet", "Incomplet (3)")
and last change. The list is the platform's (``GET /dossiers``: every candidature of the
account, from any computer) merged with the drafts of this computer the platform has not
received yet; offline, this computer's only (said on the status line).

Keys: Enter / ``a`` "Afficher" opens the candidature in the dossier screen (this
computer's copy, else the platform's, read-only); ``s`` deletes it after a yes/no
question — only a draft, only until the closing date (the platform says the same);
``e`` exports the table to CSV (French spreadsheets) and ``i`` prints it to a PDF file,
asking for the file name (default in the client's data directory) and saying where it
was written. While the file is written a progress bar counts the rows; Échap stops it and
no file is left (the writers go through a temporary file).

Workers read the store, call the platform and write the files; handlers change the screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import get_current_worker

from cesp_client.api.etablissement import CLOSED_MESSAGE, CampaignWindow, list_candidatures
from cesp_client.dossier_model import delete_dossier
from cesp_client.events import DossiersPulled, DossierSynced, DossierTransmitted
from cesp_client.exports import Column, WriteCancelled, write_csv, write_pdf
from cesp_core.demarches import get_demarche, rules
from cesp_core.lifecycle import STATE_LABELS, DossierState
from cesp_core.text import printable
from cesp_core.timefmt import file_stamp, format_moment, paris, paris_now
from cesp_tui.messages import WorkProgress
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.services import client_app
from cesp_tui.sync_news import FollowsSyncNews
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.widgets.work_progress import WorkProgressLine
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.store import LocalDossier
    from cesp_client.workspace import DossierSnapshot, Workspace

__all__ = [
    "EXPORT_COLUMNS",
    "ExportPathModal",
    "RecapRow",
    "RecapScreen",
    "campaigns_line",
    "closed_campaign_message",
    "default_export_path",
    "recap_rows",
]

#: Below this width only the essential columns are shown (80-column terminals).
WIDE = 110

#: Every column of the exports (CSV, PDF), in order.
EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("numero", "N° candidature"),
    Column("campagne", "Campagne"),
    Column("candidat", "Candidat"),
    Column("partenaire", "Établissement partenaire"),
    Column("specialite", "Spécialité"),
    Column("etat", "État"),
    Column("completude", "Complétude"),
    Column("manquant", "À compléter"),
    Column("modifie", "Modifiée le"),
)
_NARROW = ("numero", "candidat", "etat", "completude")
_WIDE = ("numero", "candidat", "partenaire", "specialite", "etat", "completude", "modifie")
_MAX_CELL = {"candidat": 22, "partenaire": 24, "specialite": 18, "numero": 20}


#: What the number in "Incomplet (N)" counts (the platform's `problem_count`).
INCOMPLETE_LEGEND = (
    "Incomplet (N) : N champs obligatoires, valeurs à corriger, pièces ou cases à cocher manquants."
)


def detail_text(row: RecapRow, legend: bool) -> str:
    """The line under the Récap's table for the highlighted candidature."""
    partenaire = row.partenaire or "à saisir"
    specialite = row.specialite or "à saisir"
    text = f"Partenaire : {partenaire} · Spécialité : {specialite}"
    return f"{text}\n{INCOMPLETE_LEGEND}" if legend else text


# --- campaign window helpers (also used by "Mes demandes") -----------------------------------


def campaigns_line(campaigns: Sequence[dict[str, Any]], demarche: str | None) -> str:
    """``ASP 2026 : clôture le 13/03/2026 (12 jours restants)`` for each open campaign of
    ``demarche`` (every démarche when None); "" when none is open."""
    parts = []
    for campaign in campaigns:
        if demarche is not None and campaign.get("demarche") != demarche:
            continue
        if not campaign.get("is_open"):
            continue
        window = CampaignWindow.of(dict(campaign))
        parts.append(f"{window.label} : {window.days_text()}")
    return " · ".join(parts)


def closed_campaign_message(workspace: Workspace | None, campaign_id: int | None) -> str | None:
    """The guide's words when ``campaign_id`` is known to be closed (None: it is not)."""
    if workspace is None or campaign_id is None:
        return None
    campaign = workspace.campaign_info.get(int(campaign_id))
    if campaign is None or not CampaignWindow.of(campaign).closed():
        return None
    return CLOSED_MESSAGE


# --- rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecapRow:
    """One candidature as the table (and the exports) show it."""

    dossier_id: str
    numero: str
    campagne: str
    candidat: str
    partenaire: str
    specialite: str
    etat: str
    completude: str
    manquant: str
    modifie: str
    complete: bool
    #: The platform's state ("brouillon", "transmis"...).
    state: str
    campaign_id: int | None
    #: Known to the platform (False: a draft of this computer not sent yet).
    on_server: bool = True
    #: The platform's version (None: not known to the platform).
    server_version: int | None = None

    def values(self) -> dict[str, str]:
        return {c.key: str(getattr(self, c.key)) for c in EXPORT_COLUMNS}


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[DossierState(state)]
    except ValueError:
        return state


def _local_moment(moment: datetime) -> str:
    return paris(moment).strftime("%d/%m/%Y %H:%M")


def _text(data: dict[str, dict[str, Any]], tab: str, key: str) -> str:
    value = (data.get(tab) or {}).get(key)
    return printable(value).strip() if isinstance(value, str) else ""


def _candidate(data: dict[str, dict[str, Any]]) -> str:
    prenom, nom = _text(data, "candidat", "prenom"), _text(data, "candidat", "nom")
    return " ".join(p for p in (prenom, nom.upper()) if p)


def _local_completeness(dossier: LocalDossier, pieces: dict[str, int]) -> tuple[bool, list[str]]:
    """What the rules say of a draft the platform has not seen (certifications aside)."""
    demarche = get_demarche(dossier.demarche)
    problems = rules.transmission_problems(demarche, dossier.data or {}, pieces, [])
    certs = {c.value for c in demarche.certifications}
    problems = [p for p in problems if not (p.tab == "synthese" and p.field in certs)]
    labels = []
    for problem in problems:
        try:
            tab = demarche.tab(problem.tab).label
        except KeyError:
            tab = problem.tab
        labels.append(f"{tab} : {problem.message}")
    return not problems, labels


def recap_rows(
    summaries: Sequence[dict[str, Any]] | None,
    local: Sequence[tuple[LocalDossier, dict[str, int], bool]],
    labels: dict[int, str],
    demarche: str = "asp",
) -> list[RecapRow]:
    """The table's rows: the platform's ``summaries`` (None: offline) merged with this
    computer's dossiers (``(dossier, piece counts, transmission queued)``), newest first."""
    by_id = {dossier.id: (dossier, counts, queued) for dossier, counts, queued in local}
    rows: list[tuple[str, RecapRow]] = []
    seen: set[str] = set()
    for item in summaries or []:
        if item.get("demarche", demarche) != demarche:
            continue
        dossier_id = str(item["id"])
        seen.add(dossier_id)
        mine = by_id.get(dossier_id)
        data = (mine[0].data or {}) if mine else {}
        state = str(item.get("state") or "brouillon")
        etat = str(item.get("state_label") or _state_label(state))
        if mine and mine[2]:
            etat = "Transmission…"
        complete = bool(item.get("complete"))
        count = int(item.get("problem_count") or 0)
        missing = [printable(str(m)) for m in item.get("missing") or []]
        updated = str(item.get("updated_at") or "")
        try:
            modifie = _local_moment(datetime.fromisoformat(updated))
        except ValueError:
            modifie = updated
        campaign_id = item.get("campaign_id")
        rows.append(
            (
                updated,
                RecapRow(
                    dossier_id=dossier_id,
                    numero=str(item.get("numero") or ""),
                    campagne=printable(
                        str(item.get("campaign_label") or labels.get(campaign_id or 0, ""))
                    ),
                    candidat=printable(str(item.get("applicant_name") or _candidate(data))),
                    partenaire=_text(data, "identification", "etab_partenaire_nom"),
                    specialite=_text(data, "identification", "specialite"),
                    etat=etat,
                    completude="Complet" if complete else f"Incomplet ({count})",
                    manquant=" ; ".join(missing),
                    server_version=int(item["version"]) if item.get("version") else None,
                    modifie=modifie,
                    complete=complete,
                    state=state,
                    campaign_id=int(campaign_id) if campaign_id is not None else None,
                ),
            )
        )
    for dossier, counts, queued in local:
        if dossier.id in seen or dossier.demarche != demarche:
            continue
        if summaries is not None and dossier.server_version is not None:
            continue  # deleted on the platform; this computer's copy is on its way out
        state = dossier.state
        if state == DossierState.BROUILLON.value:
            complete, missing = _local_completeness(dossier, counts)
        else:  # confirmed: the platform found it complete (its pieces may not be here)
            complete, missing = True, []
        etat = _state_label(state)
        if summaries is not None:
            etat = f"{etat} (pas encore envoyé)"
        if queued:
            etat = "Transmission…"
        updated = dossier.updated_at.replace(tzinfo=UTC)
        rows.append(
            (
                updated.isoformat(),
                RecapRow(
                    dossier_id=dossier.id,
                    numero=dossier.numero or "(n° à venir)",
                    campagne=labels.get(dossier.campaign_id or 0, ""),
                    candidat=_candidate(dossier.data or {}),
                    partenaire=_text(dossier.data or {}, "identification", "etab_partenaire_nom"),
                    specialite=_text(dossier.data or {}, "identification", "specialite"),
                    etat=etat,
                    completude="Complet" if complete else f"Incomplet ({len(missing)})",
                    manquant=" ; ".join(missing[:12]),
                    modifie=_local_moment(updated),
                    complete=complete,
                    state=state,
                    campaign_id=dossier.campaign_id,
                    on_server=dossier.server_version is not None,
                    server_version=dossier.server_version,
                ),
            )
        )
    rows.sort(key=lambda pair: pair[0], reverse=True)
    return [row for _, row in rows]


def default_export_path(app: App[Any], extension: str) -> Path:
    """``<client data directory>/exports/recap-candidatures-<date>.<extension>``."""
    folder = client_app(app).config.data_dir / "exports"
    stamp = file_stamp(pattern="%Y-%m-%d")
    return folder / f"recap-candidatures-{stamp}.{extension}"


# --- the file name ------------------------------------------------------------------------------


class ExportPathModal(ModalScreen[Path | None]):
    """Which file to write: the default is proposed, Enter writes, Échap cancels."""

    CSS_PATH = "recap.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "cancel", "Annuler", id="export.back"),
        Binding("escape", "cancel", "Annuler", show=False, id="export.cancel"),
    ]

    def __init__(self, title: str, default: Path) -> None:
        super().__init__()
        self.title_text = title
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box") as box:
            box.border_title = self.title_text
            yield Static("Nom du fichier (Entrée : écrire ; Échap : annuler)", markup=False)
            yield Input(str(self.default), id="export-path", compact=True)
            yield Static("", id="export-error", markup=False)
            with Horizontal(id="export-buttons"):
                yield Button("Écrire", id="export-ok", variant="primary", compact=True)
                yield Button("Annuler", id="export-cancel", compact=True)
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _chosen(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        text = self.query_one(Input).value.strip()
        error = self.query_one("#export-error", Static)
        if not text:
            error.update("Saisissez un nom de fichier.")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            error.update("C'est un dossier : ajoutez un nom de fichier.")
            return
        if path.suffix.lower() != self.default.suffix.lower():
            path = path.with_name(path.name + self.default.suffix)
        self.dismiss(path)

    @on(Button.Pressed, "#export-cancel")
    def _cancelled(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


# --- messages of the screen's workers -----------------------------------------------------------


@dataclass
class _RecapLoaded(Message):
    rows: list[RecapRow]
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    #: Why the platform's list is missing (offline, refused); None: it is there.
    problem: str | None = None


@dataclass
class _RecapDeleted(Message):
    numero: str
    error: str | None = None
    #: Queued for the platform (offline) rather than done there.
    queued: bool = False


@dataclass
class _Written(Message):
    path: Path | None
    kind: str
    error: str | None = None


@dataclass
class _Opened(Message):
    snapshot: DossierSnapshot | None
    error: str | None = None


# --- the screen ---------------------------------------------------------------------------------


class RecapScreen(FollowsSyncNews, Screen[None]):
    """The établissement's candidatures: show, delete, export (CSV), print (PDF)."""

    CSS_PATH = "recap.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show", "Afficher", id="recap.show", show=False),
        Binding("a", "show", "Afficher", id="recap.show_key"),
        Binding("s", "delete", "Supprimer", id="recap.delete"),
        Binding("e", "export", "Export CSV", id="recap.export"),
        Binding("i", "print", "Imprimer (PDF)", id="recap.print"),
        Binding("r", "refresh", "Actualiser", id="recap.refresh"),
        Binding("f9", "back", "Retour", id="recap.back"),
        Binding("escape", "stop_writing", "Annuler l'écriture", id="recap.stop_writing"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.rows: list[RecapRow] = []
        self.campaigns: list[dict[str, Any]] = []
        self._loaded = False
        self._reload_timer: Timer | None = None
        self._wide: bool | None = None
        self._title = "Récap. candidatures"
        #: "csv" or "pdf" while a file is written.
        self.writing: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="recap-body"):
            yield Static("Récap. candidatures", id="recap-title", markup=False)
            yield Static("", id="recap-campaigns", markup=False)
            yield PaddedTable(id="recap-table", zebra_stripes=True)
            yield Static("", id="recap-detail", markup=False)
            yield Static("", id="recap-empty", markup=False)
            yield WorkProgressLine(id="recap-progress")
        yield StatusLine()
        yield StableFooter()

    def on_mount(self) -> None:
        session = client_app(self.app).session
        account = getattr(session, "account", None) or {}
        name = account.get("etablissement_nom") if isinstance(account, dict) else None
        if name:
            self._title = f"Récap. candidatures — {name}"
            self.query_one("#recap-title", Static).update(self._title)
        self.query_one("#recap-campaigns").display = False
        self.query_one("#recap-empty").display = False
        self.query_one("#recap-detail").display = False
        self.query_one(StatusLine).online = client_app(self.app).online
        self.reload()

    def on_screen_resume(self) -> None:
        if self._loaded:
            self.reload()

    # --- the sync engine's news (forwarded by the app to the screen in front) ----------------

    #: News come in bursts (one per operation pushed): one reload after the last of them.
    RELOAD_DELAY = 0.3

    def _reload_soon(self) -> None:
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_timer = self.set_timer(self.RELOAD_DELAY, self._reload_now)

    def _reload_now(self) -> None:
        self._reload_timer = None
        self.reload()

    def news_dossier_synced(self, message: DossierSynced) -> None:
        self._reload_soon()

    def news_dossiers_pulled(self, message: DossiersPulled) -> None:
        self._reload_soon()

    def news_dossier_transmitted(self, message: DossierTransmitted) -> None:
        self._reload_soon()

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#recap-table", PaddedTable)

    @property
    def selected(self) -> RecapRow | None:
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # --- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        self._load(self.workspace)

    @work(group="recap-load", exclusive=True, description="le chargement")
    async def _load(self, workspace: Workspace) -> None:
        from cesp_client.api import ApiError, Offline

        def read_local() -> list[tuple[LocalDossier, dict[str, int], bool]]:
            from cesp_client.store import OpKind

            found = []
            for dossier in workspace.store.list(workspace.server_key, workspace.username):
                counts = workspace.store.piece_counts(dossier.id)
                queued = any(op.kind == OpKind.TRANSMIT for op in workspace.store.ops(dossier.id))
                found.append((dossier, counts, queued))
            return found

        local = await asyncio.to_thread(read_local)
        summaries: list[dict[str, Any]] | None = None
        campaigns: list[dict[str, Any]] = []
        problem: str | None = None
        api = workspace.api
        if api is None:
            problem = "Hors ligne : seules les candidatures de ce poste sont listées."
        else:
            try:
                summaries = await list_candidatures(api)
                campaigns = [dict(c) for c in await api.campaigns("asp")]
            except Offline:
                problem = "Hors ligne : seules les candidatures de ce poste sont listées."
            except ApiError as error:
                problem = f"Liste de la plateforme indisponible : {error.detail}"
        labels = dict(workspace.campaign_labels)
        for campaign in campaigns:
            labels[int(campaign["id"])] = str(campaign.get("label") or "")
        rows = recap_rows(summaries, local, labels)
        if not get_current_worker().is_cancelled:
            self.post_message(_RecapLoaded(rows, campaigns, problem))

    def on__recap_loaded(self, message: _RecapLoaded) -> None:
        self._loaded = True
        self.rows = list(message.rows)
        if message.campaigns:
            self.campaigns = list(message.campaigns)
            for campaign in message.campaigns:
                self.workspace.campaign_labels[int(campaign["id"])] = str(
                    campaign.get("label") or ""
                )
                self.workspace.campaign_info[int(campaign["id"])] = dict(campaign)
            line = self.query_one("#recap-campaigns", Static)
            line.update(campaigns_line(message.campaigns, "asp"))
            line.display = bool(str(line.content))
        self._build()
        status = self.query_one(StatusLine)
        if message.problem:
            status.show_message(message.problem, error=True)
        empty = self.query_one("#recap-empty", Static)
        if self.rows:
            empty.display = False
        else:
            empty.update(
                "Aucune candidature pour le moment : « n » dans « Mes candidatures » (F9) pour "
                "en commencer une."
            )
            empty.display = True
        total = len(self.rows)
        complete = sum(1 for r in self.rows if r.complete)
        counts = f"{total} candidature{'s' if total > 1 else ''}, {complete} complète"
        counts += "s" if complete > 1 else ""
        self.query_one("#recap-title", Static).update(f"{self._title} ({counts})")
        self.table.focus()
        self.refresh_bindings()

    def on_resize(self) -> None:
        if self._loaded and (self.size.width >= WIDE) != self._wide:
            self._build()

    def _build(self) -> None:
        table = self.table
        keep = self.selected.dossier_id if self.selected else None
        self._wide = wide = self.size.width >= WIDE
        keys = _WIDE if wide else _NARROW
        labels = {c.key: c.label for c in EXPORT_COLUMNS}
        labels["numero"] = "N°"
        columns = [(key, cell(labels[key])) for key in keys]
        body: list[tuple[str, Sequence[Text]]] = []
        for row in self.rows:
            values = row.values()
            cells = []
            for key in keys:
                text = fit(values[key], _MAX_CELL.get(key, 40))
                style = ""
                if key == "completude":
                    style = "green" if row.complete else "yellow"
                cells.append(cell(text, style))
            body.append((row.dossier_id, cells))
        table.fill(columns, body)
        if keep is not None:
            index = next((i for i, r in enumerate(self.rows) if r.dossier_id == keep), None)
            if index is not None:
                table.move_cursor(row=index, animate=False)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#recap-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """Under the table: the highlighted candidature's partner establishment and
        specialty (the narrow table has no room for them), and what "Incomplet (N)"
        counts."""
        line = self.query_one("#recap-detail", Static)
        row = self.selected
        if row is None:
            line.display = False
            return
        line.update(detail_text(row, any(not r.complete for r in self.rows)))
        line.display = True

    # --- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show", "delete"):
            return self.selected is not None
        if action in ("export", "print"):
            return bool(self.rows) and self.writing is None
        if action == "stop_writing":  # while a file is written only
            return self.writing is not None
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_refresh(self) -> None:
        self.reload()

    @on(DataTable.RowSelected, "#recap-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_show()

    def action_show(self) -> None:
        row = self.selected
        if row is not None:
            self._open(self.workspace, row.dossier_id)

    @work(group="recap-open", exclusive=True, description="l'ouverture du dossier")
    async def _open(self, workspace: Workspace, dossier_id: str) -> None:
        from cesp_client.api import ApiError, Offline
        from cesp_client.remote import fetch_snapshot
        from cesp_client.workspace import load_snapshot

        snapshot = await asyncio.to_thread(load_snapshot, workspace.store, dossier_id)
        if snapshot is None and workspace.api is not None:
            try:
                snapshot = await fetch_snapshot(
                    workspace.api, dossier_id, workspace.server_key, workspace.username
                )
            except (ApiError, Offline) as error:
                detail = error.detail if isinstance(error, ApiError) else error.reason
                self.post_message(_Opened(None, f"Candidature illisible : {detail}"))
                return
        if snapshot is None:
            self.post_message(_Opened(None, "Cette candidature n'est pas sur ce poste."))
            return
        self.post_message(_Opened(snapshot))

    def on__opened(self, message: _Opened) -> None:
        if message.snapshot is None:
            self.notify(message.error or "", title="Afficher", severity="error")
            return
        from cesp_tui.screens.dossier.dossier import DossierScreen

        self.app.push_screen(DossierScreen(self.workspace, message.snapshot))

    # --- delete -------------------------------------------------------------------------

    def action_delete(self) -> None:
        row = self.selected
        if row is None:
            return
        closed = closed_campaign_message(self.workspace, row.campaign_id)
        if closed is not None:
            self.notify(closed, title="Supprimer", severity="error", timeout=10)
            return
        if row.state != DossierState.BROUILLON.value:
            self.notify(
                f"La candidature « {row.numero} » est {row.etat.lower()} : elle ne peut plus "
                "être supprimée.",
                title="Supprimer",
                severity="warning",
            )
            return
        who = f" de {row.candidat}" if row.candidat else ""

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(self.workspace, row)

        self.app.push_screen(
            ConfirmModal(
                f"Supprimer la candidature « {row.numero} »{who} ?",
                "Ses saisies et ses pièces justificatives seront effacées, sur ce poste et "
                "sur la plateforme.",
                title="Supprimer la candidature",
            ),
            answered,
        )

    @work(thread=True, group="recap-delete", description="la suppression")
    def _delete(self, workspace: Workspace, row: RecapRow) -> None:
        """One deletion path with "Mes demandes" (`cesp_client.dossier_model`): a draft
        the platform never had goes at once; otherwise the deletion is queued and the sync
        engine sends it (a refusal comes back as its `SaveRefused`)."""
        server_copy = (
            {
                "demarche": "asp",
                "campaign_id": row.campaign_id,
                "version": row.server_version,
                "numero": row.numero,
                "state": row.state,
            }
            if row.on_server
            else None
        )
        result = delete_dossier(
            workspace.store,
            row.dossier_id,
            server_key=workspace.server_key,
            username=workspace.username,
            server_copy=server_copy,
        )
        self.post_message(_RecapDeleted(row.numero, queued=not result.at_once))

    def on__recap_deleted(self, message: _RecapDeleted) -> None:
        if message.error is not None:
            self.notify(
                f"Suppression refusée : {message.error}",
                title="Supprimer",
                severity="error",
                timeout=10,
            )
            self.query_one(StatusLine).show_message(
                f"Suppression refusée : {message.error}", error=True
            )
            return
        if message.queued:
            self.notify(
                f"Candidature « {message.numero} » supprimée de ce poste ; la plateforme en "
                "sera informée dès qu'elle répond."
            )
        else:
            self.notify(f"Candidature « {message.numero} » supprimée.")
        from cesp_tui.messages import SyncRequested

        self.post_message(SyncRequested())
        self.reload()

    # --- export and print ---------------------------------------------------------------

    def action_export(self) -> None:
        self._ask_path("csv")

    def action_print(self) -> None:
        self._ask_path("pdf")

    def _ask_path(self, kind: str) -> None:
        if not self.rows:
            return
        title = "Exporter en CSV" if kind == "csv" else "Imprimer en PDF"
        rows = list(self.rows)

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.writing = kind
                self.refresh_bindings()
                self._write(path, kind, rows, self._subtitle())

        self.app.push_screen(ExportPathModal(title, default_export_path(self.app, kind)), chosen)

    def _subtitle(self) -> str:
        title = str(self.query_one("#recap-title", Static).content)
        moment = format_moment(paris_now())
        line = str(self.query_one("#recap-campaigns", Static).content)
        return f"{title} — imprimé le {moment}" + (f"\n{line}" if line else "")

    @work(thread=True, group="recap-write", description="l'écriture du fichier")
    def _write(self, path: Path, kind: str, rows: list[RecapRow], subtitle: str) -> None:
        values = [row.values() for row in rows]
        worker = get_current_worker()
        what = "Export CSV" if kind == "csv" else "Impression PDF"

        def progress(done: int, total: int) -> None:
            text = f"{what} : {done} / {total} ligne{'s' if total > 1 else ''}"
            if kind == "pdf" and done == total:
                text += " — mise en page…"
            self.post_message(WorkProgress("recap", done, total, text))

        try:
            if kind == "csv":
                written = write_csv(
                    path,
                    EXPORT_COLUMNS,
                    values,
                    progress=progress,
                    cancelled=lambda: worker.is_cancelled,
                )
            else:
                written = write_pdf(
                    path,
                    "Récapitulatif des candidatures — Assistant Spécialiste Partagé",
                    EXPORT_COLUMNS,
                    values,
                    subtitle=subtitle,
                    progress=progress,
                    cancelled=lambda: worker.is_cancelled,
                )
        except WriteCancelled:
            return  # the handler of Échap said so already
        except OSError as error:
            self.post_message(_Written(None, kind, f"{error.strerror or error} ({path})"))
            return
        self.post_message(_Written(written, kind))

    def on_work_progress(self, message: WorkProgress) -> None:
        if message.job != "recap" or self.writing is None:
            return
        message.stop()
        self.query_one(WorkProgressLine).show(message.done, message.total, message.text)

    def action_stop_writing(self) -> None:
        """Échap while a file is written: stop; the temporary file goes, no file."""
        kind = self.writing
        if kind is None:
            return
        self.workers.cancel_group(self, "recap-write")
        self._written_done()
        what = "Export CSV" if kind == "csv" else "Impression PDF"
        self.query_one(StatusLine).show_message(f"{what} annulé : aucun fichier écrit.")

    def _written_done(self) -> None:
        self.writing = None
        self.query_one(WorkProgressLine).hide()
        self.refresh_bindings()

    def on__written(self, message: _Written) -> None:
        self._written_done()
        what = "Export CSV" if message.kind == "csv" else "Impression PDF"
        if message.path is None:
            text = f"{what} impossible : {message.error}"
            self.notify(text, title=what, severity="error", timeout=10)
            self.query_one(StatusLine).show_message(text, error=True)
            return
        written = "écrit" if message.kind == "csv" else "écrite"  # l'impression : féminin
        text = f"{what} {written} dans {message.path}"
        self.notify(text, title=what, timeout=10)
        self.query_one(StatusLine).show_message(text, timeout=None)
