"""Issue 13, item 1: F1's key panel and the footer speak French on every main screen
(Textual's own widgets describe their keys in English: "Focus Next", "Move cursor left",
"Scroll Down", "Toggle"...)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.table import Table
from textual.screen import Screen
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from cesp_client.store import DraftStore, DraftWriter
from cesp_client.workspace import Workspace, load_snapshot
from cesp_tui.app import CespApp
from tests.support.dossiers import complete_cesp_values
from tests.support.tui import settle_app, tui_app

SIZE = (120, 40)

#: Words of Textual's English descriptions that no French description of ours uses.
ENGLISH = {
    "focus", "next", "previous", "cursor", "delete", "select", "scroll", "toggle", "quit",
    "submit", "copy", "paste", "cut", "move", "left", "right", "word", "dismiss", "undo",
    "redo", "open", "close", "press", "button", "command", "show", "bottom", "top", "up",
    "down", "go", "to", "the", "and", "all", "menu", "exit", "collapsible", "end", "home",
    "first", "last", "clipboard", "selected", "text", "line", "start",
}  # fmt: skip


def english_words(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", text)}
        if words & ENGLISH:
            found.append(text)
    return found


def panel_descriptions(app: CespApp) -> list[str]:
    """The descriptions column of F1's key table (whatever widget draws it)."""
    [panel] = app.screen.query("HelpPanel")
    tables = [w.render() for w in panel.query(Static)]
    tables = [t for t in tables if isinstance(t, Table)]
    assert tables, "no key table in F1's panel"
    return [str(cell) for table in tables for cell in table.columns[-1].cells if str(cell)]


def footer_descriptions(app: CespApp) -> list[str]:
    return [key.description for key in app.screen.query(FooterKey)]


def _workspace(tmp_path: Path, role: str, demarche: str | None) -> tuple[Workspace, str]:
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local("local", "jdurand", "cesp", 1, data=complete_cesp_values())
    workspace = Workspace(
        store=store,
        writer=DraftWriter(store),
        server_key="local",
        username="jdurand",
        role=role,
        applicant_demarche=demarche,
    )
    return workspace, dossier.id


def _login(_ws: Workspace, _id: str) -> Screen[Any] | None:
    return None  # the first screen


