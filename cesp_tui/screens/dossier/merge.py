"""Merge two versions of a tab, field by field, after the server answered 412.

The sync engine parks a save whose tab changed on the server too, differently
(`SyncConflict`). This box shows every field where the two versions differ — label, the
value here ("Ma version"), the server's ("Version du serveur") — and nothing is chosen at
first: each field needs a decision (``m`` mine, ``s`` the server's, Enter alternates; ``g``
/ ``r`` for all), and "Valider" (Ctrl+S) stays unavailable until every field has one, so a
stray key never overwrites anything. The result is the merged tab; the caller writes it
locally and re-queues it with the server's version (`cesp_client.sync.resolve_conflict`).
"Plus tard" keeps the save parked and both versions untouched.

With the last synced copy (``base``, three-way, `cesp_client.sync.three_way`), only the
fields changed on both sides are asked; a field changed on one side only is taken from
that side (listed above the table: "Modifié ici seulement…", "Modifié sur le serveur
seulement…"), so "r" (all the server's) never undoes a change made only here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from cesp_client.sync.three_way import three_way
from cesp_core.demarches.model import Demarche, Field, FieldType, Value
from cesp_tui.screens.dossier.synthese import display_value
from cesp_tui.widgets.dossier_table import PaddedTable, cell
from cesp_tui.widgets.footer import StableFooter

__all__ = ["Choice", "MergeScreen", "differing_fields", "merged_values"]

Choice = Literal["mine", "theirs"]

_CHOICE_TEXT: dict[Choice | None, Text] = {
    None: cell("à choisir", "bold yellow"),
    "mine": cell("ma version", "bold green"),
    "theirs": cell("serveur", "bold cyan"),
}


def differing_fields(
    demarche: Demarche, tab: str, mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> list[str]:
    """Keys whose values differ, in the tab's order (keys the tab does not know last)."""
    keys = set(mine) | set(theirs)
    differ = {k for k in keys if _normal(mine.get(k)) != _normal(theirs.get(k))}
    order = [f.key for f in demarche.tab(tab).fields] if _has_tab(demarche, tab) else []
    return [k for k in order if k in differ] + sorted(differ - set(order))


def _has_tab(demarche: Demarche, tab: str) -> bool:
    return any(t.key == tab for t in demarche.tabs)


def _normal(value: Any) -> Any:
    """Blank and absent mean the same."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def merged_values(
    mine: Mapping[str, Any], theirs: Mapping[str, Any], choices: Mapping[str, Choice]
) -> dict[str, Value]:
    """The server's tab with the fields chosen "mine" taken from here."""
    merged: dict[str, Value] = dict(theirs)
    for key, choice in choices.items():
        if choice == "mine":
            if key in mine:
                merged[key] = mine[key]
            else:
                merged.pop(key, None)
    return merged


