"""The account screens driven by the keyboard (Pilot, 80x24) against the real platform:
the embedded one (its Maildir read through the "Boîte mail locale" screen) or a platform
on loopback with an SMTP sink."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import keyring
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cesp_client.embedded import EmbeddedPlatform
from cesp_client.session import last_user
from cesp_tui.app import CespApp
from cesp_tui.screens.account.account_base import PasswordChecklist
from cesp_tui.screens.account.forgot_password import ForgotPasswordScreen
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.account.mailbox import MailboxScreen
from cesp_tui.screens.account.password_reset import PasswordResetScreen
from cesp_tui.screens.account.password_setup import PasswordSetupScreen
from cesp_tui.screens.account.reauth import ReauthModal
from cesp_tui.screens.account.signup import SignupScreen
from cesp_tui.screens.account.signup_code import SignupCodeScreen
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    SECRET_ANSWER,
    SECRET_QUESTION,
    create_cesp_account,
    expire_sessions,
    extract_code,
    wait_mail,
)
from tests.support.dossiers import complete_cesp_values, make_campaign
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text
from tests.support.tui import run_app, tui_app, until

SIZE = (80, 24)
EMAIL = "jeanne.martin@example.org"
PASSWORD = "Motdepasse1!"


# --- helpers -----------------------------------------------------------------------------


async def settle(app: CespApp | CespApp, pilot: Pilot[Any], timeout: float = 30) -> None:
    """Wait until the app's workers are done (the sync engine's endless loop aside)."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [w for w in app.workers if w.group != "sync" and not w.is_finished]
        if not busy:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running: {busy}")
        await asyncio.wait(
            [asyncio.ensure_future(w.wait()) for w in busy], timeout=deadline - time.monotonic()
        )
        await pilot.pause()
    await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*text)


def banner_text(app: CespApp | CespApp) -> str:
    return str(app.screen.query_one("#banner").render())


def field_error(app: CespApp | CespApp, field: str) -> str:
    return str(app.screen.query_one(f"#{field}-error").render())


def keyring_tokens() -> dict[tuple[str, str], str]:
    """The session tokens in the keyring (the drafts' data keys left out)."""
    passwords = keyring.get_keyring().passwords  # type: ignore[attr-defined]
    return {k: v for k, v in passwords.items() if k[0] == "cesp"}


async def fill_sign_up(pilot: Pilot[Any], email: str = EMAIL) -> None:
    """Step 1 from the login screen: F2, then every field by the keyboard."""
    await pilot.press("f2")
    await pilot.pause()
    await pilot.press("enter")  # "Madame" (the radio buttons have the focus)
    await pilot.press("tab")
    await type_text(pilot, "Martin")
    await pilot.press("enter")
    await type_text(pilot, "Jeanne")
    await pilot.press("enter")
    await type_text(pilot, "12042001")
    await pilot.press("enter")
    await type_text(pilot, email)
    await pilot.press("enter")
    await type_text(pilot, email)
    await pilot.press("enter")


def embedded_shim(platform: EmbeddedPlatform) -> Any:
    """What the support helpers need of a `ServerHandle`, for the embedded platform."""
    return SimpleNamespace(app=platform._app, settings=platform._app.state.settings)


async def log_in(app: CespApp, pilot: Pilot[Any], identifier: str, password: str) -> None:
    assert isinstance(app.screen, LoginScreen)
    app.screen.query_one("#identifier").value = identifier  # type: ignore[attr-defined]
    app.screen.query_one("#password").focus()
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(app, pilot)


# --- the whole sign-up, embedded platform, local mailbox ---------------------------------


