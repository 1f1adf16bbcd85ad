"""The jury's first screen (instructeur role): a campaign's transmitted dossiers.

- The campaign (either démarche) is chosen with F2; its transmitted, instructed and
  decided dossiers are listed (numéro, candidate / establishment, state, decision) from
  ``GET /dossiers?campaign_id=`` (drafts left out).
- The filter line (F3) narrows the list as one types, here on the client: words of a
  name or a number, and state words (« transmis », « instruction », « accepté »,
  « refusé », « décidé », « à décider »).
- Enter opens a dossier read-only through the owner's own `DossierScreen` (the
  platform's copy, `cesp_client.remote.fetch_snapshot`); on its pieces tab Ctrl+E saves
  the piece under the cursor into the client's data directory.
- Ctrl+D records the decision (`DecisionModal`), F7 puts a dossier into instruction, F6
  publishes the campaign's results after a yes/no question and says how many mails
  went out; F5 reads the list again.

Every call to the platform runs in a worker that posts a message; handlers change the
screen. Refusals are shown in French; nothing crashes offline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from cesp_client.api.errors import ApiError, Offline
from cesp_client.api.jury import (
    Decision,
    download_piece,
    jury_dossiers,
    publish_results,
    start_instruction,
)
from cesp_client.dates import day_text
from cesp_client.workspace import DossierSnapshot, Workspace
from cesp_core.demarches import get_demarche
from cesp_core.lifecycle import STATE_LABELS, DossierState
from cesp_core.text import normalize, printable
from cesp_core.timefmt import format_moment
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.common.campaigns import CampaignPicker, fetch_campaigns
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.pieces import PiecesScreen
from cesp_tui.screens.staff.decision import DecisionModal
from cesp_tui.screens.staff.staff_dossier import StaffDossierScreen, fetch_consulted
from cesp_tui.services import client_app, workspace_of
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient

__all__ = [
    "JuryDossierScreen",
    "JuryHomeScreen",
    "JuryRow",
    "campaign_text",
    "can_publish",
    "filter_rows",
    "jury_rows",
    "parse_filter",
    "publishable_from",
]

#: Normalised state words of the filter -> the states they select.
STATE_WORDS: dict[str, frozenset[str]] = {
    "transmis": frozenset({"transmis"}),
    "instruction": frozenset({"en_instruction"}),
    "accepte": frozenset({"accepte"}),
    "acceptes": frozenset({"accepte"}),
    "refuse": frozenset({"refuse"}),
    "refuses": frozenset({"refuse"}),
    "decide": frozenset({"accepte", "refuse"}),
    "decides": frozenset({"accepte", "refuse"}),
    "decider": frozenset({"transmis", "en_instruction"}),
}
#: Little words of "en instruction", "à décider": not searched for.
FILLER_WORDS = frozenset({"a", "en"})
UNDECIDED = frozenset({"transmis", "en_instruction"})
DECIDED = frozenset({"accepte", "refuse"})

_DECISION_STYLES = {"accepte": "green", "refuse": "bold red"}


# --- rows and the filter -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JuryRow:
    """One dossier of the list, already in French."""

    dossier_id: str
    numero: str
    name: str
    state: str
    state_label: str
    decision: str
    #: Normalised words the filter looks into (number, names).
    search: str

    @property
    def decided(self) -> bool:
        return self.state in DECIDED


def _state_label(state: str) -> str:
    try:
        return STATE_LABELS[DossierState(state)]
    except ValueError:
        return state


def jury_rows(summaries: Sequence[dict[str, Any]]) -> list[JuryRow]:
    """The list's rows from ``GET /dossiers`` summaries, by number."""
    rows = []
    for summary in summaries:
        state = str(summary.get("state") or "")
        applicant = printable(str(summary.get("applicant_name") or "")).strip()
        owner = printable(str(summary.get("owner_name") or "")).strip()
        if summary.get("demarche") == "asp":
            name = " · ".join(p for p in (applicant, owner) if p)
        else:
            name = applicant or owner
        numero = printable(str(summary.get("numero") or ""))
        decision = _state_label(state) if state in DECIDED else "à décider"
        rows.append(
            JuryRow(
                dossier_id=str(summary["id"]),
                numero=numero,
                name=name or "—",
                state=state,
                state_label=str(summary.get("state_label") or _state_label(state)),
                decision=decision,
                search=normalize(f"{numero} {applicant} {owner}"),
            )
        )
    rows.sort(key=lambda r: r.numero)
    return rows