class MergeScreen(ModalScreen[dict[str, Value] | None]):
    """Dismissed with the merged tab, or None ("Plus tard": nothing changes)."""

    CSS_PATH = "merge.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "choose('mine')", "Ma version", id="merge.mine"),
        Binding("s", "choose('theirs')", "Serveur", id="merge.theirs"),
        Binding("g", "choose_all('mine')", "Tout : ma version", id="merge.all_mine"),
        Binding("r", "choose_all('theirs')", "Tout : serveur", id="merge.all_theirs"),
        Binding("ctrl+s", "apply", "Valider", id="merge.apply"),
        Binding("p", "later", "Plus tard", id="merge.later"),
    ]

    def __init__(
        self,
        demarche: Demarche,
        tab: str,
        mine: Mapping[str, Any],
        theirs: Mapping[str, Any],
        server_version: int,
        base: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.demarche = demarche
        self.tab_key = tab
        self.mine = dict(mine)
        self.theirs = dict(theirs)
        self.server_version = server_version
        differ = differing_fields(demarche, tab, self.mine, self.theirs)
        #: Fields changed on one side only (three-way): taken from that side, not asked.
        self.only_mine: list[str] = []
        self.only_theirs: list[str] = []
        if base:
            merge = three_way(base, self.mine, self.theirs)
            asked = set(merge.conflicts)
            self.only_mine = [k for k in differ if k not in asked and k in merge.mine_changed]
            self.only_theirs = [k for k in differ if k not in asked and k not in self.only_mine]
            differ = [k for k in differ if k in asked]
        self.keys = differ
        self.choices: dict[str, Choice | None] = dict.fromkeys(self.keys)

    # --- composition -------------------------------------------------------------------

    @property
    def tab_label(self) -> str:
        if _has_tab(self.demarche, self.tab_key):
            return self.demarche.tab(self.tab_key).label
        return self.tab_key

    def _field(self, key: str) -> Field:
        if _has_tab(self.demarche, self.tab_key):
            try:
                return self.demarche.tab(self.tab_key).field(key)
            except KeyError:
                pass
        return Field(key, key, FieldType.TEXT)

    def compose(self) -> ComposeResult:
        with Vertical(id="merge-box") as box:
            box.border_title = f"Conflit : « {self.tab_label} »"
            yield Static(
                f"« {self.tab_label} » a été modifié ailleurs (version {self.server_version} "
                "sur le serveur) depuis votre dernière synchronisation. Choisissez, champ par "
                "champ, la valeur à garder : rien n'est écrasé sans votre choix.",
                id="merge-help",
                markup=False,
            )
            if self.only_mine or self.only_theirs:
                yield Static(self._sides_text(), id="merge-sides", markup=False)
            yield PaddedTable(id="merge-table", zebra_stripes=True)
            yield Static("", id="merge-status", markup=False)
        yield StableFooter()

    def _labels(self, keys: list[str]) -> str:
        return ", ".join(self._field(k).label for k in keys)

    def _sides_text(self) -> str:
        lines = []
        if self.only_mine:
            lines.append(f"Modifié ici seulement (gardé) : {self._labels(self.only_mine)}.")
        if self.only_theirs:
            lines.append(
                f"Modifié sur le serveur seulement (repris) : {self._labels(self.only_theirs)}."
            )
        if self.keys:
            lines.append(f"Modifié des deux côtés (à choisir) : {self._labels(self.keys)}.")
        return "\n".join(lines)

    def on_mount(self) -> None:
        # The merge opens uncovered (issue 13): the notices that led here ("« … »
        # enregistré.", "ouvrez-la…") are stale once it is in front; later ones wait
        # until it closes (its toasts are hidden: merge.tcss).
        self.app.clear_notifications()
        table = self.table
        rows = []
        for key in self.keys:
            field = self._field(key)
            rows.append(
                (
                    key,
                    [
                        cell(field.label),
                        cell(display_value(field, self.mine.get(key))),
                        cell(display_value(field, self.theirs.get(key))),
                        _CHOICE_TEXT[None],
                    ],
                )
            )
        table.fill(
            [
                ("field", cell("Champ")),
                ("mine", cell("Ma version")),
                ("theirs", cell("Version du serveur")),
                ("choice", cell("Retenue")),
            ],
            rows,
            # a choice never widens the column (see PaddedTable.fill)
            min_widths={"choice": max(t.cell_len for t in _CHOICE_TEXT.values())},
        )
        table.focus()
        self._refresh_status()

    @property
    def table(self) -> DataTable[object]:
        return self.query_one("#merge-table", DataTable)

    # --- choices -----------------------------------------------------------------------

    def current_key(self) -> str | None:
        if not self.keys:
            return None
        row = self.table.cursor_row
        return self.keys[row] if 0 <= row < len(self.keys) else None

    def choose(self, key: str, choice: Choice) -> None:
        self.choices[key] = choice
        self.table.update_cell(key, "choice", _CHOICE_TEXT[choice])
        self._refresh_status()

    def _refresh_status(self) -> None:
        left = sum(1 for c in self.choices.values() if c is None)
        status = self.query_one("#merge-status", Static)
        if left:
            status.update(
                f"{left} champ{'s' if left > 1 else ''} à choisir : m (ma version), "
                "s (serveur), Entrée (alterner), g / r (tous)."
            )
        else:
            status.update("Tout est choisi : Ctrl+S pour valider la fusion.")
        self.refresh_bindings()

    @property
    def complete(self) -> bool:
        return all(choice is not None for choice in self.choices.values())

    def result(self) -> dict[str, Value]:
        chosen: dict[str, Choice] = {k: c for k, c in self.choices.items() if c is not None}
        chosen.update(dict.fromkeys(self.only_mine, "mine"))
        return merged_values(self.mine, self.theirs, chosen)

    # --- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "apply":
            return True if self.complete else None
        return True

    def action_choose(self, choice: Choice) -> None:
        key = self.current_key()
        if key is None:
            return
        self.choose(key, choice)
        table = self.table
        if table.cursor_row < len(self.keys) - 1:
            table.move_cursor(row=table.cursor_row + 1, animate=False)

    def action_choose_all(self, choice: Choice) -> None:
        for key in self.keys:
            self.choose(key, choice)

    @on(DataTable.RowSelected, "#merge-table")
    def _enter(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = str(event.row_key.value)
        current = self.choices.get(key)
        self.choose(key, "theirs" if current == "mine" else "mine")

    def action_apply(self) -> None:
        if not self.complete:
            self.notify("Choisissez une valeur pour chaque champ.", severity="warning")
            return
        self.dismiss(self.result())

    def action_later(self) -> None:
        self.dismiss(None)