async def test_sign_up_through_the_screens_and_the_local_mailbox(tmp_path: Path) -> None:
    platform = EmbeddedPlatform(log_to_file=False)
    app = tui_app(tmp_path, platform=platform)
    async with run_app(app, size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)  # at once, before the platform is up
        await settle(app, pilot)
        shim = embedded_shim(platform)
        campaign_id = make_campaign(shim)

        # 1/4: "Continuer" is dimmed until everything is there and the box ticked.
        await fill_sign_up(pilot)
        screen = app.screen
        assert isinstance(screen, SignupScreen)
        button = screen.query_one("#signup-submit")
        assert button.has_class("-incomplete")
        await pilot.press("enter")  # the validation box
        assert not button.has_class("-incomplete")
        await pilot.press("tab", "enter")
        await settle(app, pilot)

        # 2/4: the code, copied from the local mailbox.
        assert isinstance(app.screen, SignupCodeScreen)
        code = extract_code(wait_mail(shim, None, EMAIL, "code de vérification"))
        await pilot.press("f4")
        await settle(app, pilot)
        mailbox = app.screen
        assert isinstance(mailbox, MailboxScreen)
        assert [m.subject for m in mailbox.mails] == [f"Votre code de vérification : {code}"]
        assert code in str(mailbox.query_one("#mail-body").render())
        await pilot.press("c")  # copied and put in the code screen; the mailbox stays
        await pilot.pause()
        assert app.screen is mailbox
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, SignupCodeScreen)
        assert app.screen.query_one("#code").value == code  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)

        # 3/4: the three mails; the link of « Initialisation mdp » opens "Mon compte".
        setup = app.screen
        assert isinstance(setup, PasswordSetupScreen)
        assert "Trois e-mails" in banner_text(app)
        wait_mail(shim, None, EMAIL, "Initialisation mdp")
        wait_mail(shim, None, EMAIL, "Identifiant de connexion")
        wait_mail(shim, None, EMAIL, "Nouvelle habilitation")
        await pilot.press("f4")
        await settle(app, pilot)
        mailbox = app.screen
        assert isinstance(mailbox, MailboxScreen)
        subjects = [m.subject for m in mailbox.mails]
        assert len(subjects) == 4
        row = next(i for i, s in enumerate(subjects) if "Initialisation mdp" in s)
        mailbox.query_one("#mails").move_cursor(row=row)  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("l")
        await settle(app, pilot)
        assert app.screen is setup
        assert setup.link is not None and setup.link["identifiant"] == "jeanne.martin"
        assert "jeanne.martin" in str(setup.query_one("#link-info").render())
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await type_text(pilot, SECRET_QUESTION)
        await pilot.press("enter")
        await type_text(pilot, SECRET_ANSWER)
        await pilot.press("enter")
        await settle(app, pilot)

        # Green banner, back on the login screen with the user name filled in.
        login = app.screen
        assert isinstance(login, LoginScreen)
        assert "Votre compte est créé !" in banner_text(app)
        assert login.query_one("#banner").has_class("-success")
        assert login.query_one("#identifier").value == "jeanne.martin"  # type: ignore[attr-defined]

        # 4/4: first login goes straight to the new dossier, tab "État civil".
        await type_text(pilot, PASSWORD)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session is not None and app.session.username == "jeanne.martin"
        await until(pilot, lambda: getattr(app.screen, "current_tab", None) == "etat_civil")
        [dossier] = app.drafts.list("local", "jeanne.martin")
        assert dossier.campaign_id == campaign_id
        assert dossier.data["etat_civil"]["nom_naissance"] == "Martin"  # from the account
        await until(pilot, lambda: app.drafts.get(dossier.id).numero is not None)  # type: ignore[union-attr]
        assert keyring_tokens() == {("cesp", "local jeanne.martin"): app.session.token}
        assert last_user(tmp_path, "local") == "jeanne.martin"


# --- a platform on loopback with an SMTP sink ----------------------------------------------


def shared_app(server: ServerHandle, tmp_path: Path) -> CespApp:
    return tui_app(tmp_path / "client", server_url=server.url)


