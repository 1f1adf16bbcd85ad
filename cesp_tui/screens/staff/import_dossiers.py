"""Import paper dossiers from a CSV or JSON file (agents), with the line-by-line report.

`ImportScreen()`: choose the campaign (the open CESP ones, from the platform), pick the
file (`FilePicker`: a path with completion, Ctrl+T for a tree; Enter picks it), then
Ctrl+S sends it (``POST /imports/dossiers``) or Ctrl+B only checks it (dry run). The
platform checks every line with `cesp_core` and imports all or nothing: the report lists
each line — accepted with its numéro, or refused with its French messages — and says
plainly when nothing was imported. Reading the file and the call run in a worker.

While the file is sent a progress bar shows the bytes sent (and how many lines the file
holds); Échap stops it then, and nothing is imported (the platform acts only on a whole
file). Once the platform has the whole file it checks and imports in one go: the bar
turns indeterminate and the import can no longer be cancelled (that is said).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Label, Select, Static
from textual.worker import get_current_worker

from cesp_client.api.errors import ApiError, Offline
from cesp_client.api.support import ImportOutcome
from cesp_core.demarches import get_demarche
from cesp_core.text import plural
from cesp_tui.messages import CampaignsLoaded, WorkProgress
from cesp_tui.screens.common.campaigns import campaign_line
from cesp_tui.screens.staff.campaign_files import CampaignFileScreen
from cesp_tui.services import client_app
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.file_picker import FilePicker
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.work_progress import WorkProgressLine, human_size
from cesp_tui.workers import work

__all__ = ["ImportScreen", "count_import_lines", "line_messages", "outcome_summary"]

#: At most this many bytes are sent (the platform's own limit is 5 MB).
MAX_BYTES = 5 * 1024 * 1024

_RESULTS = {
    "cree": ("créé", "green"),
    "a_creer": ("à créer", "green"),
    "existant": ("existant", "yellow"),
}
_COLUMNS = [
    ("line", cell("Ligne")),
    ("result", cell("Résultat")),
    ("numero", cell("Numéro")),
    ("email", cell("Candidat")),
    ("message", cell("Message")),
]


def _labels() -> dict[tuple[str, str], str]:
    demarche = get_demarche("cesp")
    return {(tab.key, f.key): f.label for tab in demarche.tabs for f in tab.fields}


def line_messages(line: dict[str, Any]) -> list[str]:
    """The line's problems (refused) then warnings, each with its field's label."""
    labels = _labels()
    out = []
    for item in [*(line.get("problems") or []), *(line.get("warnings") or [])]:
        message = str(item.get("message") or "")
        label = labels.get((str(item.get("tab")), str(item.get("field"))))
        out.append(f"{label} : {message}" if label else message)
    return out


def outcome_summary(outcome: ImportOutcome) -> str:
    """One French sentence on what happened (nothing is ever half imported)."""
    report = outcome.report
    total = int(report.get("total") or 0)
    if not outcome.accepted:
        text = outcome.detail or "Le fichier est refusé : aucun dossier n'a été importé."
        if outcome.file_problems and not report.get("lines"):
            extra = [p for p in outcome.file_problems if p not in text]
            if extra:
                text += "\n" + "\n".join(f"• {p}" for p in extra)
        return text
    existing = int(report.get("existing") or 0)
    if report.get("dry_run"):
        to_create = int(report.get("to_create") or 0)
        return (
            f"Vérification sans import : {plural(total, 'ligne')}, "
            f"{plural(to_create, 'dossier')} à créer, {plural(existing, 'déjà existant')}. "
            "Rien n'a été importé : Ctrl+S pour importer."
        )
    created = int(report.get("created") or 0)
    return (
        f"Import terminé : {plural(created, 'dossier créé', 'dossiers créés')}, "
        f"{plural(existing, 'déjà existant')}, sur {plural(total, 'ligne')}. "
        "Chaque candidat reçoit le lien pour réclamer son dossier."
    )


def count_import_lines(content: bytes, filename: str) -> int | None:
    """How many dossier lines a CSV or JSON file holds (None: unreadable; the platform
    says why)."""
    try:
        text = content.decode("utf-8-sig")
        if filename.lower().endswith(".json"):
            data = json.loads(text)
            return len(data) if isinstance(data, list) else None
        header = text.split("\n", 1)[0]
        delimiter = ";" if header.count(";") >= header.count(",") else ","
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return max(sum(1 for row in rows if any(cell.strip() for cell in row)) - 1, 0)
    except (UnicodeDecodeError, ValueError, csv.Error):
        return None


def _lines_text(count: int | None) -> str:
    if count is None:
        return ""
    return f" ({count} ligne{'s' if count > 1 else ''})"


@dataclass
class _SendState:
    """Set by the worker's body generator on the event loop: whether the platform may
    have the whole file (from then on, stopping would not undo anything)."""

    sent_all: bool = False


@dataclass
class _Imported(Message):
    outcome: ImportOutcome | None
    error: str | None = None


class ImportScreen(CampaignFileScreen):
    """Import a file of dossiers into a campaign; the report line by line."""

    CSS_PATH = "import_dossiers.tcss"
    STATUS_ID = "import-status"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "send", "Importer", id="import.send"),
        Binding("ctrl+b", "check", "Vérifier sans importer", id="import.check"),
        Binding("f9", "back", "Retour", id="import.back"),
        Binding("escape", "cancel", "Annuler l'envoi", id="import.cancel"),
    ]

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start or Path.cwd()
        self.path: Path | None = None
        self.outcome: ImportOutcome | None = None
        self.campaigns: list[dict[str, Any]] = []
        self.busy = False
        self._send_state: _SendState | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="import-body"):
            yield Static("Importer des dossiers (CSV ou JSON)", id="import-title", markup=False)
            with Horizontal(id="import-campaign-row"):
                yield Label("Campagne", id="import-campaign-label")
                yield Select[int](
                    [], prompt="Chargement des campagnes…", id="import-campaign", allow_blank=True
                )
            yield FilePicker(self.start, id="import-picker")
            yield Static(
                "Choisissez le fichier (Entrée), puis Ctrl+S pour importer.",
                id="import-status",
                markup=False,
            )
            yield WorkProgressLine(id="import-progress")
            yield PaddedTable(id="import-report", zebra_stripes=True)
            yield Static("", id="import-detail", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one(FilePicker).focus()
        if not self.load_campaigns():
            self.post_message(CampaignsLoaded(error="La plateforme n'est pas connectée."))

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#import-report", PaddedTable)

    # --- campaigns -------------------------------------------------------------------

    def set_campaigns(self, campaigns: list[dict[str, Any]]) -> None:
        """The campaigns to choose from: open ones only (an import needs one)."""
        self.campaigns = [c for c in campaigns if c.get("is_open")]
        select = self.query_one("#import-campaign", Select)
        select.set_options((campaign_line(c), int(c["id"])) for c in self.campaigns)
        if self.campaigns:
            select.value = int(self.campaigns[0]["id"])
        else:
            select.prompt = "Aucune campagne ouverte"
            self._say("Aucune campagne CESP n'est ouverte : l'import est impossible.", error=True)

    @property
    def campaign_id(self) -> int | None:
        value = self.query_one("#import-campaign", Select).value
        return value if isinstance(value, int) else None

    # --- the file --------------------------------------------------------------------

    @on(FilePicker.Picked)
    def _picked(self, event: FilePicker.Picked) -> None:
        event.stop()
        self.path = event.path
        self._say(f"Fichier : {event.path} — Ctrl+S : importer ; Ctrl+B : vérifier sans importer.")

    def _file(self) -> Path | None:
        picker = self.query_one(FilePicker)
        typed = picker.input.value.strip()
        if typed:
            candidate = picker.resolve(typed)
            if candidate.is_file():
                return candidate
        return self.path

    def action_send(self) -> None:
        self._start(dry_run=False)

    def action_check(self) -> None:
        self._start(dry_run=True)

    def _start(self, *, dry_run: bool) -> None:
        if self.busy:
            return
        api = client_app(self.app).api
        if api is None:
            self._say("La plateforme n'est pas connectée.", error=True)
            return
        campaign_id = self.campaign_id
        if campaign_id is None:
            self._say("Choisissez d'abord la campagne.", error=True)
            return
        path = self._file()
        if path is None:
            self._say("Choisissez d'abord le fichier (chemin puis Entrée).", error=True)
            return
        self.busy = True
        self._say(f"Envoi de {path.name}…" if not dry_run else f"Vérification de {path.name}…")
        self._send_state = _SendState()
        self.refresh_bindings()
        self._send(api, campaign_id, path, dry_run, self._send_state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":  # while the file is on its way only
            return self.busy and self._send_state is not None
        return True

    def action_cancel(self) -> None:
        """Échap while the file is sent: stop; the platform never had it whole."""
        state = self._send_state
        if not self.busy or state is None:
            return
        if state.sent_all:
            self.notify(
                "La plateforme a reçu tout le fichier : l'import ne peut plus être annulé.",
                severity="warning",
                title="Import",
            )
            return
        self.workers.cancel_group(self, "import-send")
        self._finished()
        self._say("Envoi annulé : rien n'a été importé.", error=True)

    def _finished(self) -> None:
        self.busy = False
        self._send_state = None
        self.query_one(WorkProgressLine).hide()
        self.refresh_bindings()

    def on_work_progress(self, message: WorkProgress) -> None:
        if message.job != "import" or not self.busy:
            return
        message.stop()
        self.query_one(WorkProgressLine).show(message.done, message.total, message.text)
        if message.total is None:  # the platform has the whole file
            self.refresh_bindings()

    @work(group="import-send", exclusive=True, description="l'envoi")
    async def _send(
        self, api: Any, campaign_id: int, path: Path, dry_run: bool, state: _SendState
    ) -> None:
        from cesp_client.api.support import import_dossiers

        def read() -> bytes:
            if path.stat().st_size > MAX_BYTES:
                raise ValueError
            return path.read_bytes()

        try:
            content = await asyncio.to_thread(read)
        except ValueError:
            self.post_message(_Imported(None, "Fichier trop gros : 5 Mo au plus par import."))
            return
        except OSError as error:
            self.post_message(_Imported(None, f"Lecture impossible de {path} : {error.strerror}"))
            return
        lines = _lines_text(await asyncio.to_thread(count_import_lines, content, path.name))

        def progress(sent: int, total: int | None) -> None:
            size = total or len(content)
            text = f"Envoi de {path.name}{lines} : {human_size(sent)} / {human_size(size)}"
            self.post_message(WorkProgress("import", sent, size, text))

        def sent_all() -> None:
            state.sent_all = True  # on the event loop, before any later Échap is handled
            verb = "vérifie" if dry_run else "vérifie et importe"
            text = f"La plateforme {verb} {path.name}{lines}… (ne peut plus être annulé)"
            self.post_message(WorkProgress("import", 0, None, text))

        try:
            outcome = await import_dossiers(
                api,
                campaign_id,
                content,
                path.name,
                dry_run=dry_run,
                progress=progress,
                sent_all=sent_all,
            )
        except Offline:
            message = _Imported(None, "Hors ligne : le fichier n'a pas été envoyé.")
        except ApiError as error:
            message = _Imported(None, error.detail)
        else:
            message = _Imported(outcome)
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on__imported(self, message: _Imported) -> None:
        self._finished()
        if message.outcome is None:
            self._say(message.error or "Import impossible.", error=True)
            self.notify(message.error or "Import impossible.", severity="error", title="Import")
            return
        self.show_outcome(message.outcome)

    # --- the report ------------------------------------------------------------------

    def show_outcome(self, outcome: ImportOutcome) -> None:
        """Show the report (also for fixed data)."""
        self.outcome = outcome
        summary = outcome_summary(outcome)
        self._say(summary, error=not outcome.accepted, success=outcome.accepted)
        rows: list[tuple[str, list[Text]]] = []
        for line in outcome.lines:
            refused = line.get("status") == "refused"
            label, style = (
                ("refusée", "bold red")
                if refused
                else _RESULTS.get(str(line.get("action")), (str(line.get("action")), ""))
            )
            messages = line_messages(line)
            rows.append(
                (
                    str(line.get("line")),
                    [
                        cell(str(line.get("line") or "")),
                        cell(label, style),
                        cell(str(line.get("numero") or "—")),
                        cell(fit(str(line.get("applicant_email") or ""), 28)),
                        cell(fit(messages[0], 48) if messages else "", "red" if refused else ""),
                    ],
                )
            )
        self.table.fill(_COLUMNS, rows)
        self._show_detail(0)
        if rows:
            self.table.focus()

    def _show_detail(self, index: int) -> None:
        lines = self.outcome.lines if self.outcome is not None else []
        text = ""
        if 0 <= index < len(lines):
            line = lines[index]
            messages = line_messages(line)
            head = f"Ligne {line.get('line')}"
            if line.get("status") == "refused":
                head += " — refusée"
            elif line.get("numero"):
                head += f" — {line.get('numero')}"
            text = head + (" :\n" + "\n".join(f"• {m}" for m in messages) if messages else "")
        self.query_one("#import-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#import-report")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_detail(event.cursor_row)
