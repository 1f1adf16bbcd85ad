"""Command palette providers (Ctrl+P): jump to a tab, a field, a piece, or another dossier.

`DossierCommands` serves `DossierScreen` ("Onglet 3 : Études", "Aller au champ : N° de
sécurité sociale", "Pièce : RIB", "Ouvrir la demande CESP-2026-000042"...);
`HomeCommands` serves "Mes demandes" (open any dossier, start a new one). The account's
dossiers are read from the draft store in a thread when the palette opens.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher

from cesp_core.demarches import rules
from cesp_core.demarches.model import TabKind

if TYPE_CHECKING:
    from cesp_client.workspace import Workspace
    from cesp_tui.screens.dossier.dossier import DossierScreen
    from cesp_tui.widgets.dossier_table import DossierRow

__all__ = ["DossierCommands", "HomeCommands", "fold"]


def fold(text: str) -> str:
    """``text`` without accents, same length ("sécurité" -> "securite"): users type
    without accents, labels have them."""
    decomposed = unicodedata.normalize("NFD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded if len(folded) == len(text) else text


def _highlight(matcher: Matcher, text: str, folded: str) -> Content:
    """The original ``text`` with the matched characters of its folded form styled."""
    highlighted = matcher.highlight(folded)
    if highlighted.plain != folded:
        return Content(text)
    return Content(text, spans=list(highlighted.spans))


def _rows(workspace: Workspace) -> list[DossierRow]:
    from cesp_tui.screens.dossier.home import dossier_rows

    return dossier_rows(
        workspace.store,
        workspace.server_key,
        workspace.username,
        campaigns=dict(workspace.campaign_labels),
    )


class _DossierList(Provider):
    """The account's dossiers, read once per opening of the palette."""

    _dossiers: list[DossierRow]

    async def startup(self) -> None:
        workspace = getattr(self.screen, "workspace", None)
        self._dossiers = [] if workspace is None else await asyncio.to_thread(_rows, workspace)

    def _open(self, dossier_id: str) -> None:
        opener = getattr(self.screen, "open_dossier", None)
        if opener is not None:
            opener(dossier_id)

    def dossier_commands(self) -> list[tuple[str, Callable[[], object], str]]:
        current = getattr(self.screen, "dossier_id", None)
        return [
            (
                f"Ouvrir la demande {row.numero}",
                partial(self._open, row.dossier_id),
                f"{row.campaign} · {row.state} · {row.sync}",
            )
            for row in self._dossiers
            if row.dossier_id != current
        ]

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        return self.dossier_commands()

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(fold(query))
        for text, command, help_text in self.commands():
            folded = fold(text)
            score = matcher.match(folded)
            if score > 0:
                yield Hit(score, _highlight(matcher, text, folded), command, text, help_text)

    async def discover(self) -> Hits:
        for text, command, help_text in self.commands():
            yield DiscoveryHit(text, command, text=text, help=help_text)


class DossierCommands(_DossierList):
    """Tabs, fields and pieces of the open dossier, and the other dossiers."""

    def _screen(self) -> DossierScreen | None:
        from cesp_tui.screens.dossier.dossier import DossierScreen

        screen = self.screen
        return screen if isinstance(screen, DossierScreen) else None

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self._screen()
        if screen is None:
            return self.dossier_commands()
        demarche = screen.demarche
        found: list[tuple[str, Callable[[], object], str]] = []

        def go(tab: str, field: str | None = None) -> Callable[[], object]:
            return partial(screen.call_next, screen.show_tab, tab, field)

        for number, tab in enumerate(demarche.tabs, start=1):
            found.append((f"Onglet {number} : {tab.label}", go(tab.key), "Changer d'onglet"))
        for tab in demarche.tabs:
            if tab.kind is TabKind.SYNTHESE:
                continue
            for field in rules.visible_fields(demarche, tab.key, screen.data):
                found.append((f"Aller au champ : {field.label}", go(tab.key, field.key), tab.label))
            if tab.kind is TabKind.PIECES:
                for piece in demarche.pieces:
                    found.append((f"Pièce : {piece.label}", go(tab.key, piece.key), tab.label))
        return found + self.dossier_commands()

    async def discover(self) -> Hits:
        screen = self._screen()
        for text, command, help_text in self.commands():
            if screen is not None and text.startswith("Aller au champ"):
                continue  # too many to list unasked: they show when typing
            yield DiscoveryHit(text, command, text=text, help=help_text)


class HomeCommands(_DossierList):
    """ "Mes demandes": open any dossier, start a new one."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        found = self.dossier_commands()
        new = getattr(self.screen, "action_new", None)
        if new is not None:
            found.append(("Nouvelle demande", new, "Pour la campagne ouverte"))
        return found
