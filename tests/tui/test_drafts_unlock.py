"""The client's drafts encrypted at rest, end to end (Pilot, a real platform on loopback):
what is typed never reaches drafts.db in clear; without a keyring an offline restart asks
for the password; a changed password asks for the previous one or a reset that says
first what it loses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from sqlmodel import Session, select
from textual.pilot import Pilot

from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.account.unlock import UnlockModal
from cesp_tui.screens.common.confirm import ConfirmModal
from tests.support.accounts import DEFAULT_PASSWORD, create_cesp_account
from tests.support.dossiers import CESP_IBAN, make_campaign, nir_with_key
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import tui_app, until
from tests.tui.test_account_flow import banner_text, log_in, settle
from tests.tui.test_store_crypto import NoKeyring

SIZE = (80, 24)
EMAIL = "jeanne.martin@example.org"
USERNAME = "jeanne.dupont"
NIR = nir_with_key("2850775114217")
IBAN_SPACED = "FR76 3000 6000 0112 3456 7890 189"
NEW_PASSWORD = "Nouveau-mdp2!"


def client_app(url: str, tmp_path: Path) -> CespApp:
    return tui_app(tmp_path / "client", server_url=url)


def found_in_store(tmp_path: Path, *secrets: str) -> list[tuple[str, str]]:
    found = []
    for file in sorted((tmp_path / "client").glob("drafts.db*")):
        content = file.read_bytes()
        found += [(file.name, s) for s in secrets if s.encode() in content]
    return found


async def key_in_values(app: CespApp, pilot: Pilot[Any]) -> str:
    """The first dossier opened on login: NIR and IBAN typed (through the app's writer,
    as each keystroke is), the bank tab saved. Returns the dossier's id."""
    session = app.session
    assert session is not None
    await until(pilot, lambda: bool(app.drafts.list(session.server_key, session.username)))
    await until(pilot, lambda: type(app.screen).__name__ == "DossierScreen")
    await settle(app, pilot)
    await app.pop_screen()  # back to "Mes demandes": the values are typed behind it
    await pilot.pause()
    [dossier] = app.drafts.list(session.server_key, session.username)
    typed = ""
    for char in IBAN_SPACED:
        typed += char
        app.draft_writer.set_field(dossier.id, "coordonnees_bancaires", "iban", typed)
    app.draft_writer.set_field(dossier.id, "etat_civil", "nir", NIR)
    assert app.draft_writer.flush()
    return dossier.id


async def test_typed_nir_and_iban_never_reach_the_store_files(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    app = client_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, USERNAME, DEFAULT_PASSWORD)
        dossier_id = await key_in_values(app, pilot)
        app.drafts.mark_tab_saved(dossier_id, "coordonnees_bancaires")  # a queued save...
        app.request_sync()
        await until(pilot, lambda: app.drafts.pending_count() == 0)  # ...then the server's
        dossier = app.drafts.get(dossier_id)
        assert dossier is not None and dossier.server_data is not None
        assert dossier.server_data["coordonnees_bancaires"]["iban"] == CESP_IBAN
        assert dossier.data["etat_civil"]["nir"] == NIR
        app.draft_writer.set_field(dossier_id, "etat_civil", "nir", NIR + " ")
        assert app.draft_writer.flush()
        wal = tmp_path / "client" / "drafts.db-wal"
        assert wal.stat().st_size > 0  # written, not yet checkpointed
        assert found_in_store(tmp_path, NIR, CESP_IBAN, IBAN_SPACED) == []


