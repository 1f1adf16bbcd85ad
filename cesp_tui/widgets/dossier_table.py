"""The table of "Mes demandes": one row per dossier of the local store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from cesp_core.text import printable

__all__ = ["COLUMNS", "DossierRow", "DossierTable", "PaddedTable", "cell", "fit"]


def cell(text: str, style: str = "") -> Text:
    """A table cell with its own margins (see `PaddedTable`); platform text is shown
    without its control characters or escape sequences (`printable`)."""
    return Text(f" {printable(text)} ", style=style, no_wrap=True, overflow="ellipsis")


def fit(text: str, width: int) -> str:
    """``text`` cut with "…" to ``width`` characters."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class PaddedTable(DataTable[object]):
    """A DataTable whose cells carry their own one-space margins (`cell`).

    Textual 8 offsets styled cells by the table's ``cell_padding`` except on the cursor
    row; with no padding and margins inside the text, every row lines up.

    Home and End go to the first and last row in every table of the client (Textual's
    DataTable gives them to the first and last column, a no-op in a row cursor table).

    The screen's keys follow the row under the cursor: a screen's `check_action` may
    offer a key on some rows only ("Supprimer le brouillon" on a draft, "Instruire" on a
    transmitted dossier), and its footer is refreshed as the cursor moves."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "Première ligne", show=False, id="table.first"),
        Binding("end", "scroll_bottom", "Dernière ligne", show=False, id="table.last"),
    ]

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        zebra_stripes: bool = False,
    ) -> None:
        super().__init__(
            name=name,
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=zebra_stripes,
            cell_padding=0,
        )

    @on(DataTable.RowHighlighted)
    def _keys_follow_the_row(self, event: DataTable.RowHighlighted) -> None:
        if self.is_attached:
            self.screen.refresh_bindings()

    def fill(
        self,
        columns: Sequence[tuple[str, Text]],
        rows: Sequence[tuple[str, Sequence[Text]]],
        min_widths: dict[str, int] | None = None,
    ) -> None:
        """Replace columns and rows; each column as wide as its widest cell.

        The widths are given, not left to the table: Textual 8 measures auto-width
        columns when idle but keeps the cells it rendered before at the header's width,
        so a table filled by a worker could show "Ident" for "Identifiant de connexion"
        until its next change."""
        minimum = min_widths or {}
        widths = [
            max(
                label.cell_len,
                minimum.get(key, 0),
                *(cells[index].cell_len for _, cells in rows),
            )
            for index, (key, label) in enumerate(columns)
        ]
        self.clear(columns=True)
        for (key, label), width in zip(columns, widths, strict=True):
            self.add_column(label, key=key, width=width)
        for row_key, cells in rows:
            self.add_row(*cells, key=row_key)


@dataclass(frozen=True, slots=True)
class DossierRow:
    """What a row shows (already in French)."""

    dossier_id: str
    numero: str
    campaign: str
    state: str
    updated: str
    sync: str
    #: "ok", "pending", "conflict" or "refused": styles the sync cell.
    sync_kind: str = "ok"

    def cells(self) -> dict[str, str]:
        return {
            "numero": self.numero,
            "campaign": self.campaign,
            "state": self.state,
            "updated": self.updated,
            "sync": self.sync,
        }


#: (key, title) of the columns, in order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("numero", "Numéro"),
    ("campaign", "Campagne"),
    ("state", "État"),
    ("updated", "Modifiée le"),
    ("sync", "Synchronisation"),
)
#: Below this width the campaign column is left out (80-column terminals).
WIDE = 100

_SYNC_STYLES: dict[str, str] = {
    "ok": "green",
    "pending": "yellow",
    "conflict": "bold red",
    "refused": "bold red",
}


class DossierTable(PaddedTable):
    """Rows keyed by dossier id; the cursor stays on the same dossier across refreshes.

    Enter posts ``DataTable.RowSelected`` (the screen opens the dossier). Narrower than
    100 columns, the campaign is left out."""

    DEFAULT_CSS = """
    DossierTable {
        height: 1fr;
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Reprendre", id="dossiers.open"),
        Binding("up", "cursor_up", "Ligne précédente", show=False, id="dossiers.up"),
        Binding("down", "cursor_down", "Ligne suivante", show=False, id="dossiers.down"),
        Binding("pageup", "page_up", "Page précédente", show=False, id="dossiers.page_up"),
        Binding("pagedown", "page_down", "Page suivante", show=False, id="dossiers.page_down"),
    ]

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, zebra_stripes=True)
        self._rows: list[DossierRow] = []
        self._wide: bool | None = None

    def on_resize(self) -> None:
        wide = self.size.width >= WIDE
        if wide != self._wide:
            self._build()

    @property
    def dossier_rows(self) -> list[DossierRow]:
        return list(self._rows)

    @property
    def selected_id(self) -> str | None:
        """The dossier under the cursor (None when the table is empty)."""
        row = self.selected_row
        return row.dossier_id if row is not None else None

    @property
    def selected_row(self) -> DossierRow | None:
        """The row under the cursor (None when the table is empty)."""
        if not self._rows or not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row]

    def set_rows(self, rows: Sequence[DossierRow]) -> None:
        """Replace the rows, keeping the cursor on the same dossier when it is still there."""
        keep = self.selected_id
        self._rows = list(rows)
        self._build(keep)
        if self.is_attached:
            # Keys that need a selected dossier (open, delete) may just have become
            # possible: the footer shows them enabled at once, not on the next focus move.
            self.screen.refresh_bindings()

    def _build(self, keep: str | None = None) -> None:
        keep = keep or self.selected_id
        self._wide = wide = self.size.width >= WIDE
        columns = [(k, t) for k, t in COLUMNS if wide or k != "campaign"]
        rows: list[tuple[str, Sequence[Text]]] = []
        for row in self._rows:
            values = row.cells()
            cells = [
                cell(values[key], _SYNC_STYLES[row.sync_kind] if key == "sync" else "")
                for key, _ in columns
            ]
            rows.append((row.dossier_id, cells))
        self.fill([(key, cell(title)) for key, title in columns], rows)
        if keep is not None:
            index = next((i for i, r in enumerate(self._rows) if r.dossier_id == keep), None)
            if index is not None:
                self.move_cursor(row=index, animate=False)
