"""The row of tabs of a dossier, each with its number key and its state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from cesp_core.demarches.model import Demarche
from cesp_core.demarches.rules import TabState

__all__ = [
    "ABBREVIATIONS",
    "LEVELS",
    "STATE_SYMBOL",
    "STATE_TEXT",
    "NumberedTabs",
    "TabHeader",
    "abbreviations",
    "tab_keys_display",
]

#: How each state reads in a cell (symbol first: it survives truncation).
STATE_TEXT: dict[TabState, str] = {
    TabState.COMPLET: "✓ Complet",
    TabState.INCOMPLET: "… Incomplet",
    TabState.ERREURS: "✗ Erreurs",
    TabState.VIDE: "À saisir",
}


@runtime_checkable
class NumberedTabs(Protocol):
    """A screen whose tabs are reached with Alt+1…Alt+N (the dossier's)."""

    @property
    def tab_count(self) -> int: ...


def tab_keys_display(count: int) -> str:
    """How the footer names the tab keys: "Alt+1…7" for CESP, "Alt+1…6" for ASP."""
    return f"Alt+1…{count}"


#: Tabs are reached with Alt+1…Alt+9 (ADR 0026): the cells show the real key while
#: there is room, the number alone otherwise (the footer says "Alt+1…7 Onglet").
TAB_KEY_PREFIX = "Alt+"

#: The state as a symbol alone, for the narrowest headers.
STATE_SYMBOL: dict[TabState, str] = {
    TabState.COMPLET: "✓",
    TabState.INCOMPLET: "…",
    TabState.ERREURS: "✗",
    TabState.VIDE: "–",
}

#: Each tab's label, then the shorter forms chosen for narrower terminals (issue 13:
#: abbreviations on purpose, never a word cut by an ellipsis): medium (120 columns),
#: short (80 columns), tiny (60 columns).
ABBREVIATIONS: dict[str, tuple[str, str, str]] = {
    # CESP
    "État civil": ("État civil", "État civil", "Ét.civ."),
    "Adresse": ("Adresse", "Adresse", "Adr."),
    "Études": ("Études", "Études", "Étud."),
    "Volet social": ("Volet social", "Social", "Soc."),
    "Coordonnées bancaires": ("Coord. bancaires", "Banque", "Banq."),
    "Pièces justificatives": ("Pièces", "Pièces", "Pièc."),
    "Synthèse": ("Synthèse", "Synthèse", "Synth."),
    # ASP
    "Identification": ("Identification", "Identif.", "Ident."),
    "Projet médical": ("Projet médical", "Projet", "Proj."),
    "Profil poste": ("Profil poste", "Profil", "Prof."),
    "Perspectives de carrière": ("Perspectives", "Perspect.", "Persp."),
    "Candidat": ("Candidat", "Candidat", "Cand."),
    "Joindre fichier / Dossier complet": ("Joindre fichier", "Fichiers", "Fich."),
}


def abbreviations(label: str) -> tuple[str, str, str]:
    """The medium, short and tiny forms of ``label`` (`ABBREVIATIONS`; a label not
    listed: its first word, then its first four letters and a period)."""
    if label in ABBREVIATIONS:
        return ABBREVIATIONS[label]
    first = label.split()[0] if label.split() else label
    tiny = first if len(first) <= 5 else f"{first[:4]}."
    return (label if len(label) <= 16 else first, first, tiny)


@dataclass(frozen=True)
class Level:
    """How much a cell says: the key ("Alt+1 " or "1 "), which form of the label (0:
    whole, 1-3: `abbreviations`), the state in words or as a symbol."""

    alt: bool
    form: int
    state_words: bool


#: From the widest header to the narrowest; the first that fits is used.
LEVELS: tuple[Level, ...] = (
    Level(alt=True, form=0, state_words=True),
    Level(alt=True, form=1, state_words=True),
    Level(alt=False, form=1, state_words=True),
    Level(alt=False, form=2, state_words=True),
    Level(alt=False, form=2, state_words=False),
    Level(alt=False, form=3, state_words=False),
)


def tab_title(number: int, label: str, level: Level) -> str:
    """ "Alt+1 État civil", "5 Banque", "7 Synth."."""
    prefix = f"{TAB_KEY_PREFIX}{number} " if level.alt else f"{number} "
    shown = label if level.form == 0 else abbreviations(label)[level.form - 1]
    return prefix + shown


class _TabCell(Static):
    """One tab: "Alt+1 État civil" (its real key, ADR 0026) over its state."""

    def __init__(self, index: int, key: str, label: str) -> None:
        super().__init__(id=f"tab-{key}", classes="tab-cell", markup=False)
        self.tab_key = key
        self.number = index
        self.label = label
        self.state: TabState | None = None
        self.level = LEVELS[0]
        self._text = ""

    def title(self, level: Level | None = None) -> str:
        return tab_title(self.number, self.label, level or self.level)

    def state_line(self, level: Level | None = None) -> str:
        if self.state is None:
            return ""
        words = (level or self.level).state_words
        return STATE_TEXT[self.state] if words else STATE_SYMBOL[self.state]

    def natural_width(self, level: Level) -> int:
        return max(len(self.title(level)), len(self.state_line(level)))

    def refresh_text(self) -> None:
        text = f"{self.title()}\n{self.state_line()}"
        if text != self._text:
            # The header sets each cell's width itself and the height is fixed: a
            # repaint is enough (`Static.update` would lay out the whole screen).
            self._text = text
            self.update(text, layout=False)
        for tab_state in TabState:
            self.set_class(self.state is tab_state, f"-{tab_state.value}")

    def on_click(self, event: events.Click) -> None:
        event.stop()
        header = next((a for a in self.ancestors if isinstance(a, TabHeader)), None)
        if header is not None:
            header.post_message(TabHeader.TabSelected(header, self.tab_key))


class TabHeader(Widget):
    """Cells of the démarche's tabs; ``current`` is highlighted. Keys Alt+1..n are the
    screen's to bind (the cells show them)."""

    DEFAULT_CSS = """
    TabHeader {
        layout: horizontal;
        height: 3;
        width: 1fr;
        border-bottom: solid $primary-muted;
        & > .tab-cell {
            width: auto;
            height: 2;
            padding: 0;
            margin: 0 1 0 0;
            &:last-child { margin: 0; }
            text-wrap: nowrap;
            text-overflow: ellipsis;
            color: $text-muted;
            &.-complet { color: $text-success; }
            &.-erreurs { color: $text-error; }
            &.-incomplet { color: $text-warning; }
            &.-current {
                background: $primary-muted;
                color: $text;
                text-style: bold;
            }
        }
    }
    """

    current: reactive[str | None] = reactive(None)

    @dataclass
    class TabSelected(Message):
        """A tab was clicked."""

        tab_header: TabHeader
        tab: str

        @property
        def control(self) -> TabHeader:
            return self.tab_header

    def __init__(
        self,
        demarche: Demarche,
        *,
        states: Mapping[str, TabState] | None = None,
        current: str | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.demarche = demarche
        self._cells = {
            tab.key: _TabCell(index, tab.key, tab.label)
            for index, tab in enumerate(demarche.tabs, start=1)
        }
        for key, state in (states or {}).items():
            if key in self._cells:
                self._cells[key].state = state
        self.set_reactive(TabHeader.current, current)

    def compose(self) -> ComposeResult:
        yield from self._cells.values()

    def on_mount(self) -> None:
        self._layout()
        self.watch_current(self.current)

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        """The widest `LEVELS` that fits the width: whole labels at 160 columns, chosen
        abbreviations below ("Alt+5 Coord. bancaires", "5 Banque", "5 Banq."), never a
        label cut. Narrower than the last level, the cells are cut (ellipsis)."""
        cells = list(self._cells.values())
        width = self.size.width or 80
        gaps = len(cells) - 1  # one column between cells
        widths: list[int] = []
        level = LEVELS[-1]
        for level in LEVELS:
            widths = [cell.natural_width(level) for cell in cells]
            if sum(widths) + gaps <= width:
                break
        for cell, cell_width in zip(cells, widths, strict=True):
            cell.level = level
            if cell.styles.width is None or cell.styles.width.value != cell_width:
                cell.styles.width = cell_width
            cell.refresh_text()

    def watch_current(self, current: str | None) -> None:
        for key, cell in self._cells.items():
            cell.set_class(key == current, "-current")
        if self.is_mounted:
            self._layout()

    def key_for(self, tab_key: str) -> str:
        """The key of ``tab_key`` ("Alt+1".."Alt+9"), whatever the cell shows."""
        return f"{TAB_KEY_PREFIX}{self._cells[tab_key].number}"

    def set_state(self, tab_key: str, state: TabState | None) -> None:
        self.set_states({tab_key: state})

    def set_states(self, states: Mapping[str, TabState | None]) -> None:
        """Lay the cells out again only when a state changed (this runs after every
        change of a field)."""
        changed = False
        for key, state in states.items():
            cell = self._cells.get(key)
            if cell is not None and cell.state is not state:
                cell.state = state
                changed = True
        if changed and self.is_mounted:
            self._layout()

    def state_text(self, tab_key: str) -> str:
        state = self._cells[tab_key].state
        return STATE_TEXT[state] if state is not None else ""