async def test_without_a_keyring_an_offline_restart_asks_for_the_password(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    keyring.set_keyring(NoKeyring())  # raises NoKeyringError (headless SSH)
    app = client_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, USERNAME, DEFAULT_PASSWORD)
        assert not app.tokens.persistent
        dossier_id = await key_in_values(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        server.stop()  # now offline: this change waits on this machine only
        app.draft_writer.set_field(dossier_id, "coordonnees_bancaires", "iban", IBAN_SPACED)
        app.drafts.mark_tab_saved(dossier_id, "coordonnees_bancaires")
        assert app.draft_writer.flush()
    assert found_in_store(tmp_path, NIR, CESP_IBAN, IBAN_SPACED) == []

    app = client_app(server.url, tmp_path)  # restart, offline, nothing kept in a keyring
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        await log_in(app, pilot, USERNAME, "Mauvais-mdp1!")
        assert app.session is None and isinstance(app.screen, LoginScreen)
        assert "Mot de passe incorrect : les brouillons de ce poste restent verrouillés" in (
            banner_text(app)
        )
        await log_in(app, pilot, USERNAME, DEFAULT_PASSWORD)
        assert app.session is not None and app.session.username == USERNAME
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        dossier = app.drafts.get(dossier_id)
        assert dossier is not None
        assert dossier.data["etat_civil"]["nir"] == NIR
        assert dossier.data["coordonnees_bancaires"]["iban"] == IBAN_SPACED
        [save] = [op for op in app.drafts.ops(dossier_id) if op.kind == "save_tab"]
        assert save.payload["values"]["iban"] == IBAN_SPACED  # nothing lost
        assert app.drafts.unsent_count((app.session.server_key, USERNAME)) == 1

        # The platform is back: the offline session has no token, the password is asked
        # again over the screen, and the change kept on this machine arrives.
        from cesp_tui.screens.account.reauth import ReauthModal
        from tests.support.server import restart_server

        back = restart_server(server)
        try:
            app.request_sync()
            await until(pilot, lambda: isinstance(app.screen, ReauthModal))
            await pilot.press(*DEFAULT_PASSWORD, "enter")
            await until(pilot, lambda: app.drafts.pending_count() == 0)
            with back.client(app.session.token) as client:
                data = client.get(f"/dossiers/{dossier_id}").json()["data"]
            assert data["coordonnees_bancaires"]["iban"] == CESP_IBAN
        finally:
            back.stop()


def set_server_password(server: ServerHandle, password: str) -> None:
    """The password changed on the platform (as a reset by e-mail would)."""
    from cesp_server.models.account import Account
    from cesp_server.security import hash_secret

    with Session(server.app.state.engine) as db:
        account = db.exec(select(Account).where(Account.username == USERNAME)).one()
        account.password_hash = hash_secret(password)
        db.add(account)
        db.commit()


async def test_a_changed_password_asks_for_the_previous_one_or_a_reset(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    keyring.set_keyring(NoKeyring())
    app = client_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, USERNAME, DEFAULT_PASSWORD)
        dossier_id = await key_in_values(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0)

    set_server_password(server, NEW_PASSWORD)
    app = client_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, USERNAME, NEW_PASSWORD)
        modal = app.screen
        assert isinstance(modal, UnlockModal)
        assert "Votre mot de passe a changé" in str(modal.query_one("#intro").render())
        await pilot.press(*"Faux-mdp1!", "enter")
        await settle(app, pilot)
        assert "Mot de passe incorrect" in str(modal.query_one("#password-error").render())
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        await settle(app, pilot)
        await until(pilot, lambda: type(app.screen).__name__ in ("HomeScreen", "DossierScreen"))
        dossier = app.drafts.get(dossier_id)
        assert dossier is not None and dossier.data["etat_civil"]["nir"] == NIR
        app.sync_engine.stop()  # type: ignore[union-attr]
        app.draft_writer.set_field(dossier_id, "etat_civil", "nir", NIR + "0")
        app.drafts.mark_tab_saved(dossier_id, "etat_civil")  # this one stays unsent
        assert app.draft_writer.flush()
        await pilot.press("ctrl+l")
        await settle(app, pilot)

    # The new password now opens the drafts; a forgotten one: F7, told what is lost first.
    app = client_app(server.url, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        set_server_password(server, "Encore-autre3!")
        await log_in(app, pilot, USERNAME, "Encore-autre3!")
        assert isinstance(app.screen, UnlockModal)
        await pilot.press("f7")
        await settle(app, pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmModal)
        detail = str(confirm.query_one("#confirm-detail").render())
        assert "n'a pas encore été envoyée" in detail and "sera perdue" in detail, detail
        await pilot.press("o")
        await settle(app, pilot)
        await until(pilot, lambda: type(app.screen).__name__ in ("HomeScreen", "DossierScreen"))
        assert app.session is not None
        assert app.drafts.is_unlocked((app.session.server_key, USERNAME))
        # What the platform had comes back; the unsent save of "État civil" is gone.
        await until(pilot, lambda: app.drafts.get(dossier_id) is not None)
        dossier = app.drafts.get(dossier_id)
        assert dossier is not None
        assert not dossier.data.get("etat_civil", {}).get("nir")  # lost, as it said
        assert not [op for op in app.drafts.ops(dossier_id) if op.tab == "etat_civil"]