def parse_filter(text: str) -> tuple[frozenset[str] | None, list[str]]:
    """(states asked for, None: any; words to find) of the filter line."""
    states: set[str] = set()
    words: list[str] = []
    for word in normalize(text).split():
        if word in STATE_WORDS:
            states |= STATE_WORDS[word]
        elif word not in FILLER_WORDS:
            words.append(word)
    return (frozenset(states) if states else None), words


def filter_rows(rows: Sequence[JuryRow], text: str) -> list[JuryRow]:
    states, words = parse_filter(text)
    return [
        row
        for row in rows
        if (states is None or row.state in states) and all(w in row.search for w in words)
    ]


PARIS = ZoneInfo("Europe/Paris")


def publishable_from(campaign: dict[str, Any]) -> datetime | None:
    """When the campaign's results may be published (Paris time): the platform says it
    (``results_publishable_from``), else the first whole minute after the closing."""
    try:
        given = campaign.get("results_publishable_from")
        if given:
            return datetime.fromisoformat(str(given)).astimezone(PARIS)
        closes = datetime.fromisoformat(str(campaign.get("closes_at") or ""))
    except ValueError:
        return None
    if closes.tzinfo is None:
        closes = closes.replace(tzinfo=PARIS)
    after = closes.astimezone(PARIS) + timedelta(microseconds=1)
    if after.second or after.microsecond:
        after = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return after


def can_publish(campaign: dict[str, Any], now: datetime | None = None) -> bool:
    """Results are published only once the campaign is closed (a second publication of
    published results stays allowed: it changes nothing)."""
    if campaign.get("results_published"):
        return True
    start = publishable_from(campaign)
    return start is None or (now or datetime.now(PARIS)) >= start


def campaign_text(campaign: dict[str, Any]) -> str:
    """``ASP · Campagne 2026 — clôture le 13/03/2026 à 23:59 · résultats non publiés``."""
    try:
        short = get_demarche(str(campaign.get("demarche"))).short_title
    except KeyError:
        short = str(campaign.get("demarche") or "")
    text = f"{short} · {campaign.get('label') or ''}"
    if campaign.get("closes_at"):
        text += f" — clôture le {format_moment(campaign['closes_at'])}"
    if campaign.get("results_published"):
        when = campaign.get("results_published_at")
        text += f" · résultats publiés le {day_text(when)}" if when else " · résultats publiés"
    elif not can_publish(campaign):
        start = publishable_from(campaign)
        assert start is not None
        text += f" · Publication possible à partir du {start:%d/%m/%Y %H:%M}"
    else:
        text += " · résultats non publiés"
    return text


