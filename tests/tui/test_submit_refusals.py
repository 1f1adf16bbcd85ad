"""Issue 13, property 3: a sign-up button pressed with fields missing or wrong says what
and where: the banner, each problem under its field, the cursor on the first one (it
used to be disabled, so that pressing it did nothing at all)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from cesp_client.api.errors import ApiError
from cesp_core.problems import Problem
from cesp_tui.app import CespApp
from cesp_tui.screens.account.account_base import Answer
from cesp_tui.screens.account.signup import SignupScreen
from cesp_tui.screens.account.signup_code import SignupCodeScreen
from cesp_tui.screens.etablissement.signup_etablissement import EtablissementSignupScreen
from cesp_tui.widgets.date_input import DateInput
from tests.support.accounts import DEFAULT_PASSWORD
from tests.support.tui import run_app, tui_app

SIZE = (80, 24)
BANNER = "Certains champs sont à corriger"


def _text(app: CespApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_continuer_on_an_empty_sign_up_shows_the_banner_and_the_first_field(
    tmp_path: Path,
) -> None:
    app = tui_app(tmp_path, screen=SignupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        button = app.screen.query_one("#signup-submit", Button)
        button.focus()
        await pilot.pause()
        assert app.focused is button
        await pilot.press("enter")
        await pilot.pause()
        assert BANNER in _text(app, "#banner")
        assert app.screen.query_one("#banner").region.area
        assert "civilité" in _text(app, "#civilite-error")
        assert "nom" in _text(app, "#nom-error")
        assert app.focused is app.screen.query_one("#civilite", RadioSet)
        assert button.has_class("-incomplete")  # dimmed, yet it answers


async def test_creer_le_compte_with_an_8_digit_finess_moves_to_the_finess(tmp_path: Path) -> None:
    app = tui_app(tmp_path, screen=EtablissementSignupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#etablissement_nom", Input).value = "Centre hospitalier de Meaux"
        screen.query_one("#finess", Input).value = "75071218"
        screen.query_one("#email", Input).value = "bam@ch-meaux.fr"
        screen.query_one("#password", Input).value = DEFAULT_PASSWORD
        screen.query_one("#password_confirmation", Input).value = DEFAULT_PASSWORD
        await pilot.pause()
        button = screen.query_one("#etab-submit", Button)
        button.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert BANNER in _text(app, "#banner")
        assert "FINESS" in _text(app, "#finess-error")
        assert app.focused is screen.query_one("#finess", Input)
        assert button.has_class("-incomplete")


async def test_an_email_mismatch_message_goes_as_soon_as_the_confirmation_is_fixed(
    tmp_path: Path,
) -> None:
    app = tui_app(tmp_path, screen=SignupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#civilite-f", RadioButton).value = True
        screen.query_one("#nom", Input).value = "Durand"
        screen.query_one("#prenom", Input).value = "Claire"
        screen.query_one("#date_naissance", DateInput).value = "1999-03-14"
        screen.query_one("#email", Input).value = "claire.durand@exemple.fr"
        screen.query_one("#email_confirmation", Input).value = "claire.durant@exemple.fr"
        screen.query_one("#accepte_conditions", Checkbox).value = True
        await pilot.pause()
        button = screen.query_one("#signup-submit", Button)
        button.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "identiques" in _text(app, "#email_confirmation-error")
        assert app.focused is screen.query_one("#email_confirmation", Input)
        await pilot.press("ctrl+u", *"claire.durand@exemple.fr")
        await pilot.pause()
        assert screen.query_one("#email_confirmation", Input).value == "claire.durand@exemple.fr"
        assert _text(app, "#email_confirmation-error") == ""
        assert not screen.query_one("#email_confirmation-error").has_class("-visible")


async def test_a_refused_password_message_goes_as_soon_as_the_password_changes(
    tmp_path: Path,
) -> None:
    app = tui_app(tmp_path, screen=EtablissementSignupScreen)
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        screen.query_one("#etablissement_nom", Input).value = "Centre hospitalier de Meaux"
        screen.query_one("#finess", Input).value = "750712184"
        screen.query_one("#email", Input).value = "bam@ch-meaux.fr"
        screen.query_one("#password", Input).value = "court"
        screen.query_one("#password_confirmation", Input).value = "court"
        await pilot.pause()
        screen.query_one("#etab-submit", Button).focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "règles" in _text(app, "#password-error")
        assert app.focused is screen.query_one("#password", Input)
        await pilot.press("end", *"Motdepasse1!")
        await pilot.pause()
        assert _text(app, "#password-error") == ""


async def test_a_wrong_code_is_reported_once(tmp_path: Path) -> None:
    """The platform's answer to a wrong code (as `cesp_server.crud.accounts` words it):
    under the code field, not repeated in the banner above it."""
    detail = "Code incorrect ou expiré : il vous reste 4 essais."
    error = ApiError(
        400,
        "code_invalid",
        detail,
        problems=[Problem("compte", "code", detail)],
        body={"tries_left": 4},
    )
    app = tui_app(tmp_path, screen=lambda: SignupCodeScreen("claire.durand@exemple.fr"))
    async with run_app(app, size=SIZE) as pilot:
        await pilot.pause()
        app.screen.post_message(Answer("verify", error=error))
        await pilot.pause()
        await pilot.pause()
        said = [
            w
            for w in app.screen.query(Static)
            if "Code incorrect" in str(w.render()) and w.display and w.region.area
        ]
        assert [w.id for w in said] == ["code-error"]
        assert app.focused is app.screen.query_one("#code", Input)