async def test_a_wrong_code_is_said_with_the_tries_left_and_retour_fixes_the_address(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await fill_sign_up(pilot)
        await pilot.press("enter", "tab", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SignupCodeScreen)
        code = extract_code(body_text(smtp.wait_for(EMAIL, "code de vérification")[0]))
        wrong = "0000" if code != "0000" else "1111"
        await type_text(pilot, wrong)
        await pilot.press("enter")
        await settle(app, pilot)
        assert field_error(app, "code") == "Code incorrect ou expiré : il vous reste 4 essais."
        assert str(screen.query_one("#tries").render()) == "Essais restants pour ce code : 4"
        assert screen.query_one("#code").value == ""  # type: ignore[attr-defined]
        hints = str(screen.query_one("#hints").render())
        assert "indésirables" in hints and "F9" in hints and "F8" in hints
        assert "F2" not in hints  # F2 is "Créer un compte" on the login screen

        await pilot.press("f8")  # a new code
        await settle(app, pilot)
        assert "nouveau code a été envoyé" in banner_text(app)
        smtp.wait_for(EMAIL, "code de vérification", count=2)

        await pilot.press("f9")  # back to fix the address
        await pilot.pause()
        assert isinstance(app.screen, SignupScreen)
        assert app.screen.query_one("#email").has_focus
        assert app.screen.query_one("#email").value == EMAIL  # type: ignore[attr-defined]


async def test_sign_up_problems_from_the_server_go_under_their_fields(
    server: ServerHandle, tmp_path: Path
) -> None:
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await fill_sign_up(pilot, email="jeanne@example.org")
        screen = app.screen
        assert isinstance(screen, SignupScreen)
        screen.query_one("#email_confirmation").value = "autre@example.org"  # type: ignore[attr-defined]
        await pilot.press("enter")  # tick
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, SignupScreen)  # not sent: the client saw it first
        assert field_error(app, "email_confirmation") == (
            "Les deux adresses e-mail ne sont pas identiques."
        )
        assert app.screen.query_one("#email_confirmation").has_focus


async def test_forgot_password_then_reset_with_the_secret_question(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    email = "paul.durand@example.org"
    create_cesp_account(server, smtp, email)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await type_text(pilot, email)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, ForgotPasswordScreen)
        assert app.screen.query_one("#identifier").value == email  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        assert "lien de réinitialisation" in banner_text(app)
        body = body_text(smtp.wait_for(email, "Réinitialisation")[0])
        link = next(line.strip() for line in body.splitlines() if "jeton=" in line)

        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PasswordResetScreen)
        await type_text(pilot, link)
        await pilot.press("enter")
        await settle(app, pilot)
        assert str(screen.query_one("#secret-question").render()) == (
            f"Question secrète : {SECRET_QUESTION}"
        )
        assert screen.query_one("#secret_answer").has_focus

        new_password = "Nouveau2?"
        await type_text(pilot, "Mauvaise")
        await pilot.press("enter")
        await type_text(pilot, new_password)
        await pilot.press("enter")
        await type_text(pilot, new_password)
        await pilot.press("enter")
        await settle(app, pilot)
        assert field_error(app, "secret_answer").startswith(
            "Réponse à la question secrète incorrecte. Il vous reste 4 essais"
        )
        assert screen.query_one("#secret_answer").has_focus
        await type_text(pilot, "ecole jules ferry")  # accents and case do not matter
        # The passwords are still there: Enter moves on, and submits from the confirmation.
        await pilot.press("enter", "enter", "enter")
        await settle(app, pilot)

        assert isinstance(app.screen, LoginScreen)
        assert "mot de passe est modifié" in banner_text(app)
        assert app.screen.query_one("#identifier").value == "jeanne.dupont"  # type: ignore[attr-defined]
        await type_text(pilot, new_password)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.session is not None and app.session.username == "jeanne.dupont"


async def test_password_rules_are_ticked_live(tmp_path: Path) -> None:
    app = tui_app(tmp_path, screen=PasswordSetupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PasswordSetupScreen)
        # No platform here: checking the (empty) link is refused politely.
        checklist = screen.query_one(PasswordChecklist)
        screen.query_one("#password").focus()
        steps = [
            ("abc", [False, True, False, False]),
            ("defgh", [True, True, False, False]),
            ("1", [True, True, True, False]),
            ("é", [True, False, True, False]),
            ("backspace", [True, True, True, False]),
            ("!", [True, True, True, True]),
        ]
        for keys, expected in steps:
            if keys == "backspace":
                await pilot.press("backspace")
            else:
                await type_text(pilot, keys)
            await pilot.pause()
            assert checklist.states == expected, keys
        text = str(checklist.render())
        assert text.count("✓") == 4 and "✗" not in text
        assert not checklist.all_met  # no confirmation yet
        await pilot.press("enter")
        await type_text(pilot, "abcdefgh1")
        await pilot.pause()
        assert checklist.confirmed is False
        assert "ne sont pas identiques" in str(checklist.render())
        await type_text(pilot, "!")
        await pilot.pause()
        assert checklist.confirmed is True and checklist.all_met
        assert "sont identiques" in str(checklist.render())


# --- sessions: expiry in place, logout, restore at start -----------------------------------


