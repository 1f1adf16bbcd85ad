"""A new password with the link of the mail « Réinitialisation de votre mot de passe »:
the link is checked with the platform, which says whether the account has a secret
question; only then is its answer asked (an établissement account has none: the mailed
link alone proves the owner). Then the new password (rules ticked live). Success: back to
the login screen, user name filled in."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from cesp_client.api import ApiClient, ApiError
from cesp_client.api.client import LinkInfo
from cesp_tui.screens.account.account_base import Answer, FormRow
from cesp_tui.screens.account.password_setup import LinkPasswordScreen, back_to_login
from cesp_tui.widgets.footer import StableFooter

__all__ = ["PasswordResetScreen"]


class PasswordResetScreen(LinkPasswordScreen):
    """The reset link, the answer to the secret question, the new password."""

    purpose: ClassVar[str] = "reset"
    fields: ClassVar[tuple[str, ...]] = ("secret_answer", "password", "password_confirmation")
    ENTER_ORDER = fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="account-box"):
            yield Static("Nouveau mot de passe", id="title")
            yield Static(
                "Collez le lien du message « Réinitialisation de votre mot de passe » (ou le "
                "jeton qu'il donne).",
                id="intro",
                markup=False,
            )
            yield Static("", id="banner", markup=False)
            yield from self.compose_link()
            yield Static("", id="secret-question", markup=False)
            yield FormRow(
                "Réponse secrète",
                Input(id="secret_answer", compact=True, max_length=200),
                field="secret_answer",
            )
            yield self.error_line("secret_answer")
            yield from self.compose_password()
            with Horizontal(id="actions"):
                yield Button("Enregistrer", id="reset-submit", variant="primary", compact=True)
        yield StableFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_info("#secret-question", "")
        # Asked only once the platform said the account has a secret question.
        self._show_answer(False)

    def _show_answer(self, shown: bool) -> None:
        self.query_one("#row-secret_answer").display = shown
        self.query_one("#secret_answer-error").display = shown

    def fetch_link(self, api: ApiClient, token: str) -> Awaitable[LinkInfo]:
        return api.password_reset_info(token)

    def link_checked(self, info: LinkInfo) -> None:
        self.set_info(
            "#link-info", f"Nouveau mot de passe du compte {info.get('identifiant', '?')}."
        )
        needed = bool(info.get("has_secret_question"))
        question = info.get("secret_question") if needed else None
        self.set_info("#secret-question", f"Question secrète : {question}" if question else "")
        self._show_answer(needed)
        if self.query_one("#link", Input).has_focus:
            self.query_one("#secret_answer" if needed else "#password", Input).focus()

    def _secret_needed(self) -> bool:
        return self.link is not None and bool(self.link.get("has_secret_question"))

    @on(Input.Submitted, "#password_confirmation")
    @on(Button.Pressed, "#reset-submit")
    def action_submit(self) -> None:
        if self.busy:
            return
        self.clear_field_errors()
        token = self.require_link()
        if token is None:
            return
        answer = self.input_value("#secret_answer") or None
        password = self.query_one("#password", Input).value
        confirmation = self.query_one("#password_confirmation", Input).value
        missing = False
        if self._secret_needed() and not answer:
            self.set_field_error("secret_answer", "Saisissez la réponse à votre question secrète.")
            missing = True
        if not self.password_ready():
            self.set_field_error(
                "password", "Le mot de passe ne respecte pas encore toutes les règles ci-dessous."
            )
            missing = True
        if missing:
            self.show_banner("Certains champs sont à corriger : voyez le détail sous chacun.")
            return
        self.show_banner("Enregistrement…", "info")
        checked = self.link if self.link is not None and self.token == token else None

        async def reset(api: ApiClient) -> object:
            # A link typed without Enter is checked first: the answer is asked only of an
            # account with a secret question.
            info = checked if checked is not None else await api.password_reset_info(token)
            if info.get("has_secret_question") and not answer:
                return info
            return await api.password_reset(token, answer, password, confirmation)

        self.call("reset", reset)

    def busy_changed(self, busy: bool) -> None:
        self.query_one("#reset-submit", Button).disabled = busy

    def submitted(self, message: Answer) -> None:
        error = message.error
        if error is not None:
            self.show_failure(error, fields=self.fields)
            if isinstance(error, ApiError):
                if error.code == "secret_answer_invalid":
                    self.set_field_error("secret_answer", error.detail)
                    answer = self.query_one("#secret_answer", Input)
                    answer.value = ""
                    answer.focus()
                elif error.code.startswith("link_"):
                    self.set_field_error("link", error.detail)
            return
        if isinstance(message.result, dict):  # the link asks for a secret answer
            self.link = message.result
            self.link_checked(message.result)
            self.set_field_error("secret_answer", "Saisissez la réponse à votre question secrète.")
            self.show_banner("Certains champs sont à corriger : voyez le détail sous chacun.")
            self.query_one("#secret_answer", Input).focus()
            return
        username = (self.link or {}).get("identifiant")
        back_to_login(self, username, f"{message.result}")