def _sort_campaigns(campaigns: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unpublished first, then the latest closing first."""
    latest = sorted(
        (dict(c) for c in campaigns), key=lambda c: str(c.get("closes_at") or ""), reverse=True
    )
    return sorted(latest, key=lambda c: bool(c.get("results_published")))


# --- a dossier read from the platform -------------------------------------------------------


@dataclass
class _PieceSaved(Message):
    path: Path | None
    error: str | None = None


def decide(
    screen: Screen[Any],
    dossier_id: str,
    numero: str,
    name: str = "",
    *,
    decided: bool,
    then: Callable[[], object],
) -> None:
    """Ctrl+D, in the list or in the dossier being read: the decision box (the current
    decision read first when there is one); once saved, said, then ``then``."""

    def saved(decision: Decision | None) -> None:
        if decision:
            label = decision.get("decision_label") or decision.get("decision")
            screen.notify(f"Décision enregistrée pour {numero} : {label}.", title="Jury")
            then()

    screen.app.push_screen(
        DecisionModal(client_app(screen.app).api, dossier_id, numero, name, fetch_current=decided),
        saved,
    )


class JuryDossierScreen(StaffDossierScreen):
    """The owner's `DossierScreen` over the platform's copy (read-only, with the
    platform's verdict: `StaffDossierScreen`), plus Ctrl+E on the pieces tab: save the
    file under the cursor to read it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "home", "Liste du jury", id="jury_dossier.back"),
        Binding("ctrl+e", "download", "Télécharger", id="jury_dossier.download"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "download":
            return isinstance(self.current_view, PiecesScreen)  # hidden elsewhere
        if action == "decision":  # Ctrl+D: decide, as in the list (once the dossier is read)
            return True if self.dossier.state in UNDECIDED | DECIDED else None
        return super().check_action(action, parameters)

    def action_decision(self) -> None:
        """Ctrl+D: the jury's decision on the dossier it is reading (the same box as
        Ctrl+D in the list); once saved, back to the list, which reads it again."""
        state = self.dossier.state
        if state not in UNDECIDED | DECIDED:
            return
        decide(
            self,
            self.dossier_id,
            self.dossier.numero or "",
            decided=state in DECIDED,
            then=self.dismiss,
        )

    async def show_tab(self, tab_key: str, field: str | None = None) -> None:
        await super().show_tab(tab_key, field)
        if isinstance(self.current_view, PiecesScreen):
            self.status.show_message(
                "Ctrl+E : télécharger le fichier sous le curseur pour le lire.", timeout=None
            )

    @property
    def downloads_dir(self) -> Path:
        base = client_app(self.app).config.data_dir
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.dossier.numero or "")
        return base / "telechargements" / (safe or self.dossier_id)

    def action_download(self) -> None:
        view = self.current_view
        piece = view.current_piece() if isinstance(view, PiecesScreen) else None
        if piece is None:
            self.notify(
                "Placez le curseur sur un fichier (sous son type de pièce) pour le télécharger.",
                severity="warning",
            )
            return
        api = client_app(self.app).api or self.workspace.api
        if api is None or not piece.server_id:
            self.notify("Hors ligne : la pièce ne peut pas être téléchargée.", severity="error")
            return
        self.notify(f"Téléchargement de « {piece.filename} »…")
        self._download(api, piece.piece_type, piece.server_id, piece.filename, self.downloads_dir)

    @work(group="jury-download", description="le téléchargement de la pièce")
    async def _download(
        self, api: ApiClient, piece_type: str, piece_id: str, filename: str, directory: Path
    ) -> None:
        try:
            path = await download_piece(
                api, self.dossier_id, piece_type, piece_id, filename, directory
            )
        except Offline:
            self.post_message(_PieceSaved(None, "la plateforme ne répond pas"))
            return
        except ApiError as error:
            self.post_message(_PieceSaved(None, error.detail))
            return
        except OSError as error:
            self.post_message(_PieceSaved(None, str(error.strerror or error)))
            return
        self.post_message(_PieceSaved(path))

    def on__piece_saved(self, message: _PieceSaved) -> None:
        if message.path is None:
            self.notify(
                f"Téléchargement impossible : {message.error}", severity="error", timeout=10
            )
            return
        self.last_download = message.path
        self.notify(f"Pièce enregistrée : {message.path}", title="Téléchargement", timeout=15)

    #: The last file saved (None before any).
    last_download: Path | None = None


# --- messages of the screen's workers ------------------------------------------------------


@dataclass
class _DossiersLoaded(Message):
    campaign_id: int
    dossiers: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class _DossierFetched(Message):
    workspace: Workspace | None
    snapshot: DossierSnapshot | None
    error: str | None = None
    #: The platform's document (its verdict on the real values, see `StaffDossierScreen`).
    document: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Published(Message):
    answer: dict[str, Any] | None
    error: str | None = None


@dataclass
class _Instructed(Message):
    numero: str
    error: str | None = None


#: What the screen says when the platform does not answer.
_OFFLINE_TEXT = "La plateforme ne répond pas : réessayez dans un moment (F5)."


def _api_error_text(error: Exception) -> str:
    if isinstance(error, Offline):
        return _OFFLINE_TEXT
    if isinstance(error, ApiError):
        return error.detail
    return str(error)


# --- the screen ------------------------------------------------------------------------------


class _JuryTable(PaddedTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Ouvrir", id="jury.open"),
        Binding("up", "cursor_up", "Ligne précédente", show=False, id="jury.up"),
        Binding("down", "cursor_down", "Ligne suivante", show=False, id="jury.down"),
        Binding("pageup", "page_up", "Page précédente", show=False, id="jury.page_up"),
        Binding("pagedown", "page_down", "Page suivante", show=False, id="jury.page_down"),
    ]


#: Widths of the state and decision columns (cells carry one space on each side).
STATE_WIDTH = 16
DECISION_WIDTH = 11


class JuryHomeScreen(Screen[None]):
    """The jury's list. ``campaigns`` / ``dossiers`` given: shown as they are, nothing
    read from the platform (snapshots and tests of the pure UI)."""

    CSS_PATH = "jury_home.tcss"
    AUTO_FOCUS = None

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "campaign", "Campagne", id="jury.campaign"),
        Binding("f3", "filter", "Filtrer", id="jury.filter"),
        Binding("ctrl+d", "decide", "Décision", id="jury.decide", priority=True),
        Binding("f6", "publish", "Publier", id="jury.publish"),
        Binding("f7", "instruct", "Instruire", id="jury.instruct"),
        Binding("f5", "refresh", "Actualiser", id="jury.refresh"),
    ]

    def __init__(
        self,
        *,
        campaigns: Sequence[dict[str, Any]] | None = None,
        dossiers: Sequence[dict[str, Any]] | None = None,
        campaign_id: int | None = None,
        viewer: str | None = None,
    ) -> None:
        super().__init__()
        self._fixed = campaigns is not None
        self.campaigns: list[dict[str, Any]] = _sort_campaigns(campaigns or [])
        self.campaign_id: int | None = campaign_id
        if self.campaign_id is None and self.campaigns:
            self.campaign_id = int(self.campaigns[0]["id"])
        self.rows: list[JuryRow] = jury_rows(dossiers or [])
        self.shown: list[JuryRow] = list(self.rows)
        self.viewer = viewer
        self.loading = False
        self._busy_opening = False

    def compose(self) -> ComposeResult:
        with Vertical(id="jury-body"):
            yield Static(self._title(), id="jury-title", markup=False)
            yield Static("", id="jury-campaign", markup=False)
            with Horizontal(id="jury-filter-row"):
                yield Static("Filtre :", id="jury-filter-label")
                yield Input(
                    placeholder="nom, numéro ; transmis, instruction, accepté, refusé, à décider",
                    id="jury-filter",
                )
            yield _JuryTable(id="jury-table", zebra_stripes=True)
            yield Static("", id="jury-count", markup=False)
        yield StatusLine()
        yield StableFooter()

    def _title(self) -> str:
        session = client_app(self.app).session if self.is_attached else None
        name = self.viewer or getattr(session, "display_name", None)
        return f"Jury de sélection — {name}" if name else "Jury de sélection"

    @property
    def api(self) -> ApiClient | None:
        return client_app(self.app).api

    @property
    def table(self) -> _JuryTable:
        return self.query_one(_JuryTable)

    @property
    def campaign(self) -> dict[str, Any] | None:
        return next((c for c in self.campaigns if int(c["id"]) == self.campaign_id), None)

    def on_mount(self) -> None:
        self.query_one("#jury-title", Static).update(self._title())
        if hasattr(self.app, "online"):
            self.watch(self.app, "online", self._refresh_online)
        self._show_campaign()
        self.apply_filter()
        self.table.focus()
        if not self._fixed:
            self.reload_campaigns()

    def on_resize(self) -> None:
        self.apply_filter()

    def _refresh_online(self, online: bool | None) -> None:
        self.query_one(StatusLine).online = online

    def status(self, text: str, *, error: bool = False, stay: bool = False) -> None:
        """A message on the status line (errors and ``stay`` ones until the next)."""
        self.query_one(StatusLine).show_message(text, error=error, timeout=None if stay else 5.0)

    # --- loading -------------------------------------------------------------------------

    def reload_campaigns(self) -> None:
        api = self.api
        if api is None:
            self.status("Hors ligne : les campagnes ne sont pas disponibles.", error=True)
            return
        self.loading = True
        fetch_campaigns(self, api, offline=_OFFLINE_TEXT)

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
        message.stop()
        if message.error is not None:
            self.loading = False
            self.status(f"Campagnes indisponibles : {message.error}", error=True)
            return
        self.campaigns = _sort_campaigns(message.campaigns)
        ids = [int(c["id"]) for c in self.campaigns]
        if self.campaign_id not in ids:
            self.campaign_id = ids[0] if ids else None
        self._show_campaign()
        self.reload()

    def reload(self) -> None:
        """Read the campaign's dossiers again."""
        api = self.api
        if self._fixed or self.campaign_id is None:
            self.loading = False
            self.apply_filter()
            return
        if api is None:
            self.status("Hors ligne : la liste ne peut pas être lue.", error=True)
            return
        self.loading = True
        self._load_dossiers(api, self.campaign_id)

    @work(group="jury-dossiers", exclusive=True, description="la liste des dossiers")
    async def _load_dossiers(self, api: ApiClient, campaign_id: int) -> None:
        try:
            found = await jury_dossiers(api, campaign_id)
        except (ApiError, Offline) as error:
            self.post_message(_DossiersLoaded(campaign_id, error=_api_error_text(error)))
            return
        self.post_message(_DossiersLoaded(campaign_id, found))

    def on__dossiers_loaded(self, message: _DossiersLoaded) -> None:
        if message.campaign_id != self.campaign_id:
            return  # another campaign was chosen meanwhile
        self.loading = False
        if message.error is not None:
            self.status(f"Liste non mise à jour : {message.error}", error=True)
            return
        self.rows = jury_rows(message.dossiers)
        self.apply_filter()

    def _show_campaign(self) -> None:
        line = self.query_one("#jury-campaign", Static)
        campaign = self.campaign
        if campaign is None:
            line.update("Aucune campagne." if not self.loading else "Lecture des campagnes…")
        else:
            line.update(f"Campagne : {campaign_text(campaign)}")
        self.refresh_bindings()  # F6 "Publier" only once the campaign is closed

    # --- the table -------------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self.query_one("#jury-filter", Input).value

    def apply_filter(self) -> None:
        self.shown = filter_rows(self.rows, self.filter_text)
        self._fill()
        count = self.query_one("#jury-count", Static)
        total = len(self.rows)
        undecided = sum(1 for r in self.rows if not r.decided)
        if not total:
            count.update(
                "Aucun dossier transmis dans cette campagne."
                if self.campaign is not None
                else "Choisissez une campagne (F2)."
            )
            return
        text = f"{len(self.shown)} dossier{'s' if len(self.shown) > 1 else ''} sur {total}"
        text += f" · {undecided} à décider" if undecided else " · tous décidés"
        count.update(text)

    def _fill(self) -> None:
        table = self.table
        keep = self.selected_id
        width = table.size.width or self.size.width or self.app.size.width
        width = max(width - 1, 60)  # the scrollbar
        numero_width = max([len(r.numero) for r in self.shown] + [6]) + 2
        name_width = max(width - numero_width - STATE_WIDTH - DECISION_WIDTH, 12)
        columns = [
            ("numero", cell("Numéro")),
            ("name", cell("Candidat / établissement")),
            ("state", cell("État")),
            ("decision", cell("Décision")),
        ]
        rows: list[tuple[str, Sequence[Text]]] = []
        for row in self.shown:
            rows.append(
                (
                    row.dossier_id,
                    [
                        cell(row.numero),
                        cell(fit(row.name, name_width - 2)),
                        cell(row.state_label),
                        cell(row.decision, _DECISION_STYLES.get(row.state, "yellow")),
                    ],
                )
            )
        table.fill(
            columns,
            rows,
            min_widths={
                "numero": numero_width,
                "name": name_width,
                "state": STATE_WIDTH,
                "decision": DECISION_WIDTH,
            },
        )
        if keep is not None:
            index = next((i for i, r in enumerate(self.shown) if r.dossier_id == keep), None)
            if index is not None:
                table.move_cursor(row=index, animate=False)
        self.refresh_bindings()

    @property
    def selected(self) -> JuryRow | None:
        table = self.query(_JuryTable)
        if not table or not self.shown:
            return None
        index = table.first().cursor_row
        return self.shown[index] if 0 <= index < len(self.shown) else None

    @property
    def selected_id(self) -> str | None:
        row = self.selected
        return row.dossier_id if row else None

    @on(Input.Changed, "#jury-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.apply_filter()

    @on(Input.Submitted, "#jury-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    # --- actions -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("decide", "instruct") and self.selected is None:
            return None
        if action == "instruct" and self.selected is not None:
            # Only a transmitted dossier goes into instruction: not offered on the others.
            return True if self.selected.state == "transmis" else None
        if action == "publish" and self.campaign is None:
            return None
        # Publishing is not offered before the closing (the campaign line says from when).
        return action != "publish" or can_publish(self.campaign or {})

    def action_filter(self) -> None:
        self.query_one("#jury-filter", Input).focus()

    def action_refresh(self) -> None:
        if self._fixed:
            return
        self.status("Actualisation…")
        self.reload_campaigns()

    def action_campaign(self) -> None:
        if not self.campaigns:
            self.status("Aucune campagne à choisir.", error=True)
            return

        def picked(campaign_id: int | None) -> None:
            if campaign_id and campaign_id != self.campaign_id:
                self.campaign_id = campaign_id
                self.rows = []
                self._show_campaign()
                self.apply_filter()
                self.reload()

        self.app.push_screen(
            CampaignPicker(
                self.campaigns,
                title="Campagne à instruire",
                current=self.campaign_id,
                describe=campaign_text,
            ),
            picked,
        )

    # --- open one ----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#jury-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_dossier(str(event.row_key.value))

    def open_dossier(self, dossier_id: str) -> None:
        api = self.api
        session = client_app(self.app).session
        if api is None or session is None:
            self.status("Hors ligne : le dossier ne peut pas être lu.", error=True)
            return
        if self._busy_opening:
            return
        self._busy_opening = True
        self.status("Lecture du dossier…")
        self._fetch_dossier(api, dossier_id, session.server_key, session.username)

    @work(group="jury-open", exclusive=True, description="la lecture du dossier")
    async def _fetch_dossier(
        self, api: ApiClient, dossier_id: str, server_key: str, viewer: str
    ) -> None:
        try:
            snapshot, document = await fetch_consulted(api, dossier_id, server_key, viewer)
        except (ApiError, Offline) as error:
            self.post_message(_DossierFetched(None, None, _api_error_text(error)))
            return
        workspace = await asyncio.to_thread(workspace_of, self.app)
        self.post_message(_DossierFetched(workspace, snapshot, document=dict(document)))

    def on__dossier_fetched(self, message: _DossierFetched) -> None:
        self._busy_opening = False
        if message.error is not None or message.snapshot is None or message.workspace is None:
            self.status(f"Dossier illisible : {message.error or 'session fermée'}", error=True)
            return
        self.query_one(StatusLine).clear_message()
        self.app.push_screen(
            JuryDossierScreen(message.workspace, message.snapshot, message.document),
            lambda _result: self.reload(),  # a decision taken in it shows at once
        )

    # --- decision, instruction ---------------------------------------------------------------

    def action_decide(self) -> None:
        row = self.selected
        if row is None:
            return
        if row.state not in UNDECIDED | DECIDED:
            self.status("Seul un dossier transmis reçoit une décision.", error=True)
            return
        decide(self, row.dossier_id, row.numero, row.name, decided=row.decided, then=self.reload)

    def action_instruct(self) -> None:
        row = self.selected
        api = self.api
        if row is None:
            return
        if row.state != "transmis":
            self.status(
                f"{row.numero} est « {row.state_label} » : seul un dossier transmis passe "
                "en instruction.",
                error=True,
            )
            return
        if api is None:
            self.status("Hors ligne : réessayez quand la plateforme répond.", error=True)
            return
        self._instruct(api, row.dossier_id, row.numero)

    @work(group="jury-instruct", description="l'instruction du dossier")
    async def _instruct(self, api: ApiClient, dossier_id: str, numero: str) -> None:
        try:
            await start_instruction(api, dossier_id)
        except (ApiError, Offline) as error:
            self.post_message(_Instructed(numero, _api_error_text(error)))
            return
        self.post_message(_Instructed(numero))

    def on__instructed(self, message: _Instructed) -> None:
        if message.error is not None:
            self.status(f"{message.numero} : {message.error}", error=True)
            return
        self.notify(f"{message.numero} est en instruction.", title="Jury")
        self.reload()

    # --- publication ----------------------------------------------------------------------------

    def action_publish(self) -> None:
        campaign = self.campaign
        if campaign is None:
            return
        if not can_publish(campaign):
            start = publishable_from(campaign)
            when = f"{start:%d/%m/%Y %H:%M}" if start else "la clôture"
            self.status(f"Publication possible à partir du {when}.", error=True)
            return
        if campaign.get("results_published"):
            detail = "Les résultats sont déjà publiés : une nouvelle publication n'envoie rien."
        else:
            undecided = sum(1 for r in self.rows if not r.decided)
            detail = (
                "Chaque titulaire est informé par e-mail (ASP : les deux établissements "
                "partenaires). Les décisions ne pourront plus être modifiées."
            )
            if undecided:
                detail += (
                    f"\nAttention : {undecided} dossier{'s' if undecided > 1 else ''} "
                    "attend encore une décision."
                )

        def answered(yes: bool | None) -> None:
            api = self.api
            if not yes:
                return
            if api is None:
                self.status("Hors ligne : la publication attendra.", error=True)
                return
            self.status("Publication en cours…")
            self._publish(api, int(campaign["id"]))

        self.app.push_screen(
            ConfirmModal(
                f"Publier les résultats de « {campaign.get('label')} » ?",
                detail,
                title="Publier les résultats",
            ),
            answered,
        )

    @work(group="jury-publish", exclusive=True, description="la publication des résultats")
    async def _publish(self, api: ApiClient, campaign_id: int) -> None:
        try:
            answer = await publish_results(api, campaign_id)
        except (ApiError, Offline) as error:
            self.post_message(_Published(None, _api_error_text(error)))
            return
        self.post_message(_Published(dict(answer)))

    def on__published(self, message: _Published) -> None:
        answer = message.answer
        if answer is None:
            text = f"Publication refusée : {message.error}"
            self.status(text, error=True)
            self.notify(text, title="Publier les résultats", severity="error", timeout=15)
            return
        campaign = dict(answer.get("campaign") or {})
        if campaign.get("id") is not None:
            self.campaigns = [
                campaign if int(c["id"]) == int(campaign["id"]) else c for c in self.campaigns
            ]
            self._show_campaign()
        decided = int(answer.get("decided_dossiers") or 0)
        mails = int(answer.get("mails_queued") or 0)
        if mails:
            text = (
                f"Résultats publiés : {decided} dossier{'s' if decided > 1 else ''} "
                f"décidé{'s' if decided > 1 else ''}, {mails} e-mail{'s' if mails > 1 else ''} "
                f"envoyé{'s' if mails > 1 else ''}."
            )
        else:
            text = "Résultats déjà publiés : aucun nouvel e-mail envoyé."
        self.status(text, stay=True)
        self.notify(text, title="Publier les résultats", timeout=15)
        self.reload()
