"""Account creation, step 3/4 "Mon compte": the password and the secret question.

The mail « Initialisation mdp via lien éphémère » carries a link (valid 15 minutes) and
the token inside it: either can be pasted here (or filled from the local mailbox). The
link is checked with the platform (``GET``), which names the account. The password rules
of `cesp_core.validators.password` are ticked live as the user types. Success: back to
the login screen, user name filled in, green banner "Votre compte est créé !".

`LinkPasswordScreen` is shared with the reset screen (``password_reset.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_client.api import ApiClient, ApiError
from cesp_client.api.client import LinkInfo, parse_emailed_link
from cesp_core.timefmt import paris
from cesp_tui.screens.account.account_base import AccountScreen, Answer, FormRow, PasswordChecklist
from cesp_tui.widgets.footer import StableFooter

__all__ = ["LinkPasswordScreen", "PasswordSetupScreen", "back_to_login"]


def back_to_login(screen: AccountScreen, username: str | None, banner: str) -> None:
    """Close the account screens down to the login screen; fill in ``username``; show a
    green ``banner`` there."""
    from cesp_tui.screens.account.login import LoginScreen

    app = screen.app
    while len(app.screen_stack) > 1 and not isinstance(app.screen, LoginScreen):
        app.pop_screen()
    login = app.screen
    if isinstance(login, LoginScreen):
        login.prefill(username, banner, "success")
    else:  # pragma: no cover - the login screen is always at the bottom when logged out
        app.switch_screen(LoginScreen(username=username, banner=banner))


def _until(info: LinkInfo) -> str:
    try:
        moment = paris(str(info.get("expires_at")))
    except ValueError:
        return ""
    return f" (lien valable jusqu'à {moment.strftime('%H:%M')})"


class LinkPasswordScreen(AccountScreen):
    """A screen opened by an e-mailed link: the link field, then a new password."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "password.tcss"]

    #: ``"setup"`` or ``"reset"``: which links this screen takes.
    purpose: ClassVar[str] = "setup"
    #: Field keys of the server's problems shown under their fields.
    fields: ClassVar[tuple[str, ...]] = ("password", "password_confirmation")

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token: str | None = None
        self._initial = token or ""
        #: What the platform said about the link (None until checked).
        self.link: LinkInfo | None = None

    # --- the link ------------------------------------------------------------------------

    def compose_link(self) -> ComposeResult:
        yield FormRow(
            "Lien ou jeton reçu",
            Input(
                self._initial,
                id="link",
                compact=True,
                placeholder="collez le lien du message (ou le jeton)",
                max_length=400,
            ),
            field="link",
        )
        yield self.error_line("link")
        yield Static("", id="link-info", markup=False)

    def compose_password(self) -> ComposeResult:
        yield from self.compose_new_password("Nouveau mot de passe")

    def on_mount(self) -> None:
        self.add_mailbox_hint()
        self.set_info("#link-info", "")
        if self._initial:
            self.check_link(self._initial)
            self.query_one("#password", Input).focus()
        else:
            self.query_one("#link", Input).focus()

    def use_link(self, text: str) -> None:
        """A link or token from elsewhere (the local mailbox)."""
        self.query_one("#link", Input).value = text
        self.check_link(text)
        self.query_one("#password", Input).focus()

    def check_link(self, text: str) -> None:
        purpose, token = parse_emailed_link(text)
        self.set_field_error("link", None)
        if not token:
            self.set_field_error("link", "Collez le lien reçu par e-mail, ou le jeton qu'il donne.")
            return
        if purpose is not None and purpose != self.purpose:
            self._switch_purpose(token)
            return
        self.token = token
        self.link = None
        self.set_info("#link-info", "Vérification du lien…")
        self.call("check", lambda api: self.fetch_link(api, token))

    def fetch_link(self, api: ApiClient, token: str) -> Awaitable[LinkInfo]:
        """Override: the ``GET`` that checks a link of this screen's kind."""
        return api.password_setup_info(token)

    def _switch_purpose(self, token: str) -> None:
        """A reset link pasted in "Mon compte" (or the other way round): the right screen."""
        if self.purpose == "setup":
            from cesp_tui.screens.account.password_reset import PasswordResetScreen

            self.app.switch_screen(PasswordResetScreen(token))
        else:
            self.app.switch_screen(PasswordSetupScreen(token))

    @on(Input.Submitted, "#link")
    def _link_entered(self, event: Input.Submitted) -> None:
        self.check_link(event.value)

    def link_checked(self, info: LinkInfo) -> None:
        """Override: what the link says (account name, secret question)."""
        self.set_info(
            "#link-info",
            f"Initialisation du mot de passe et de la question secrète pour "
            f"{info.get('identifiant', '?')}{_until(info)}.",
        )

    def link_refused(self, error: ApiError) -> bool:
        """A bare token that is not a link of this kind may be one of the other kind."""
        return False

    # --- password --------------------------------------------------------------------

    @on(Input.Changed, "#password")
    @on(Input.Changed, "#password_confirmation")
    def _password_typed(self) -> None:
        self.check_new_password()

    def password_ready(self) -> bool:
        return self.query_one(PasswordChecklist).all_met

    # --- answers --------------------------------------------------------------------------

    def answered(self, message: Answer) -> None:
        error = message.error
        if message.action == "check":
            if error is None:
                self.link = message.result
                self.link_checked(message.result)
                return
            if isinstance(error, ApiError) and self.link_refused(error):
                return
            self.set_info("#link-info", "")
            text = error.detail if isinstance(error, ApiError) else str(error)
            self.set_field_error("link", text)
            return
        self.submitted(message)

    def submitted(self, message: Answer) -> None:
        """Override: the answer of the final "Enregistrer"."""

    def require_link(self) -> str | None:
        """The token of the link field (the user may have typed it without Enter)."""
        _purpose, token = parse_emailed_link(self.query_one("#link", Input).value)
        if not token:
            self.set_field_error(
                "link", "Collez d'abord le lien reçu par e-mail (ou le jeton qu'il donne)."
            )
            self.focus_field("link")
            return None
        self.token = token
        return token


