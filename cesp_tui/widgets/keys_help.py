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

if TYPE_CHECKING:
    from textual.dom import DOMNode

__all__ = ["FRENCH", "CespHelpPanel", "CespKeyPanel", "KeysTable", "french_description"]

#: Textual's own binding descriptions (Textual 8.2), in French.
FRENCH: dict[str, str] = {
    # Screen, App
    "Focus Next": "Champ suivant",
    "Focus Previous": "Champ précédent",
    "Copy selected text": "Copier la sélection",
    "Quit": "Quitter",
    # Input
    "Delete character left": "Effacer à gauche",
    "Delete character right": "Effacer à droite",
    "Delete right to start of word": "Effacer jusqu'au début du mot",
    "Delete left to start of word": "Effacer jusqu'au début du mot",
    "Delete all to the right": "Effacer jusqu'à la fin",
    "Delete all to the left": "Effacer jusqu'au début",
    "Move cursor left a word": "Mot précédent",
    "Move cursor right a word": "Mot suivant",
    "Move cursor left a word and select": "Sélectionner le mot précédent",
    "Move cursor right a word and select": "Sélectionner le mot suivant",
    "Select all": "Tout sélectionner",
    "Paste text from the clipboard": "Coller",
    "Cut selected text": "Couper la sélection",
    "Go to end": "Aller à la fin",
    "Go to start": "Aller au début",
    "Submit": "Valider",
    "Move cursor left": "Curseur à gauche",
    "Move cursor right or accept the completion suggestion": "Curseur à droite",
    "Select line end": "Sélectionner jusqu'à la fin",
    "Select line start": "Sélectionner jusqu'au début",
    "Move cursor left and select": "Sélectionner à gauche",
    "Move cursor right and select": "Sélectionner à droite",
    # Button, Link, Collapsible
    "Press button": "Activer le bouton",
    "Open link": "Ouvrir le lien",
    "Toggle collapsible": "Déplier / replier",
    # DataTable, OptionList, ListView, Tree
    "Top": "Début de la liste",
    "Bottom": "Fin de la liste",
    "Cursor down": "Ligne suivante",
    "Cursor up": "Ligne précédente",
    "Cursor Down": "Ligne suivante",
    "Cursor Up": "Ligne précédente",
    "Cursor left": "Colonne précédente",
    "Cursor right": "Colonne suivante",
    "End": "Fin",
    "Home": "Début",
    "Select": "Choisir",
    "Page down": "Page suivante",
    "Page up": "Page précédente",
    "Page Down": "Page suivante",
    "Page Up": "Page précédente",
    "Down": "Suivant",
    "Up": "Précédent",
    "First": "Premier",
    "Last": "Dernier",
    "Toggle": "Cocher / choisir",
    "Toggle option": "Cocher / décocher",
    "Next option": "Option suivante",
    "Previous option": "Option précédente",
    "Show menu": "Ouvrir la liste",
    "Dismiss menu": "Fermer la liste",
    "Previous tab": "Onglet précédent",
    "Next tab": "Onglet suivant",
    "Cursor to next sibling": "Élément suivant",
    "Cursor to previous sibling": "Élément précédent",
    "Cursor to parent": "Élément parent",
    "Cursor to next ancestor": "Élément parent suivant",
    "Expand or collapse all": "Tout déplier / replier",
    # Scroll containers
    "Scroll Up": "Défiler vers le haut",
    "Scroll Down": "Défiler vers le bas",
    "Scroll Left": "Défiler à gauche",
    "Scroll Right": "Défiler à droite",
    "Scroll Home": "Haut de la page",
    "Scroll End": "Bas de la page",
    "Page Left": "Page à gauche",
    "Page Right": "Page à droite",
    # Command palette
    "Exit the command palette": "Fermer la palette",
    "Next command": "Commande suivante",
    "Previous command": "Commande précédente",
    "Go to top": "Première commande",
    "Go to bottom": "Dernière commande",
    "Next page": "Page suivante",
    "Previous page": "Page précédente",
    # TextArea
    "Copy": "Copier",
    "Cut": "Couper",
    "Paste": "Coller",
    "Undo": "Annuler la frappe",
    "Redo": "Rétablir",
    "Delete to line end": "Effacer jusqu'à la fin de la ligne",
    "Delete to line start": "Effacer jusqu'au début de la ligne",
    "Delete line": "Effacer la ligne",
    "Cursor word left": "Mot précédent",
    "Cursor word right": "Mot suivant",
    "Cursor left word select": "Sélectionner le mot précédent",
    "Cursor right word select": "Sélectionner le mot suivant",
    "Cursor line end": "Fin de la ligne",
    "Cursor line start": "Début de la ligne",
    "Cursor page down": "Page suivante",
    "Cursor page up": "Page précédente",
    "Cursor down select": "Sélectionner vers le bas",
    "Cursor up select": "Sélectionner vers le haut",
    "Cursor line end select": "Sélectionner jusqu'à la fin de la ligne",
    "Cursor line start select": "Sélectionner jusqu'au début de la ligne",
    "Cursor left select": "Sélectionner à gauche",
    "Cursor right select": "Sélectionner à droite",
    "Select line": "Sélectionner la ligne",
}


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