async def test_session_expiry_reauth_in_place_then_the_save_goes_through(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, EMAIL, DEFAULT_PASSWORD)
        session = app.session
        assert session is not None
        await until(pilot, lambda: bool(app.drafts.list(session.server_key, session.username)))
        [dossier] = app.drafts.list(session.server_key, session.username)
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        underneath = app.screen

        # The session expires; meanwhile "État civil" is filled and saved.
        expire_sessions(server)
        values = complete_cesp_values()["etat_civil"]
        for field, value in values.items():
            app.drafts.set_field(dossier.id, "etat_civil", field, value)
        app.drafts.mark_tab_saved(dossier.id, "etat_civil")
        app.request_sync()
        await until(pilot, lambda: isinstance(app.screen, ReauthModal))
        modal = app.screen
        assert "session a expiré" in str(modal.query_one("#intro").render())
        assert app.drafts.pending_count() == 1  # kept, waiting
        assert app.screen_stack[-2] is underneath  # the screen underneath stays as it was

        await type_text(pilot, "Faux1!mot")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ReauthModal)
        assert "incorrect" in str(modal.query_one("#password-error").render())
        await type_text(pilot, DEFAULT_PASSWORD)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is underneath
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        with server.client(app.session.token) as client:  # type: ignore[union-attr]
            data = client.get(f"/dossiers/{dossier.id}").json()["data"]
        assert data["etat_civil"]["nir"] == values["nir"]
        assert keyring_tokens()[("cesp", f"{server.url} jeanne.dupont")] == app.session.token  # type: ignore[union-attr]


async def test_restore_at_start_then_logout_revokes_and_forgets(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)  # no campaign open
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, "jeanne.dupont", DEFAULT_PASSWORD)
        assert type(app.screen).__name__ == "HomeScreen"
        messages = [n.message for n in app._notifications]
        assert any("Aucune campagne « CESP » n'est ouverte" in m for m in messages), messages
        token = app.session.token  # type: ignore[union-attr]

    # Next start: the token in the keyring is still accepted: straight to "Mes demandes".
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen")
        assert app.session is not None and app.session.token == token
        assert app.session.role == "candidat"

        await pilot.press("ctrl+l")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert app.screen.query_one("#identifier").value == "jeanne.dupont"  # type: ignore[attr-defined]
        assert "déconnecté" in banner_text(app)
        assert keyring_tokens() == {}
    with httpx.Client(base_url=server.api) as client:
        answer = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


async def test_an_expired_kept_session_leads_to_the_login_prefilled(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, EMAIL, DEFAULT_PASSWORD)
        assert app.session is not None
    expire_sessions(server, revoke=True)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert app.screen.query_one("#identifier").value == "jeanne.dupont"  # type: ignore[attr-defined]
        assert app.screen.query_one("#password").has_focus
        assert "session précédente a expiré" in banner_text(app)
        assert keyring_tokens() == {}


@pytest.mark.parametrize("key", ["f2", "f3", "f5"])
async def test_login_links_open_their_screens_and_f9_comes_back(key: str, tmp_path: Path) -> None:
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    expected = {"f2": SignupScreen, "f3": ForgotPasswordScreen, "f5": PasswordSetupScreen}[key]
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert not app.screen.active_bindings.get("f4")  # no local mailbox: no F4
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, expected)
        await pilot.press("f9")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_without_a_keyring_the_fallback_is_said_once(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    import keyring.backends.fail

    from cesp_client.credentials import FALLBACK_REASON
    from cesp_tui.app_session import KEYRING_NOTICE
    from cesp_tui.widgets.status_line import StatusLine

    create_cesp_account(server, smtp, EMAIL)
    keyring.set_keyring(keyring.backends.fail.Keyring())
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, EMAIL, DEFAULT_PASSWORD)
        assert app.session is not None
        await pilot.press("ctrl+l")
        await settle(app, pilot)
        await log_in(app, pilot, EMAIL, DEFAULT_PASSWORD)
        # Said in the status line of the screen shown, in plain words; never a toast
        # (one sat over the NIR, issue 13).
        messages = [n.message for n in app._notifications]
        assert FALLBACK_REASON not in messages, messages
        assert not any("trousseau" in m.lower() for m in messages), messages
        status = app.screen.query_one(StatusLine)
        assert status.message == KEYRING_NOTICE
        assert not app.tokens.persistent


