"""The mails sent for a dossier, for the support: a list and the selected mail's body.

`DossierMailsScreen(dossier_id, label)` reads ``GET /dossiers/{id}/mails`` in a worker
(``mails`` given: shown as is). The platform has already masked codes, links, tokens,
NIR and IBAN in them; the list is latest first, with each mail's delivery state.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static

from cesp_core.text import plural, printable
from cesp_tui.screens.staff.dossier_history import when_text
from cesp_tui.screens.staff.platform_list import PlatformListScreen
from cesp_tui.widgets.dossier_table import PaddedTable, cell, fit
from cesp_tui.widgets.footer import StableFooter

__all__ = ["DossierMailsScreen", "mail_text"]

_COLUMNS = [
    ("date", cell("Date")),
    ("status", cell("État")),  # before the long columns: visible at 80 columns
    ("subject", cell("Objet")),
    ("to", cell("Destinataire")),
]
_STATUS_STYLES = {"envoye": "green", "en_attente": "yellow", "echec": "bold red"}


def mail_text(mail: dict[str, Any]) -> str:
    """The mail as read below the list: headers, then its (masked) body."""
    lines = [
        f"Objet : {mail.get('subject') or ''}",
        f"À : {mail.get('to') or ''}",
        f"Créé le {when_text(mail.get('created_at'))}"
        + (f" — envoyé le {when_text(mail.get('sent_at'))}" if mail.get("sent_at") else ""),
        f"État : {mail.get('status_label') or mail.get('status') or ''}"
        + (f" ({plural(int(mail.get('attempts') or 0), 'essai')})" if mail.get("attempts") else ""),
    ]
    if mail.get("last_error"):
        lines.append(f"Dernière erreur : {mail['last_error']}")
    return printable("\n".join(lines) + "\n\n" + str(mail.get("body") or ""), multiline=True)


class DossierMailsScreen(PlatformListScreen):
    """Every mail of one dossier (read-only; F9 goes back)."""

    CSS_PATH = "dossier_mails.tcss"
    STATUS_ID = "mails-status"
    OFFLINE_TEXT = "Hors ligne : les e-mails n'ont pas pu être lus."

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "back", "Retour", id="mails.back"),
        Binding("r", "refresh", "Actualiser", id="mails.refresh"),
    ]

    def __init__(
        self, dossier_id: str, label: str = "", *, mails: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(dossier_id, mails)
        self.label = label or dossier_id
        self.mails: list[dict[str, Any]] = list(mails or [])

    def compose(self) -> ComposeResult:
        with Vertical(id="mails-body"):
            yield Static(f"E-mails — {self.label}", id="mails-title", markup=False)
            yield Static("Chargement des e-mails…", id="mails-status", markup=False)
            yield PaddedTable(id="mails-table", zebra_stripes=True)
            with VerticalScroll(id="mail-body"):
                yield Static("", id="mail-text", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        if self._given:
            self.show_mails(self.mails)
        else:
            self.action_refresh()
        self.table.focus()

    @property
    def table(self) -> PaddedTable:
        return self.query_one("#mails-table", PaddedTable)

    @property
    def shown_text(self) -> str:
        """The text of the mail shown below the list."""
        return str(self.query_one("#mail-text", Static).content)

    async def fetch(self, api: Any) -> list[dict[str, Any]]:
        from cesp_client.api.support import dossier_mails

        return list(await dossier_mails(api, self.dossier_id))

    def show_items(self, items: list[dict[str, Any]]) -> None:
        self.show_mails(items)

    def show_mails(self, mails: list[dict[str, Any]]) -> None:
        """Fill the list (also for fixed data) and show the first mail."""
        self.mails = list(mails)
        count = len(self.mails)
        self.query_one("#mails-status", Static).update(
            "Aucun e-mail pour ce dossier."
            if not count
            else f"{count} e-mail{'s' if count > 1 else ''} (le plus récent d'abord)."
        )
        rows: list[tuple[str, list[Text]]] = []
        for index, mail in enumerate(self.mails):
            status = str(mail.get("status") or "")
            rows.append(
                (
                    str(index),
                    [
                        cell(when_text(mail.get("created_at"))),
                        cell(
                            str(mail.get("status_label") or status),
                            _STATUS_STYLES.get(status, ""),
                        ),
                        cell(fit(str(mail.get("subject") or ""), 40)),
                        cell(fit(str(mail.get("to") or ""), 30)),
                    ],
                )
            )
        self.table.fill(_COLUMNS, rows)
        self._show(0)

    def _show(self, index: int) -> None:
        text = mail_text(self.mails[index]) if 0 <= index < len(self.mails) else ""
        self.query_one("#mail-text", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show(event.cursor_row)
