"""A platform dossier read by the support: the owner's `DossierScreen`, read-only, with
the platform's verdict on the real values (`StaffDossierScreen`, ``staff_dossier.py``),
plus keys for its history, its mails and the diagnostic bundle.

`SupportActions` (mixed into this screen and the support home) opens the history and
the mails, and saves the diagnostic bundle to a JSON file after asking where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static

from cesp_client.api.errors import ApiError, Offline
from cesp_core.timefmt import file_stamp
from cesp_tui.screens.staff.staff_dossier import (
    ServerVerdict,
    StaffDossierScreen,
    fetch_consulted,
    support_synthesis,
)
from cesp_tui.services import client_app
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import work

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient

__all__ = [
    "DiagnosticModal",
    "ServerVerdict",
    "SupportActions",
    "SupportDossierScreen",
    "default_diagnostic_path",
    "fetch_consulted",
    "support_synthesis",
    "write_diagnostic",
]


# --- the bundle -------------------------------------------------------------------------


def default_diagnostic_path(numero: str | None, base: Path | None = None) -> Path:
    """``diagnostic-CESP-2026-000012-20260312-1405.json`` in the current directory."""
    stamp = file_stamp()
    name = f"diagnostic-{numero or 'dossier'}-{stamp}.json"
    return (base or Path.cwd()) / name


def write_diagnostic(bundle: dict[str, Any], path: Path) -> Path:
    """Write the bundle (UTF-8, indented), through a temporary file. Blocking."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), encoding="utf-8")
    partial.replace(path)
    return path


class DiagnosticModal(ModalScreen[Path | None]):
    """Where to write the diagnostic bundle (a sensible default, editable)."""

    CSS_PATH = "support_home.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "cancel", "Annuler", id="diagnostic.back"),
        Binding("escape", "cancel", "Annuler", show=False, id="diagnostic.cancel"),
    ]

    def __init__(self, default: Path, label: str = "") -> None:
        super().__init__()
        self.default = default
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(id="diagnostic-box") as box:
            box.border_title = "Enregistrer le diagnostic"
            yield Static(
                f"Diagnostic du dossier {self.label} (NIR et IBAN masqués) : "
                "fichier JSON à joindre au ticket. Entrée : enregistrer.",
                id="diagnostic-help",
                markup=False,
            )
            yield Input(str(self.default), id="diagnostic-path", select_on_focus=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#diagnostic-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.notify("Indiquez le chemin du fichier.", severity="warning")
            return
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class _DiagnosticSaved(Message):
    path: Path | None
    error: str | None = None


class SupportActions:
    """History (Ctrl+G), mails (Ctrl+O), diagnostic (Ctrl+T) of a platform dossier.

    The screen mixing it in says which dossier: `support_target()` returns (id, label)."""

    def support_target(self) -> tuple[str, str] | None:
        raise NotImplementedError

    def action_history(self) -> None:
        from cesp_tui.screens.staff.dossier_history import DossierHistoryScreen

        assert isinstance(self, Screen)
        target = self.support_target()
        if target is None:
            self.notify("Choisissez d'abord un dossier.", severity="warning")
            return
        self.app.push_screen(DossierHistoryScreen(target[0], target[1]))

    def action_mails(self) -> None:
        from cesp_tui.screens.staff.dossier_mails import DossierMailsScreen

        assert isinstance(self, Screen)
        target = self.support_target()
        if target is None:
            self.notify("Choisissez d'abord un dossier.", severity="warning")
            return
        self.app.push_screen(DossierMailsScreen(target[0], target[1]))

    def action_diagnostic(self) -> None:
        assert isinstance(self, Screen)
        target = self.support_target()
        if target is None:
            self.notify("Choisissez d'abord un dossier.", severity="warning")
            return
        dossier_id, label = target
        api = client_app(self.app).api

        def chosen(path: Path | None) -> None:
            if path is None:
                return
            if api is None:
                self.notify("Plateforme non connectée.", severity="error")
                return
            self._save_diagnostic(api, dossier_id, path)

        self.app.push_screen(DiagnosticModal(default_diagnostic_path(label), label), chosen)

    @work(group="support-diagnostic", exclusive=True, description="l'enregistrement du diagnostic")
    async def _save_diagnostic(self, api: ApiClient, dossier_id: str, path: Path) -> None:
        import asyncio

        from cesp_client.api.support import diagnostic

        assert isinstance(self, Screen)
        try:
            bundle = await diagnostic(api, dossier_id)
            written = await asyncio.to_thread(write_diagnostic, bundle, path)
        except Offline:
            self.post_message(_DiagnosticSaved(None, "Hors ligne : diagnostic non enregistré."))
        except ApiError as error:
            self.post_message(_DiagnosticSaved(None, error.detail))
        except OSError as error:
            self.post_message(
                _DiagnosticSaved(None, f"Écriture impossible dans {path} : {error.strerror}")
            )
        else:
            self.post_message(_DiagnosticSaved(written))

    #: Where the last diagnostic was written (None: none yet).
    last_diagnostic: Path | None = None

    def on__diagnostic_saved(self, message: _DiagnosticSaved) -> None:
        assert isinstance(self, Screen)
        message.stop()
        if message.path is None:
            self.notify(message.error or "Diagnostic non enregistré.", severity="error")
            return
        self.last_diagnostic = message.path
        self.notify(f"Diagnostic enregistré dans {message.path}", title="Diagnostic", timeout=15)


# --- the screen -------------------------------------------------------------------------


class SupportDossierScreen(SupportActions, StaffDossierScreen):
    """The owner's dossier screen for the support, with history, mails and diagnostic."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "history", "Historique", id="support_dossier.history"),
        Binding("ctrl+o", "mails", "E-mails", id="support_dossier.mails"),
        Binding("ctrl+t", "diagnostic", "Diagnostic", id="support_dossier.diagnostic"),
    ]

    def support_target(self) -> tuple[str, str] | None:
        return self.dossier_id, self.dossier.numero or self.dossier_id