async def test_offline_the_status_line_says_so_and_the_changes_arrive_later(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    from cesp_tui.widgets.status_line import StatusLine
    from tests.support.server import restart_server

    create_cesp_account(server, smtp, EMAIL)
    campaign = make_campaign(server)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await log_in(app, pilot, EMAIL, DEFAULT_PASSWORD)
        session = app.session
        assert session is not None
        await until(pilot, lambda: bool(app.drafts.list(session.server_key, session.username)))
        [dossier] = app.drafts.list(session.server_key, session.username)
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        await app.pop_screen()  # from the dossier back to "Mes demandes"
        await pilot.pause()
        status = app.screen.query_one(StatusLine)

        server.stop()
        values = complete_cesp_values()["adresse"]
        for field, value in values.items():
            app.drafts.set_field(dossier.id, "adresse", field, value)
        app.drafts.mark_tab_saved(dossier.id, "adresse")
        app.request_sync()
        await until(pilot, lambda: app.online is False)
        await until(pilot, lambda: app.pending == 1)
        await pilot.pause()
        line = " ".join(str(w.render()) for w in status.query("Static"))
        assert "hors ligne" in line and "1 modification en attente" in line

        back = restart_server(server)
        try:
            app.request_sync()  # as the user's next save would
            await until(pilot, lambda: app.online is True and app.pending == 0)
            with back.client(session.token) as client:
                data = client.get(f"/dossiers/{dossier.id}").json()
            assert data["data"]["adresse"]["code_postal"] == values["code_postal"]
            assert data["campaign"]["id"] == campaign
            await pilot.pause()
            line = " ".join(str(w.render()) for w in status.query("Static"))
            assert "en ligne" in line and "tout est envoyé" in line
        finally:
            back.stop()


async def test_server_problems_are_routed_under_their_fields(tmp_path: Path) -> None:
    from cesp_client.api import ApiError
    from cesp_core.problems import Problem
    from cesp_tui.screens.account.account_base import Answer

    app = tui_app(tmp_path, screen=SignupScreen)
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, SignupScreen)
        error = ApiError(
            422,
            "invalid_fields",
            "Certains champs sont à corriger : voyez le détail sous chaque champ.",
            [
                Problem("compte", "date_naissance", "Vous devez avoir au moins 16 ans."),
                Problem("compte", "email", "Adresse refusée par la plateforme."),
            ],
        )
        screen.post_message(Answer("signup", error=error))
        await pilot.pause()
        assert "Certains champs sont à corriger" in banner_text(app)
        assert field_error(app, "date_naissance") == "Vous devez avoir au moins 16 ans."
        assert field_error(app, "email") == "Adresse refusée par la plateforme."
        assert field_error(app, "nom") == ""
        assert screen.query_one("#date_naissance").query_one("Input").has_focus


async def test_a_pasted_reset_link_in_mon_compte_opens_the_reset_screen(tmp_path: Path) -> None:
    app = tui_app(tmp_path, screen=PasswordSetupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await type_text(pilot, "http://127.0.0.1:8000/compte/reinitialisation?jeton=Tok3n-abc")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, PasswordResetScreen)
        assert app.screen.query_one("#link").value == "Tok3n-abc"  # type: ignore[attr-defined]


async def test_reset_of_an_account_without_secret_question_asks_no_answer(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """An établissement account has no secret question: the reset form never asks for
    an answer, even when the link is pasted without Enter (issue 15)."""
    from tests.support.accounts import create_etablissement_account

    email = "bam@ch-oubli.fr"
    create_etablissement_account(server, smtp, email)
    with server.client() as c:
        assert c.post("/accounts/password/forgot", json={"identifier": email}).status_code == 202
    body = wait_mail(server, smtp, email, "Réinitialisation")
    link = next(line.strip() for line in body.splitlines() if "jeton=" in line)
    app = shared_app(server, tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press("f5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PasswordResetScreen)
        # nothing is asked before the platform said the account has a question
        assert not screen.query_one("#row-secret_answer").display
        screen.query_one("#link", Input).value = link  # pasted, no Enter
        screen.query_one("#password", Input).focus()
        await type_text(pilot, "Nouveau2?")
        await pilot.press("enter")
        await type_text(pilot, "Nouveau2?")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LoginScreen), banner_text(app)
        assert "mot de passe est modifié" in banner_text(app)
