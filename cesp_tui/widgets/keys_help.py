"""F1: the current screen's keys and the global ones, in French (`CespHelpPanel`).

Textual's key panel lists the bindings of the focused widget and its ancestors with their
own descriptions, and Textual's widgets (Input, DataTable, OptionList, TextArea, Screen,
the scroll containers...) describe theirs in English ("Move cursor left", "Focus Next").
`CespHelpPanel` is Textual's public `HelpPanel` with its key table replaced: the same
bindings (`Screen.active_bindings`), each described in French — ours are already, Textual's
through `FRENCH` — and a binding of Textual's that `FRENCH` does not know is left out
rather than shown in English (a test walks F1 on every main screen).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import HelpPanel, KeyPanel, Markdown, Static

from cesp_tui.widgets.key_words import FRENCH

if TYPE_CHECKING:
    from textual.dom import DOMNode

__all__ = ["FRENCH", "CespHelpPanel", "CespKeyPanel", "KeysTable", "french_description"]


def _ours(node: DOMNode) -> bool:
    return type(node).__module__.startswith(("cesp_tui", "tests"))


def french_description(node: DOMNode, binding: Binding) -> str | None:
    """The binding's description in French, or None when it has none to show (a binding
    of Textual's that `FRENCH` does not know is not shown in English)."""
    description = binding.description
    if description in FRENCH:
        return FRENCH[description]
    if not description:
        return None
    if _ours(node) or type(node).__module__.startswith("cesp"):
        return description
    # Declared by a Textual class but inherited by ours (a subclass of Input...).
    defined_by_us = any(
        cls.__module__.startswith("cesp_tui")
        and any(
            isinstance(b, Binding) and b.description == description
            for b in cls.__dict__.get("BINDINGS", [])
        )
        for cls in type(node).__mro__
    )
    return description if defined_by_us else None


class KeysTable(Static):
    """The keys of the screen in front, described in French."""

    DEFAULT_CSS = """
    KeysTable {
        width: auto;
        height: auto;
    }
    """

    def render(self) -> Table:
        table = Table(padding=(0, 1), show_header=False, box=box.SIMPLE)
        table.add_column("", justify="right", style="bold")
        table.add_column("")
        by_action: dict[tuple[int, str], list[tuple[Binding, str]]] = defaultdict(list)
        order: list[tuple[int, str]] = []
        for node, binding, _enabled, _tooltip in self.screen.active_bindings.values():
            if binding.system:
                continue
            text = french_description(node, binding)
            if text is None:
                continue
            key = (id(node), binding.action)
            if key not in by_action:
                order.append(key)
            by_action[key].append((binding, text))
        get_key_display = self.app.get_key_display
        seen: set[tuple[str, str]] = set()
        for key in order:
            bindings = by_action[key]
            keys = " ".join(dict.fromkeys(get_key_display(b) for b, _ in bindings))
            text = bindings[0][1]
            if (keys, text) in seen:
                continue
            seen.add((keys, text))
            table.add_row(Text(keys), Text(text))
        return table


class CespKeyPanel(KeyPanel):
    """Textual's key panel (follows the focus and the bindings), with `KeysTable`."""

    def compose(self) -> ComposeResult:
        yield KeysTable()


class CespHelpPanel(HelpPanel):
    """Textual's help panel (split at the right, the focused widget's HELP above) whose
    key table speaks French."""

    def compose(self) -> ComposeResult:
        yield Markdown(id="widget-help")
        yield CespKeyPanel(id="keys-help")
