"""The support's home: find any dossier, open it as its owner sees it, read its history
and mails, save its diagnostic bundle; export dossier lists.

The search box takes a name, an e-mail, a NIR (with or without spaces) or a dossier
number; Enter asks the platform (``GET /dossiers?q=``) and fills the table. Search
results never carry the NIR nor the IBAN (the platform sends neither in lists), only
what the support needs to recognise the dossier and what it lacks. Enter on a row opens
the dossier read-only in the owner's own `DossierScreen` (`SupportDossierScreen`: same
tabs, rules and messages; the role makes it read-only).

Keys: Ctrl+G the history, Ctrl+O the mails, Ctrl+T the diagnostic bundle of the
dossier under the cursor; F7 export (`ExportScreen`; importing changes dossiers: agents only).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from cesp_client.api.errors import ApiError, Offline
from cesp_client.workspace import DossierSnapshot, Workspace
from cesp_core.text import plural
from cesp_tui.screens.staff.dossier_history import when_text
from cesp_tui.screens.staff.support_dossier import SupportActions, SupportDossierScreen
from cesp_tui.services import client_app, workspace_of
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import work

__all__ = ["SupportHomeScreen", "result_cells"]

#: Below this width the campaign column is left out (80-column terminals).
WIDE = 100


def result_cells(summary: dict[str, Any], *, wide: bool = True) -> dict[str, str]:
    """What a result row shows (French); narrow: the date without the time."""
    count = int(summary.get("problem_count") or 0)
    if count == 0:
        points = "complet" if summary.get("complete") else "—"
    else:
        points = f"{count} point{'s' if count > 1 else ''}"
    return {
        "numero": str(summary.get("numero") or "—"),
        "name": str(summary.get("applicant_name") or summary.get("owner_name") or ""),
        "campaign": str(summary.get("campaign_label") or ""),
        "state": str(summary.get("state_label") or summary.get("state") or ""),
        "points": points,
        "updated": when_text(summary.get("updated_at"))[: None if wide else 10],
    }


_COLUMNS = (
    ("numero", "Numéro"),
    ("name", "Candidat"),
    ("campaign", "Campagne"),
    ("state", "État"),
    ("points", "À compléter"),
    ("updated", "Modifié le"),
)
_WIDTHS = {"name": 26, "campaign": 24}


@dataclass
class _Results(Message):
    query: str
    listed: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class _Opened(Message):
    workspace: Workspace | None
    snapshot: DossierSnapshot | None
    document: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


class SupportHomeScreen(SupportActions, Screen[None]):
    """Search and read any dossier (support); import and export."""

    CSS_PATH = "support_home.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "focus_search", "Rechercher", show=False, id="support.search"),
        Binding("ctrl+g", "history", "Historique", id="support.history"),
        Binding("ctrl+o", "mails", "E-mails", id="support.mails"),
        Binding("ctrl+t", "diagnostic", "Diagnostic", id="support.diagnostic"),
        Binding("f7", "export", "Exporter", id="support.export"),
        Binding("down", "focus_results", "Résultats", show=False, id="support.results"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[dict[str, Any]] = []
        self.query_text = ""
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="support-body"):
            yield Static("Support — rechercher un dossier", id="support-title", markup=False)
            yield Input(
                placeholder="Nom, e-mail, NIR ou numéro de dossier, puis Entrée",
                id="support-search",
            )
            yield Static(
                "Tapez une recherche : Entrée interroge la plateforme (F2 y revient).",
                id="support-status",
                markup=False,
            )
            yield PaddedTable(id="support-results", zebra_stripes=True)
            yield Static("", id="support-detail", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        session = client_app(self.app).session
        name = getattr(session, "display_name", None)
        if name:
            self.query_one("#support-title", Static).update(
                f"Support — rechercher un dossier — {name}"
            )
        self.query_one("#support-search", Input).focus()

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#support-results", PaddedTable)

    @property
    def status(self) -> Static:
        return self.query_one("#support-status", Static)

    # --- search ----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.query_one("#support-search", Input).focus()

    def action_focus_results(self) -> None:
        if self.results:
            self.table.focus()

    @on(Input.Submitted, "#support-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search(event.value)

    def search(self, text: str) -> None:
        query = text.strip()
        if not query:
            self.status.update("Tapez un nom, un e-mail, un NIR ou un numéro de dossier.")
            return
        api = client_app(self.app).api
        if api is None:
            self.status.update("La plateforme n'est pas encore connectée.")
            return
        self.status.update(f"Recherche de « {query} »…")
        self._search(api, query)

    @work(group="support-search", exclusive=True, description="la recherche")
    async def _search(self, api: Any, query: str) -> None:
        from cesp_client.api.support import search_dossiers

        try:
            listed = await search_dossiers(api, query)
        except Offline:
            message = _Results(query, error="Hors ligne : la recherche n'a pas abouti.")
        except ApiError as error:
            message = _Results(query, error=error.detail)
        else:
            message = _Results(query, dict(listed))
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on__results(self, message: _Results) -> None:
        if message.error:
            self.status.update(message.error)
            self.status.add_class("-error")
            return
        self.status.remove_class("-error")
        self.show_results(message.query, message.listed)

    def show_results(self, query: str, listed: dict[str, Any]) -> None:
        """Fill the table with the platform's answer (also for fixed data)."""
        self.query_text = query
        self.results = [dict(item) for item in listed.get("items") or []]
        total = int(listed.get("total") or len(self.results))
        if not self.results:
            self.status.update(f"Aucun dossier ne correspond à « {query} ».")
        else:
            more = f" ({len(self.results)} affichés)" if total > len(self.results) else ""
            self.status.update(
                f"{total} dossier{'s' if total > 1 else ''} pour « {query} »{more} : "
                "Entrée ouvre le dossier (lecture seule)."
            )
        self._build()
        if self.results:
            self.table.focus()

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE
        if wide != self._wide and self.is_mounted:
            self._build()

    def _build(self) -> None:
        self._wide = wide = self.size.width >= WIDE
        columns = [(k, t) for k, t in _COLUMNS if wide or k != "campaign"]
        rows: list[tuple[str, list[Text]]] = []
        for summary in self.results:
            shown = result_cells(summary, wide=wide)
            cells = []
            for key, _ in columns:
                text = fit(shown[key], _WIDTHS[key]) if key in _WIDTHS else shown[key]
                style = ""
                if key == "points":
                    style = "green" if shown[key] == "complet" else "yellow"
                cells.append(cell(text, style))
            rows.append((str(summary.get("id")), cells))
        self.table.fill([(key, cell(title)) for key, title in columns], rows)
        self._show_detail(self.table.cursor_row if self.results else -1)

    def _show_detail(self, index: int) -> None:
        text = ""
        if 0 <= index < len(self.results):
            summary = self.results[index]
            missing = [str(m) for m in summary.get("missing") or []]
            if missing:
                text = "À compléter : " + " ; ".join(missing)
            else:
                text = "Rien ne manque à ce dossier."
        self.query_one("#support-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#support-results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(event.cursor_row)

    # --- the dossier under the cursor ------------------------------------------------

    @property
    def selected(self) -> dict[str, Any] | None:
        if not self.results:
            return None
        index = self.table.cursor_row
        return self.results[index] if 0 <= index < len(self.results) else None

    def support_target(self) -> tuple[str, str] | None:
        summary = self.selected
        if summary is None:
            return None
        return str(summary["id"]), str(summary.get("numero") or summary["id"])

    @on(DataTable.RowSelected, "#support-results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.open_selected()

    def open_selected(self) -> None:
        summary = self.selected
        api = client_app(self.app).api
        if summary is None or api is None:
            return
        self.status.update(f"Ouverture du dossier {summary.get('numero') or ''}…")
        self._open(api, str(summary["id"]))

    @work(group="support-open", exclusive=True, description="l'ouverture du dossier")
    async def _open(self, api: Any, dossier_id: str) -> None:
        from cesp_tui.screens.staff.support_dossier import fetch_consulted

        workspace = await asyncio.to_thread(workspace_of, self.app)
        if workspace is None:
            self.post_message(_Opened(None, None, error="Connectez-vous d'abord."))
            return
        try:
            snapshot, document = await fetch_consulted(
                api, dossier_id, workspace.server_key, workspace.username
            )
        except Offline:
            self.post_message(_Opened(None, None, error="Hors ligne : dossier non ouvert."))
            return
        except ApiError as error:
            self.post_message(_Opened(None, None, error=error.detail))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(_Opened(workspace, snapshot, dict(document)))

    def on__opened(self, message: _Opened) -> None:
        if message.error or message.workspace is None or message.snapshot is None:
            self.status.update(message.error or "Dossier non ouvert.")
            self.notify(message.error or "Dossier non ouvert.", severity="error")
            return
        self.status.update(
            f"{plural(len(self.results), 'dossier')} pour « {self.query_text} » : "
            "Entrée ouvre le dossier (lecture seule)."
        )
        self.app.push_screen(
            SupportDossierScreen(message.workspace, message.snapshot, message.document)
        )

    # --- export (support changes nothing: importing is the agents') -----------------------

    def action_export(self) -> None:
        from cesp_tui.screens.staff.export_dossiers import ExportScreen

        self.app.push_screen(ExportScreen())
