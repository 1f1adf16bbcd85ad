"""The hospital's account in the client: "Création de compte établissement" from the
login screen (F6), the FINESS checked as it is typed, the live password checklist, the
mailed code that proves the address, the confirmation mail (read from the real SMTP
sink) giving the identifiant, then the login and "Mot de passe oublié" as for the other
accounts — against the platform on loopback."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Button, Input

from cesp_tui.app import CespApp
from cesp_tui.screens.account.account_base import PasswordChecklist
from cesp_tui.screens.account.forgot_password import ForgotPasswordScreen
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.account.signup_code import SignupCodeScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.etablissement.signup_etablissement import (
    EtablissementSignupScreen,
    finess_hint,
)
from tests.support.accounts import DEFAULT_PASSWORD, VALID_FINESS, extract_code, wait_mail
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import settle_app, tui_app, until

SIZE = (80, 24)
EMAIL = "affaires.medicales@ch-test.fr"
NOM = "Centre hospitalier de Saint-Denis"


def text_of(app: CespApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def test_finess_hint_follows_the_typing() -> None:
    assert finess_hint("") == ("", False)
    assert finess_hint("7507") == ("4/9 caractères.", False)
    text, ok = finess_hint("750712185")  # wrong check digit
    assert not ok and "FINESS" in text
    assert finess_hint(VALID_FINESS) == ("N° FINESS valide : 75 071 218 4.", True)


async def test_sign_up_mail_identifiant_login_and_forgotten_password(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle_app(app, pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "F6" in text_of(app, "#help")
        await pilot.press("f6")
        await settle_app(app, pilot)
        screen = app.screen
        assert isinstance(screen, EtablissementSignupScreen)
        button = screen.query_one("#etab-submit", Button)
        assert app.focused is screen.query_one("#etablissement_nom")

        await pilot.press(*NOM, "enter")
        await pilot.press(*"75071218")  # 8 of 9 characters
        assert "8/9" in text_of(app, "#finess-hint")
        await pilot.press("5")  # a wrong check digit
        assert "FINESS" in text_of(app, "#finess-hint")
        assert screen.query_one("#finess-hint").has_class("-bad")
        await pilot.press("backspace", "4")
        assert "valide" in text_of(app, "#finess-hint")
        await pilot.press("enter")
        await pilot.press(*EMAIL, "enter")
        await pilot.press(*"court", "enter")
        checklist = screen.query_one(PasswordChecklist)
        assert not all(checklist.states)  # live: too short, no digit...
        assert button.has_class("-incomplete")
        screen.query_one("#password", Input).value = ""
        screen.query_one("#password", Input).focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        assert all(checklist.states)
        await pilot.press(*"Autre1!mot")
        assert checklist.confirmed is False and button.has_class("-incomplete")
        screen.query_one("#password_confirmation", Input).value = ""
        await pilot.press(*DEFAULT_PASSWORD)
        await pilot.pause()
        assert checklist.all_met and not button.has_class("-incomplete")
        await pilot.press("enter")  # Enter on the last field creates the account
        await settle_app(app, pilot)

        # The address is proved with the mailed code first, as for a CESP sign-up.
        code_screen = app.screen
        assert isinstance(code_screen, SignupCodeScreen)
        assert "établissement" in text_of(app, "#title")
        code = extract_code(wait_mail(server, smtp, EMAIL, "code de vérification"))
        await pilot.press(*code, "enter")
        await settle_app(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))

        # Back on the login screen, the address filled in, the platform's message.
        login = app.screen
        assert isinstance(login, LoginScreen)
        assert "identifiant" in text_of(app, "#banner")
        assert login.query_one("#identifier", Input).value == EMAIL

        # The confirmation mail, really delivered, gives the identifiant.
        body = wait_mail(server, smtp, EMAIL, "compte établissement")
        assert f"Votre identifiant : {EMAIL}" in body
        assert NOM in body and VALID_FINESS in body
        username = re.search(r"connecter avec : (\S+)\)", body)
        assert username is not None and username.group(1).startswith("etab.")

        # "Mot de passe oublié" works as for the CESP accounts.
        await pilot.press("f3")
        await settle_app(app, pilot)
        assert isinstance(app.screen, ForgotPasswordScreen)
        forgot_input = app.screen.query_one(Input)
        forgot_input.value = EMAIL
        forgot_input.focus()
        await pilot.press("enter")
        await settle_app(app, pilot)
        reset_mail = wait_mail(server, smtp, EMAIL, "Réinitialisation")
        assert "mot de passe" in reset_mail.lower()
        await pilot.press("f9")
        await settle_app(app, pilot)

        # The login with the e-mail address (the identifiant) and the password.
        login = app.screen
        assert isinstance(login, LoginScreen)
        login.query_one("#identifier", Input).value = EMAIL
        login.query_one("#password", Input).focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        await settle_app(app, pilot)
        await until(pilot, lambda: app.session is not None)
        assert app.session is not None
        assert app.session.role == "etablissement"
        assert app.session.account.get("etablissement_nom") == NOM
        await until(pilot, lambda: isinstance(app.screen_stack[1], HomeScreen))


async def test_the_platform_refusal_goes_under_its_field(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """An address already in use answers like a new one (no enumeration); a refused
    address (the platform's own check) shows under its field."""
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle_app(app, pilot)
        await pilot.press("f6")
        await settle_app(app, pilot)
        screen = app.screen
        assert isinstance(screen, EtablissementSignupScreen)
        for field, value in (
            ("etablissement_nom", NOM),
            ("finess", VALID_FINESS),
            ("email", "pas-une-adresse"),
            ("password", DEFAULT_PASSWORD),
            ("password_confirmation", DEFAULT_PASSWORD),
        ):
            screen.query_one(f"#{field}", Input).value = value
        await pilot.pause()
        screen.action_submit()
        await settle_app(app, pilot)
        assert app.screen is screen  # the client's own check: nothing sent
        assert text_of(app, "#email-error")
        assert "corriger" in text_of(app, "#banner")
