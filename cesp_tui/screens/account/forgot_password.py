""" "Mot de passe oublié": the identifiant or e-mail address; the platform mails a reset
link (the same answer whether the account exists or not). F5 then opens the reset screen
to paste the link; F4 shows the local mailbox (embedded platform)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow
from cesp_tui.widgets.footer import StableFooter

__all__ = ["ForgotPasswordScreen"]


class ForgotPasswordScreen(AccountScreen):
    """Ask for a reset link."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "password.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "link", "Lien reçu", id="forgot.link"),
    ]

    def __init__(self, identifier: str = "") -> None:
        super().__init__()
        self._identifier = identifier

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static("Mot de passe oublié", id="title")
            yield Static(
                "Saisissez votre identifiant ou votre adresse e-mail : un lien pour choisir un "
                "nouveau mot de passe vous sera envoyé. Votre mot de passe ne vous est jamais "
                "envoyé par e-mail.",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield FormRow(
                "Identifiant ou e-mail",
                Input(self._identifier, id="identifier", compact=True, max_length=320),
                field="identifier",
            )
            yield self.error_line("identifier")
            with Horizontal(id="actions"):
                yield Button("Envoyer le lien", id="forgot-submit", variant="primary", compact=True)
            yield Static("", id="next-step", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        self.add_mailbox_hint()
        self.query_one("#identifier", Input).focus()

    @on(Input.Submitted, "#identifier")
    @on(Button.Pressed, "#forgot-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        identifier = self.input_value("#identifier")
        if not identifier:
            self.set_field_error("identifier", "Saisissez votre identifiant ou votre e-mail.")
            return
        self.show_banner("Envoi…", "info")
        self.call("forgot", lambda api: api.forgot_password(identifier))

    def busy_changed(self, busy: bool) -> None:
        self.query_one("#forgot-submit", Button).disabled = busy

    def answered(self, message: Answer) -> None:
        if message.error is not None:
            self.show_failure(message.error, fields=("identifier",))
            return
        self.show_banner(str(message.result), "success")
        self.query_one("#next-step", Static).update(
            "Ouvrez le message « Réinitialisation de votre mot de passe » (pensez aux "
            "indésirables), puis F5 « Lien reçu » pour y coller son lien."
        )

    def action_link(self) -> None:
        from cesp_tui.screens.account.password_reset import PasswordResetScreen

        self.app.switch_screen(PasswordResetScreen())
