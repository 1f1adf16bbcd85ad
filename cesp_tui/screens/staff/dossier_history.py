"""A dossier's history for the support: who did what, when, on which tab and fields.

`DossierHistoryScreen(dossier_id, label)` reads ``GET /dossiers/{id}/history`` in a
worker (``events`` given: shown as is, no platform call) and lists one line per event,
oldest first as the server gives them. The history holds field keys, never values: the
screen turns them into the démarche's labels.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from cesp_core.demarches import get_demarche
from cesp_core.text import printable
from cesp_core.timefmt import paris
from cesp_tui.screens.staff.platform_list import PlatformListScreen
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter

__all__ = ["DossierHistoryScreen", "event_row", "when_text"]

#: Below this width dates and names are shortened (80-column terminals).
WIDE = 100

_COLUMNS = [
    ("at", cell("Date")),
    ("actor", cell("Qui")),
    ("action", cell("Action")),
    ("tab", cell("Onglet")),
]


def when_text(value: Any) -> str:
    """``12/03/2026 14:05`` from the server's ISO date (its own time zone kept)."""
    if not isinstance(value, str) or not value:
        return "?"
    try:
        return paris(value).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return value


def _field_labels(demarche_key: str | None, tab: str | None, fields: list[str]) -> list[str]:
    if not fields:
        return []
    try:
        demarche = get_demarche(demarche_key or "cesp")
        labels = {f.key: f.label for f in demarche.tab(tab or "").fields}
    except (KeyError, AttributeError):
        labels = {}
    return [labels.get(key, key) for key in fields]


def event_row(event: dict[str, Any], demarche: str | None = None) -> dict[str, str]:
    """What a line shows (French): date, who (and their role), action, tab, fields."""
    actor = event.get("actor") or {}
    who = str(actor.get("display_name") or "?")
    role = str(actor.get("role_label") or actor.get("role") or "")
    fields = _field_labels(demarche, event.get("tab"), list(event.get("fields") or []))
    return {
        "at": when_text(event.get("at")),
        "actor": f"{who} ({role})" if role else who,
        "action": str(event.get("action_label") or event.get("action") or ""),
        "tab": str(event.get("tab_label") or event.get("tab") or "—"),
        "fields": ", ".join(fields),
    }


class DossierHistoryScreen(PlatformListScreen):
    """The history of one dossier (read-only; F9 goes back)."""

    CSS_PATH = "dossier_history.tcss"
    STATUS_ID = "history-status"
    OFFLINE_TEXT = "Hors ligne : l'historique n'a pas pu être lu."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "back", "Retour", id="history.back"),
        Binding("r", "refresh", "Actualiser", id="history.refresh"),
    ]

    def __init__(
        self,
        dossier_id: str,
        label: str = "",
        *,
        demarche: str | None = "cesp",
        events: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(dossier_id, events)
        self.label = label or dossier_id
        self.demarche = demarche
        self.events: list[dict[str, Any]] = list(events or [])
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="history-body"):
            yield Static(f"Historique — {self.label}", id="history-title", markup=False)
            yield Static("Chargement de l'historique…", id="history-status", markup=False)
            yield PaddedTable(id="history-table", zebra_stripes=True)
            yield Static("", id="history-fields", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        if self._given:
            self.show_events(self.events)
        else:
            self.action_refresh()
        self.table.focus()

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#history-table", PaddedTable)

    async def fetch(self, api: Any) -> list[dict[str, Any]]:
        from cesp_client.api.support import dossier_history

        return list(await dossier_history(api, self.dossier_id))

    def show_items(self, items: list[dict[str, Any]]) -> None:
        self.show_events(items)

    def show_events(self, events: list[dict[str, Any]]) -> None:
        """Fill the table (also for fixed data)."""
        self.events = list(events)
        count = len(self.events)
        status = self.query_one("#history-status", Static)
        status.update(
            "Aucun événement." if not count else f"{count} événement{'s' if count > 1 else ''}."
        )
        self._build()
        self._show_fields(0)

    def on_resize(self) -> None:
        if self.is_mounted and (self.size.width >= WIDE) != self._wide:
            self._build()

    def _build(self) -> None:
        """The table; under 100 columns, the year in 2 digits and shorter tab names."""
        self._wide = wide = self.size.width >= WIDE
        rows: list[tuple[str, list[Text]]] = []
        for index, event in enumerate(self.events):
            shown = event_row(event, self.demarche)
            at = shown["at"] if wide else shown["at"][:6] + shown["at"][8:]
            rows.append(
                (
                    str(index),
                    [
                        cell(at),
                        cell(fit(shown["actor"], 30 if wide else 24)),
                        cell(fit(shown["action"], 28 if wide else 16)),
                        cell(fit(shown["tab"], 24 if wide else 18)),
                    ],
                )
            )
        keep = self.table.cursor_row
        self.table.fill(_COLUMNS, rows)
        if 0 < keep < len(rows):
            self.table.move_cursor(row=keep, animate=False)

    def _show_fields(self, index: int) -> None:
        text = ""
        if 0 <= index < len(self.events):
            shown = event_row(self.events[index], self.demarche)
            text = f"{shown['at']} — {shown['actor']} : {shown['action']}"
            if shown["tab"] != "—":
                text += f" ({shown['tab']})"
            if shown["fields"]:
                text += f"\nChamps : {shown['fields']}"
        self.query_one("#history-fields", Static).update(printable(text, multiline=True))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_fields(event.cursor_row)
