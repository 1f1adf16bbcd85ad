"""The keymap is safe by construction (ADR 0026): printable keys typed where a field has
focus are that field's data or nothing; tabs are on Alt+digits; every binding has an id
and a French description."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.screen import Screen

import cesp_tui
from cesp_client.config import ConfigError, load_config
from cesp_client.embedded import EmbeddedStartError
from cesp_client.services import ClientServices
from cesp_core.demarches.cesp import SITUATIONS_FAMILIALES
from cesp_tui.app import CespApp
from cesp_tui.screens.account.mailbox import MailboxScreen
from cesp_tui.widgets.field_row import choice_for_letter
from tests.support.tui import dossier_screen_of, run_app, tui_app
from tests.tui.test_dossier_keying import form_view, new_dossier, settle

SIZE = (80, 24)

#: The only screens/widgets where a single printable key may be an action: lists, where
#: no text field has focus (their footers show the letters).
LETTER_SCREENS = {
    "HomeScreen",  # Mes demandes
    "CandidaturesHomeScreen",  # Mes candidatures (établissement)
    "AgentHomeScreen",
    "RecapScreen",
    "MailboxScreen",
    "MergeScreen",
    "ConfirmModal",
    "PiecesScreen",
    "DossierMailsScreen",
    "DossierHistoryScreen",
    # A choice field: Space selects the highlighted option (the field's data).
    "ChoiceSet",
}


def _classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {}
    for info in pkgutil.walk_packages(cesp_tui.__path__, "cesp_tui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("cesp_tui"):
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return list(found.values())


def _own_bindings(cls: type[DOMNode]) -> list[Binding]:
    raw = cls.__dict__.get("BINDINGS", [])
    return [b for b in raw if isinstance(b, Binding)] + [
        Binding(*b) for b in raw if isinstance(b, tuple)
    ]


ENGLISH = {"quit", "dismiss", "save", "open", "close", "help", "back", "next", "cancel"}


def test_every_binding_has_an_id_and_a_french_description() -> None:
    classes = _classes()
    assert len(classes) > 40
    seen = 0
    for cls in classes:
        for binding in _own_bindings(cls):
            seen += 1
            where = f"{cls.__qualname__}: {binding.key}"
            assert binding.id, where
            assert binding.description, where
            assert binding.description.lower() not in ENGLISH, where
    assert seen > 100


def test_a_single_printable_key_is_an_action_only_on_list_screens() -> None:
    for cls in _classes():
        for binding in _own_bindings(cls):
            for key in binding.key.split(","):
                # (the private-use keys ESC+digit arrives as are not printable)
                printable = (len(key) == 1 and key.isprintable()) or key == "space"
                if printable:
                    assert cls.__name__ in LETTER_SCREENS, f"{cls.__qualname__}: {key!r}"


def test_a_letter_picks_by_visible_label_never_by_hidden_value() -> None:
    # "couple" is the hidden value of "Marié(e), pacsé(e) ou en concubinage".
    assert choice_for_letter(SITUATIONS_FAMILIALES, "c", "celibataire").value == "celibataire"  # type: ignore[union-attr]
    assert choice_for_letter(SITUATIONS_FAMILIALES, "m", "celibataire").value == "couple"  # type: ignore[union-attr]


async def test_printable_keys_on_a_radio_row_never_change_tab_nor_field(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        form = form_view(app).form
        radio = form.row("civilite").control_widget
        radio.focus()
        await pilot.pause()
        await pilot.press("5", "x", "2", "?", ",")
        await settle(app, pilot)
        assert screen.current_tab == "etat_civil"
        assert app.focused is radio
        assert form.row("nom_naissance").value is None
        assert form.row("civilite").value is None
        await pilot.press("m")  # the visible label "M."
        await settle(app, pilot)
        assert form.row("civilite").value == "M"
        assert app.focused is radio


async def test_c_on_situation_familiale_keeps_celibataire(tmp_path: Path) -> None:
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="volet_social")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        form = form_view(app).form
        row = form.row("situation_familiale")
        row.set_value("celibataire")
        row.control_widget.focus()
        await pilot.pause()
        await pilot.press("c", "6", "c")
        await settle(app, pilot)
        assert row.value == "celibataire"
        assert dossier_screen_of(app).current_tab == "volet_social"


async def test_a_screen_pushed_under_an_open_palette_never_leaves_two(tmp_path: Path) -> None:
    """Ctrl+P on a screen while a dossier opens (a first login): the palette goes, and
    the next Ctrl+P opens one palette (it ended with DuplicateIds)."""
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        app.push_screen(Screen(id="dossier-like"))  # what the login's worker does
        await pilot.pause()
        await pilot.press(*"Hôpital")  # typed for the palette: lands nowhere harmful
        assert not any(isinstance(s, CommandPalette) for s in app.screen_stack)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert sum(isinstance(s, CommandPalette) for s in app.screen_stack) == 1
        assert isinstance(app.screen, CommandPalette)


async def test_f4_opens_the_local_mailbox_from_any_screen(tmp_path: Path) -> None:
    app = tui_app(tmp_path, platform=_NoStartPlatform(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(Screen(id="logged-in-like"))
        await pilot.pause()
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MailboxScreen)
        await pilot.press("f4")  # not a second one
        await pilot.pause()
        assert sum(isinstance(s, MailboxScreen) for s in app.screen_stack) == 1


class _NoStartPlatform:
    """An embedded platform that is still starting (its Maildir is known)."""

    def __init__(self, root: Path) -> None:
        self.maildir_path = root / "maildir"
        self.maildir_path.mkdir(parents=True, exist_ok=True)

    def start(self, platform_dir: Path) -> str:
        raise EmbeddedStartError("pas dans ce test")

    def stop(self) -> None: ...


def test_both_commands_help_is_french(capsys: pytest.CaptureFixture[str]) -> None:
    from cesp_server.cli import build_parser as server_parser
    from cesp_tui.__main__ import build_parser as client_parser

    for build, argv in ((server_parser, ["--help"]), (client_parser, ["--help"])):
        with pytest.raises(SystemExit):
            build().parse_args(argv)
        out = capsys.readouterr().out
        assert out.startswith("utilisation : ")
        assert "afficher cette aide et quitter" in out
        for english in ("usage:", "show this help", "positional arguments"):
            assert english not in out
    with pytest.raises(SystemExit):
        server_parser().parse_args(["inconnue"])
    assert "erreur : argument COMMANDE : choix invalide" in capsys.readouterr().err


async def test_a_user_keymap_in_client_toml_remaps_by_binding_id(tmp_path: Path) -> None:
    toml = tmp_path / "client.toml"
    toml.write_text('server_url = "http://127.0.0.1:9"\n[keymap]\n"app.help" = "f12"\n')
    config = load_config(config_path=toml, environ={}, data_dir=tmp_path)
    assert config.keymap == {"app.help": "f12"}
    app = CespApp(ClientServices.from_config(config))
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        assert "f12" in app.screen.active_bindings  # what the footer and F1 list
        assert "f1" not in app.screen.active_bindings
        await pilot.press("f12")
        await pilot.pause()
        assert app.screen.query("HelpPanel")


def test_a_bad_keymap_is_explained_in_french(tmp_path: Path) -> None:
    toml = tmp_path / "client.toml"
    toml.write_text('[keymap]\n"app.help" = 12\n')
    with pytest.raises(ConfigError, match="touche attendue"):
        load_config(config_path=toml, environ={})


async def test_the_palette_offers_the_mailbox_in_french(tmp_path: Path) -> None:
    app = tui_app(tmp_path, platform=_NoStartPlatform(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Boîte aux lettres locale (F4)" in titles
        assert "Aide" in titles and "Quitter" in titles
