"""Export the list of dossiers to a CSV or JSON file (agents, support).

`ExportScreen()`: filters (campaign, state), the format (CSV for a spreadsheet: UTF-8
with BOM and « ; » ; or JSON) and the file to write (a default in the current directory,
editable); Ctrl+S (or Entrée in the path) asks the platform (``GET /exports/dossiers``)
and writes the file in a worker, then says where and how many dossiers. NIR and IBAN
come masked (the platform masks them for every export this screen asks for).

The file is written as it arrives (a progress bar shows what was received) into a
temporary file renamed at the end: Échap stops the export and leaves no half file.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static
from textual.worker import get_current_worker

from cesp_client.api.errors import ApiError, Offline
from cesp_core.lifecycle import STATE_LABELS
from cesp_tui.messages import WorkProgress
from cesp_tui.screens.common.campaigns import campaign_line
from cesp_tui.screens.staff.campaign_files import CampaignFileScreen
from cesp_tui.services import client_app
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.work_progress import WorkProgressLine, human_size
from cesp_tui.workers import work

__all__ = ["ExportScreen", "count_records", "default_export_path", "write_export"]

_ALL = "*"
FORMATS = [("CSV (tableur)", "csv"), ("JSON", "json")]


def default_export_path(fmt: str = "csv", base: Path | None = None) -> Path:
    """``dossiers-2026-03-12.csv`` in the current directory."""
    return (base or Path.cwd()) / f"dossiers-{date.today().isoformat()}.{fmt}"


def count_records(content: bytes, fmt: str) -> int:
    """How many dossiers an export file holds."""
    if fmt == "json":
        data = json.loads(content.decode("utf-8"))
        return len(data) if isinstance(data, list) else 0
    text = content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    return max(len([r for r in rows if r]) - 1, 0)


def write_export(content: bytes, path: Path) -> Path:
    """Write through a temporary file (blocking)."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    partial.replace(path)
    return path


@dataclass
class _Exported(Message):
    path: Path | None
    count: int = 0
    error: str | None = None


class ExportScreen(CampaignFileScreen):
    """Export the dossiers (filters, format, file)."""

    CSS_PATH = "export_dossiers.tcss"
    STATUS_ID = "export-status"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "export", "Exporter", id="export.send"),
        Binding("f9", "back", "Retour", id="export.back"),
        Binding("escape", "cancel", "Annuler l'export", id="export.stop"),
    ]

    def __init__(self, *, q: str | None = None, base: Path | None = None) -> None:
        super().__init__()
        self.q = q
        self.base = base or Path.cwd()
        self.written: Path | None = None
        self.busy = False
        #: The campaigns the platform listed (filter choices).
        self.campaigns: list[dict[str, Any]] = []
        self._default_path = default_export_path("csv", self.base)

    def compose(self) -> ComposeResult:
        states = [(label, str(state.value)) for state, label in STATE_LABELS.items()]
        with Vertical(id="export-body"):
            yield Static("Exporter des dossiers", id="export-title", markup=False)
            with Horizontal(classes="export-row"):
                yield Label("Campagne", classes="export-label")
                yield Select[str](
                    [("Toutes les campagnes", _ALL)],
                    value=_ALL,
                    allow_blank=False,
                    id="export-campaign",
                )
            with Horizontal(classes="export-row"):
                yield Label("État", classes="export-label")
                yield Select[str](
                    [("Tous les états", _ALL), *states],
                    value=_ALL,
                    allow_blank=False,
                    id="export-state",
                )
            with Horizontal(classes="export-row"):
                yield Label("Format", classes="export-label")
                yield Select[str](FORMATS, value="csv", allow_blank=False, id="export-format")
            with Horizontal(classes="export-row"):
                yield Label("Fichier", classes="export-label")
                yield Input(str(self._default_path), id="export-path", select_on_focus=False)
            yield Static(
                "NIR et IBAN sont masqués. Ctrl+S : exporter.", id="export-status", markup=False
            )
            yield WorkProgressLine(id="export-progress")
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one("#export-campaign", Select).focus()
        self.load_campaigns()

    def set_campaigns(self, campaigns: list[dict[str, Any]]) -> None:
        self.campaigns = list(campaigns)
        select = self.query_one("#export-campaign", Select)
        select.set_options(
            [
                ("Toutes les campagnes", _ALL),
                *((campaign_line(c), str(c["id"])) for c in campaigns),
            ]
        )
        select.value = _ALL

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        event.stop()
        fmt = str(event.value)
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value.strip())
        if current.suffix.lower() in (".csv", ".json"):
            path_input.value = str(current.with_suffix(f".{fmt}"))

    @on(Input.Submitted, "#export-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_export()

    def filters(self) -> dict[str, Any]:
        campaign = self.query_one("#export-campaign", Select).value
        state = self.query_one("#export-state", Select).value
        return {
            "fmt": str(self.query_one("#export-format", Select).value),
            "campaign_id": int(str(campaign)) if campaign not in (_ALL, Select.BLANK) else None,
            "state": str(state) if state not in (_ALL, Select.BLANK) else None,
            "q": self.q,
        }

    def action_export(self) -> None:
        if self.busy:
            return
        api = client_app(self.app).api
        if api is None:
            self._say("La plateforme n'est pas connectée.", error=True)
            return
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self._say("Indiquez le fichier à écrire.", error=True)
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = self.base / path
        self.busy = True
        self.refresh_bindings()
        self._say("Export en cours… (Échap : annuler)")
        self._export(api, self.filters(), path)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":  # while an export runs only
            return self.busy
        return True

    def action_cancel(self) -> None:
        """Échap during an export: stop it; the temporary file goes, no half file."""
        if not self.busy:
            return
        self.workers.cancel_group(self, "export-send")
        self._finished()
        self._say("Export annulé : aucun fichier n'a été écrit.", error=True)

    def _finished(self) -> None:
        self.busy = False
        self.query_one(WorkProgressLine).hide()
        self.refresh_bindings()

    def on_work_progress(self, message: WorkProgress) -> None:
        if message.job != "export" or not self.busy:
            return
        message.stop()
        self.query_one(WorkProgressLine).show(message.done, message.total, message.text)

    @work(group="export-send", exclusive=True, description="l'export")
    async def _export(self, api: Any, filters: dict[str, Any], path: Path) -> None:
        from cesp_client.api.support import export_dossiers_to

        def progress(received: int, total: int | None) -> None:
            of = f" / {human_size(total)}" if total else ""
            text = f"Réception de l'export : {human_size(received)}{of}"
            self.post_message(WorkProgress("export", received, total, text))

        try:
            written = await export_dossiers_to(api, path, progress=progress, **filters)
            content = await asyncio.to_thread(written.read_bytes)
            count = count_records(content, filters["fmt"])
        except Offline:
            message = _Exported(None, error="Hors ligne : rien n'a été exporté.")
        except ApiError as error:
            message = _Exported(None, error=error.detail)
        except OSError as error:
            message = _Exported(None, error=f"Écriture impossible dans {path} : {error.strerror}")
        except ValueError:
            message = _Exported(None, error="La réponse de la plateforme est illisible.")
        else:
            message = _Exported(written, count)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on__exported(self, message: _Exported) -> None:
        self._finished()
        if message.path is None:
            self._say(message.error or "Export impossible.", error=True)
            self.notify(message.error or "Export impossible.", severity="error", title="Export")
            return
        self.written = message.path
        count = message.count
        text = f"{count} dossier{'s' if count > 1 else ''} exporté{'s' if count > 1 else ''} "
        text += f"dans {message.path}"
        self._say(text, success=True)
        self.notify(text, title="Export", timeout=15)