class PasswordSetupScreen(LinkPasswordScreen):
    """ "Mon compte": password, confirmation, secret question and answer."""

    purpose: ClassVar[str] = "setup"
    fields: ClassVar[tuple[str, ...]] = (
        "password",
        "password_confirmation",
        "secret_question",
        "secret_answer",
    )
    ENTER_ORDER = fields

    def __init__(
        self, token: str | None = None, *, intro: str | None = None, username: str | None = None
    ) -> None:
        super().__init__(token)
        self.intro = intro
        self.username = username

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static("Mon compte — 3/4 Mot de passe et question secrète", id="title")
            yield Static(
                "Ouvrez le message « Initialisation mdp via lien éphémère » et collez ici son "
                "lien (valable 15 minutes).",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield from self.compose_link()
            yield from self.compose_password()
            yield FormRow(
                "Question secrète",
                Input(
                    id="secret_question",
                    compact=True,
                    max_length=200,
                    placeholder="ex. : Ma première école ?",
                ),
                field="secret_question",
            )
            yield self.error_line("secret_question")
            yield FormRow(
                "Réponse",
                Input(id="secret_answer", compact=True, max_length=200),
                field="secret_answer",
            )
            yield self.error_line("secret_answer")
            yield Static(
                "La question secrète et sa réponse serviront à réinitialiser votre mot de "
                "passe en cas d'oubli.",
                id="secret-help",
                markup=False,
            )
            with Horizontal(id="actions"):
                yield Button("Enregistrer", id="setup-submit", variant="primary", compact=True)
        yield StableFooter()

    def on_mount(self) -> None:
        super().on_mount()
        if self.intro:
            self.show_banner(self.intro, "info")

    def link_refused(self, error: ApiError) -> bool:
        """A bare token refused as a set-up link: maybe a reset link."""
        raw = self.query_one("#link", Input).value
        purpose, token = parse_emailed_link(raw)
        if purpose is None and error.code == "link_invalid" and token:
            self.call("probe_reset", lambda api: api.password_reset_info(token))
            return True
        return False

    def answered(self, message: Answer) -> None:
        if message.action == "probe_reset":
            if message.error is None and self.token:
                self._switch_purpose(self.token)
            else:
                self.set_info("#link-info", "")
                self.set_field_error(
                    "link", "Ce lien n'est pas valide : vérifiez que vous l'avez copié en entier."
                )
            return
        super().answered(message)

    @on(Input.Submitted, "#secret_answer")
    @on(Button.Pressed, "#setup-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        token = self.require_link()
        if token is None:
            return
        password = self.query_one("#password", Input).value
        confirmation = self.query_one("#password_confirmation", Input).value
        question = self.input_value("#secret_question")
        answer = self.input_value("#secret_answer")
        missing = False
        if not self.password_ready():
            self.set_field_error(
                "password", "Le mot de passe ne respecte pas encore toutes les règles ci-dessous."
            )
            missing = True
        if not question:
            self.set_field_error("secret_question", "Saisissez une question secrète.")
            missing = True
        if not answer:
            self.set_field_error("secret_answer", "Saisissez la réponse à votre question secrète.")
            missing = True
        if missing:
            self.show_banner("Certains champs sont à corriger : voyez le détail sous chacun.")
            return
        self.show_banner("Enregistrement…", "info")
        self.call(
            "setup",
            lambda api: api.password_setup(token, password, confirmation, question, answer),
        )

    def busy_changed(self, busy: bool) -> None:
        self.query_one("#setup-submit", Button).disabled = busy

    def submitted(self, message: Answer) -> None:
        if message.error is not None:
            self.show_failure(message.error, fields=self.fields)
            if isinstance(message.error, ApiError) and message.error.code.startswith("link_"):
                self.set_field_error("link", message.error.detail)
            return
        result: dict[str, str] = message.result
        username = result.get("identifiant") or self.username
        back_to_login(
            self,
            username,
            f"Votre compte est créé ! Connectez-vous avec votre identifiant « {username} » "
            "et le mot de passe que vous venez de choisir.",
        )
