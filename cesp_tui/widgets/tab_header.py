"""The row of tabs of a dossier, each with its number key and its state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from cesp_core.demarches.model import Demarche
from cesp_core.demarches.rules import TabState

__all__ = ["STATE_TEXT", "TabHeader"]

#: How each state reads in a cell (symbol first: it survives truncation).
STATE_TEXT: dict[TabState, str] = {
    TabState.COMPLET: "✓ Complet",
    TabState.INCOMPLET: "… Incomplet",
    TabState.ERREURS: "✗ Erreurs",
    TabState.VIDE: "À saisir",
}


SHORT_LABEL_LENGTH = 12


#: Tabs are reached with Alt+1…Alt+9 (ADR 0026): the cells show the real key.
TAB_KEY_PREFIX = "Alt+"


def short_label(label: str) -> str:
    """``label``, or its first word when longer than 12 characters ("Coordonnées")."""
    return label if len(label) <= SHORT_LABEL_LENGTH else label.split()[0]


class _TabCell(Static):
    """One tab: "Alt+1 État civil" (its real key, ADR 0026) over its state."""

    def __init__(self, index: int, key: str, label: str) -> None:
        super().__init__(id=f"tab-{key}", classes="tab-cell", markup=False)
        self.tab_key = key
        self.number = index
        self.label = label
        self.state: TabState | None = None
        self.short = False
        self._text = ""

    def title(self, short: bool) -> str:
        return f"{TAB_KEY_PREFIX}{self.number} {short_label(self.label) if short else self.label}"

    @property
    def state_line(self) -> str:
        return STATE_TEXT[self.state] if self.state is not None else ""

    def natural_width(self, short: bool) -> int:
        return max(len(self.title(short)), len(self.state_line))

    def refresh_text(self) -> None:
        text = f"{self.title(self.short)}\n{self.state_line}"
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
        """Full labels when they fit; else short ones; else the widest other tabs are
        cut (ellipsis) until they fit, the current one never."""
        cells = list(self._cells.values())
        width = self.size.width or 80
        gaps = len(cells) - 1  # one column between cells
        widths: list[int] = []
        short = False
        for short in (False, True):
            widths = [cell.natural_width(short) for cell in cells]
            if sum(widths) + gaps <= width:
                break
        else:
            # Shave the widest other tab, one column at a time, until it fits.
            keep = next((i for i, c in enumerate(cells) if c.tab_key == self.current), -1)
            while sum(widths) + gaps > width:
                candidates = [i for i in range(len(cells)) if i != keep and widths[i] > 4]
                if not candidates:
                    break
                widest = max(candidates, key=lambda i: widths[i])
                widths[widest] -= 1
        for cell, cell_width in zip(cells, widths, strict=True):
            cell.short = short
            if cell.styles.width is None or cell.styles.width.value != cell_width:
                cell.styles.width = cell_width
            cell.refresh_text()

    def watch_current(self, current: str | None) -> None:
        for key, cell in self._cells.items():
            cell.set_class(key == current, "-current")
        if self.is_mounted:
            self._layout()

    def key_for(self, tab_key: str) -> str:
        """The key shown for ``tab_key`` ("Alt+1".."Alt+9")."""
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
