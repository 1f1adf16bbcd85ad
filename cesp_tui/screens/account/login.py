"""The login screen: identifiant and mot de passe, and the ways to an account.

Shown at once when the client starts (the embedded platform finishes starting behind
it). F2 "Créer un compte" (CESP sign-up), F3 "Mot de passe oublié", F4 "Boîte mail
locale" (embedded platform only), F5 "Lien reçu" (paste the link or token of a
mail), F6 "Création de compte établissement" (ASP). A successful login posts `LoggedIn`
to the app, which opens the home screen (and, on an applicant's first login, the dossier
on "État civil").
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_tui.messages import LoggedIn
from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow
from cesp_tui.services import client_app
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.widgets.status_line import StatusLine

__all__ = ["LoginScreen"]


class LoginScreen(AccountScreen):
    """Identifiant (or e-mail) and password; links to the other account screens."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "login.tcss"]
    can_go_back: ClassVar[bool] = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "signup", "Créer un compte", id="login.signup"),
        Binding("f3", "forgot", "Mot de passe oublié", id="login.forgot"),
        Binding("f5", "link", "Lien reçu", id="login.link"),
        # F4 (local mailbox) is the app's, on every screen: said in the help line.
        Binding(
            "f6",
            "signup_etablissement",
            "Compte établissement",
            show=False,
            id="login.signup_etablissement",
        ),
    ]

    def __init__(
        self,
        *,
        username: str | None = None,
        banner: str | None = None,
        banner_kind: str = "success",
    ) -> None:
        super().__init__()
        self._username = username or ""
        self._banner = banner
        self._banner_kind = banner_kind

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static("CESP — Connexion", id="title", markup=False)
            yield Static("", id="platform-status", markup=False)
            yield Static("", id="banner", markup=False)
            yield FormRow(
                "Identifiant ou e-mail",
                Input(
                    self._username,
                    placeholder="prenom.nom",
                    id="identifier",
                    compact=True,
                    max_length=320,
                ),
                field="identifier",
            )
            yield self.error_line("identifier")
            yield FormRow(
                "Mot de passe",
                Input(id="password", password=True, compact=True, max_length=200),
                field="password",
            )
            yield self.error_line("password")
            with Vertical(id="actions"):
                yield Button("Se connecter", id="login-submit", variant="primary", compact=True)
            yield Static(
                "Pas encore de compte : F2. Mot de passe oublié : F3. Un lien reçu par "
                "e-mail (création ou réinitialisation du mot de passe) : F5. "
                "Établissement de santé (Assistant Spécialiste Partagé) : F6.",
                id="help",
                markup=False,
            )
        yield StatusLine()
        yield StableFooter()

    def on_mount(self) -> None:
        for name in ("platform_state", "server_url", "platform_error"):
            if hasattr(self.app, name):
                self.watch(self.app, name, self._refresh_platform)
        if hasattr(self.app, "online"):
            self.watch(self.app, "online", self._refresh_online)
        else:
            self._refresh_platform()
        self.add_mailbox_hint("#help")
        if self._banner:
            self.show_banner(self._banner, self._banner_kind)
        self.focus_start()

    def focus_start(self) -> None:
        identifier = self.query_one("#identifier", Input)
        if identifier.value:
            self.query_one("#password", Input).focus()
        else:
            identifier.focus()

    def prefill(
        self, username: str | None, banner: str | None = None, kind: str = "success"
    ) -> None:
        """The user name to log in with (after a sign-up, a reset, a failed restore)."""
        if username:
            self.query_one("#identifier", Input).value = username
        self.query_one("#password", Input).value = ""
        if banner:
            self.show_banner(banner, kind)
        self.focus_start()

    # --- platform line ---------------------------------------------------------------

    def _refresh_platform(self) -> None:
        app: Any = self.app
        client = client_app(app)
        state = client.platform_state
        url = client.server_url
        embedded = client.config.embedded
        if state == "failed":
            text = client.platform_error or "La plateforme n'a pas démarré."
        elif state == "ready" and embedded:
            text = f"Plateforme locale prête : {url}"
        elif state == "ready":
            text = f"Serveur : {url}"
        elif embedded:
            text = "Démarrage de la plateforme locale… vous pouvez déjà saisir."
        else:
            text = "Connexion au serveur…"
        label = self.query_one("#platform-status", Static)
        label.update(text)
        label.set_class(state == "failed", "-error")

    def _refresh_online(self, online: bool | None) -> None:
        self.query_one(StatusLine).online = online

    # --- login ----------------------------------------------------------------------------

    @on(Input.Submitted, "#identifier")
    def _next(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        identifier = self.input_value("#identifier")
        password = self.query_one("#password", Input).value
        if not identifier:
            self.set_field_error("identifier", "Saisissez votre identifiant ou votre e-mail.")
            self.focus_field("identifier")
            return
        if not password:
            self.set_field_error("password", "Saisissez votre mot de passe.")
            self.focus_field("password")
            return
        self.show_banner("Connexion…", "info")
        from cesp_tui.app_session import open_session

        app = client_app(self.app)
        self.call("login", lambda api: open_session(app, api, identifier, password))

    def busy_changed(self, busy: bool) -> None:
        self.query_one("#login-submit", Button).disabled = busy

    def answered(self, message: Answer) -> None:
        if message.error is not None:
            self.show_failure(message.error, fields=("identifier", "password"))
            self.query_one("#password", Input).value = ""
            self.focus_field("password")
            return
        logged_in: LoggedIn = message.result
        self.clear_banner()
        self.app.post_message(logged_in)

    # --- links ------------------------------------------------------------------------------

    def action_signup(self) -> None:
        from cesp_tui.screens.account.signup import SignupScreen

        self.app.push_screen(SignupScreen())

    def action_signup_etablissement(self) -> None:
        from cesp_tui.screens.etablissement.signup_etablissement import EtablissementSignupScreen

        self.app.push_screen(EtablissementSignupScreen())

    def action_forgot(self) -> None:
        from cesp_tui.screens.account.forgot_password import ForgotPasswordScreen

        self.app.push_screen(ForgotPasswordScreen(self.input_value("#identifier")))

    def action_link(self) -> None:
        from cesp_tui.screens.account.password_setup import PasswordSetupScreen

        self.app.push_screen(PasswordSetupScreen())