def _signup(_ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.account.signup import SignupScreen

    return SignupScreen()


def _signup_code(_ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.account.signup_code import SignupCodeScreen

    return SignupCodeScreen("lea@example.org")


def _home(ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.dossier.home import HomeScreen

    return HomeScreen(ws)


def _dossier(tab: str) -> Callable[[Workspace, str], Screen[Any]]:
    def make(ws: Workspace, dossier_id: str) -> Screen[Any]:
        from cesp_tui.screens.dossier.dossier import DossierScreen

        snapshot = load_snapshot(ws.store, dossier_id)
        assert snapshot is not None
        return DossierScreen(ws, snapshot, tab=tab)

    return make


def _agent_home(ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.staff.agent_home import AgentHomeScreen

    return AgentHomeScreen(ws)


def _support_home(_ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.staff.support_home import SupportHomeScreen

    return SupportHomeScreen()


def _jury_home(_ws: Workspace, _id: str) -> Screen[Any]:
    from cesp_tui.screens.staff.jury_home import JuryHomeScreen

    return JuryHomeScreen(campaigns=[], dossiers=[])


SCREENS: dict[str, tuple[str, Callable[[Workspace, str], Screen[Any] | None]]] = {
    "login": ("candidat", _login),
    "signup": ("candidat", _signup),
    "signup-code": ("candidat", _signup_code),
    "mes-demandes": ("candidat", _home),
    "dossier-form": ("candidat", _dossier("etat_civil")),
    "dossier-text-area": ("candidat", _dossier("projet")),
    "dossier-pieces": ("candidat", _dossier("pieces")),
    "dossier-synthese": ("candidat", _dossier("synthese")),
    "agent-queue": ("agent", _agent_home),
    "support-home": ("support", _support_home),
    "jury-home": ("instructeur", _jury_home),
}


@pytest.mark.parametrize("name", list(SCREENS))
async def test_f1_and_the_footer_speak_french(name: str, tmp_path: Path) -> None:
    role, make = SCREENS[name]
    workspace, dossier_id = _workspace(tmp_path, role, "cesp" if role == "candidat" else None)
    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle_app(app, pilot)
            screen = make(workspace, dossier_id)
            if screen is not None:
                await app.push_screen(screen)
                await settle_app(app, pilot)
            await pilot.press("f1")
            await pilot.pause()
            await pilot.pause()
            seen = panel_descriptions(app)
            assert len(seen) >= 3, seen
            assert english_words(seen) == [], (name, english_words(seen))
            assert english_words(footer_descriptions(app)) == []
            # Tab through the screen: every focused widget's keys, in French.
            for _ in range(8):
                await pilot.press("tab")
                await pilot.pause()
                seen = panel_descriptions(app)
                assert english_words(seen) == [], (name, app.focused, english_words(seen))
                assert english_words(footer_descriptions(app)) == [], (name, app.focused)
    finally:
        workspace.writer.close()
        workspace.store.close()


# --- every action in the palette, in French ----------------------------------------------------


async def test_the_palette_offers_every_action_of_the_screen(tmp_path: Path) -> None:
    from cesp_tui.screens.dossier.dossier import DossierScreen

    workspace, dossier_id = _workspace(tmp_path, "candidat", "cesp")
    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle_app(app, pilot)
            screen = _dossier("etat_civil")(workspace, dossier_id)
            await app.push_screen(screen)
            await settle_app(app, pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            for wanted in ("Mes demandes", "Enregistrer", "Enregistrer et suivant", "Aide"):
                assert any(t.split(" (")[0] == wanted for t in titles), (wanted, titles)
            assert english_words([t.split(" (")[0] for t in titles]) == [], titles
            assert isinstance(screen, DossierScreen)
            await screen.show_tab("synthese")
            await settle_app(app, pilot)
            titles = [c.title for c in app.get_system_commands(app.screen)]
            assert any(t.startswith("Transmettre ma demande") for t in titles), titles
            # Chosen in the palette, it runs: "Mes demandes" leaves the dossier.
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"mes demandes")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle_app(app, pilot)
            assert not any(isinstance(s, DossierScreen) for s in app.screen_stack)
    finally:
        workspace.writer.close()
        workspace.store.close()


# --- one key, one meaning on the account screens ----------------------------------------------


def test_an_f_key_means_one_thing_on_the_account_screens() -> None:
    """F2 was "Créer un compte" on the login screen and "Renvoyer un code" on the next."""
    import importlib
    import inspect
    import pkgutil

    import cesp_tui.screens.account as account
    import cesp_tui.screens.etablissement as etablissement
    from cesp_tui.screens.account.account_base import AccountScreen

    meanings: dict[str, set[str]] = {}
    for package in (account, etablissement):
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if not issubclass(cls, AccountScreen):
                    continue
                for binding in cls.__dict__.get("BINDINGS", []):
                    for key in binding.key.split(","):
                        if key.startswith("f") and key[1:].isdigit() and key != "f9":
                            meanings.setdefault(key, set()).add(binding.description)
    assert meanings["f2"] == {"Créer un compte"}, meanings
    clashes = {key: found for key, found in meanings.items() if len(found) > 1}
    assert clashes == {}


async def test_an_open_list_names_its_keys_in_french(tmp_path: Path) -> None:
    """Textual's `Select` overlay binds Esc as "Dismiss menu": the footer said it in
    English on the export screen (issue 13, seen in tmux)."""
    from textual.widgets import Select

    from cesp_tui.screens.staff.export_dossiers import ExportScreen

    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_app(app, pilot)
        await app.push_screen(ExportScreen(base=tmp_path))
        await settle_app(app, pilot)
        select = app.screen.query_one("#export-format", Select)
        select.focus()
        await pilot.press("enter")
        await settle_app(app, pilot)
        assert select.expanded
        shown = footer_descriptions(app)
        assert "Fermer la liste" in shown, shown
        assert english_words(shown) == [], shown
