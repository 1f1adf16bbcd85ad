"""Account creation, step 2/4 "Vérification e-mail": the 4-digit code sent by mail.

With the guide's hints when no mail arrives: look in the "indésirables" (spam) folder,
go back to fix the address (F9), or have a new code sent (F8; F2 is "Créer un compte"
on the login screen). The number of tries left comes from the server's answer. Once the
code is right, the three mails of step 3 are on their way and "Mon compte" (the password)
opens.

An établissement account (``etablissement=True``) proves its address the same way; its
password was chosen already, so a right code leads back to the login screen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_client.api import ApiError
from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow
from cesp_tui.widgets.footer import StableFooter

__all__ = ["SignupCodeScreen"]


class SignupCodeScreen(AccountScreen):
    """Type back the code mailed to ``email``."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "signup.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        # F8: F2 is "Créer un compte" on the login screen (one key, one meaning, ADR 0026).
        Binding("f8", "resend", "Renvoyer un code", id="signup_code.resend"),
    ]

    def __init__(
        self,
        email: str,
        *,
        sent_message: str | None = None,
        code: str = "",
        etablissement: bool = False,
    ) -> None:
        super().__init__()
        self.email = email
        self.etablissement = etablissement
        self.sent_message = sent_message
        self._code = code
        #: Tries left for the current code, as the server last said (None: not known).
        self.tries_left: int | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static(
                "Compte établissement — Vérification de l'adresse e-mail"
                if self.etablissement
                else "Créer un compte — 2/4 Vérification de l'adresse e-mail",
                id="title",
            )
            yield Static(
                f"Un code à 4 chiffres vient d'être envoyé à {self.email}. "
                "Recopiez-le ci-dessous (il est valable quelques minutes).",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield FormRow(
                "Code reçu par e-mail",
                Input(
                    self._code,
                    id="code",
                    compact=True,
                    max_length=4,
                    restrict=r"[0-9]*",
                    placeholder="4 chiffres",
                ),
                field="code",
            )
            yield self.error_line("code")
            yield Static("", id="tries", markup=False)
            with Horizontal(id="actions"):
                yield Button("Valider", id="code-submit", variant="primary", compact=True)
            yield Static(
                "Pas de message ?\n"
                "• Consultez le dossier « indésirables » (spam) de votre messagerie.\n"
                f"• Vérifiez l'adresse saisie ({self.email}) : F9 « Retour » pour la corriger.\n"
                "• F8 « Renvoyer un code » pour en recevoir un nouveau.",
                id="hints",
                markup=False,
            )
        yield StableFooter()

    def on_mount(self) -> None:
        self.add_mailbox_hint("#hints")
        self.query_one("#code", Input).focus()

    def fill_code(self, code: str) -> None:
        """The code, copied from the local mailbox."""
        field = self.query_one("#code", Input)
        field.value = code
        field.focus()

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#code-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        code = self.input_value("#code")
        self.clear_field_errors()
        if len(code) != 4:
            self.set_field_error(
                "code", "Le code comporte 4 chiffres : recopiez-le depuis l'e-mail reçu."
            )
            return
        self.show_banner("Vérification…", "info")
        email = self.email
        self.call("verify", lambda api: api.verify_code(email, code))

    def action_resend(self) -> None:
        if self.busy:
            return
        email = self.email
        self.show_banner("Envoi d'un nouveau code…", "info")
        self.call("resend", lambda api: api.resend_code(email))

    def busy_changed(self, busy: bool) -> None:
        self.query_one("#code-submit", Button).disabled = busy

    def _show_tries(self) -> None:
        text = ""
        if self.tries_left is not None:
            text = (
                "Plus aucun essai pour ce code : F8 « Renvoyer un code »."
                if self.tries_left <= 0
                else f"Essais restants pour ce code : {self.tries_left}"
            )
        self.query_one("#tries", Static).update(text)

    def answered(self, message: Answer) -> None:
        error = message.error
        if message.action == "resend":
            if error is not None:
                self.show_failure(error)
                return
            self.tries_left = None
            self._show_tries()
            self.query_one("#code", Input).value = ""
            self.show_banner(f"Un nouveau code a été envoyé à {self.email}.", "info")
            self.query_one("#code", Input).focus()
            return
        if error is not None:
            if isinstance(error, ApiError):
                left: Any = error.body.get("tries_left")
                if isinstance(left, int):
                    self.tries_left = left
                elif error.code in ("code_exhausted", "code_expired", "code_used"):
                    self.tries_left = 0
                self._show_tries()
            self.show_failure(error, fields=("code",))
            code = self.query_one("#code", Input)
            code.value = ""
            code.focus()
            return
        result: dict[str, str] = message.result
        if self.etablissement:
            from cesp_tui.screens.account.password_setup import back_to_login

            back_to_login(self, self.email, str(result.get("message", "")))
            return
        from cesp_tui.screens.account.password_setup import PasswordSetupScreen
        from cesp_tui.screens.account.signup import SignupScreen

        setup = PasswordSetupScreen(intro=result.get("message"), username=result.get("identifiant"))
        app = self.app
        app.pop_screen()  # this screen; step 1 goes too: the account exists now
        if isinstance(app.screen, SignupScreen):
            app.switch_screen(setup)
        else:
            app.push_screen(setup)

    def action_back(self) -> None:
        """Back to step 1, to fix the address."""
        super().action_back()
        from cesp_tui.screens.account.signup import SignupScreen

        if isinstance(self.app.screen, SignupScreen):
            self.app.screen.focus_email()
