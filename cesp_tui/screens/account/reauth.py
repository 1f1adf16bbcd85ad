"""Re-authentication in place: the session expired (or was closed elsewhere) while the user
was working. The password is asked again over the current screen, which keeps everything
typed; the sync engine waits and resumes with the new session. The modal dismisses with
the new token, or None when the user prefers to log out (F9)."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from cesp_client.api import ApiError, Offline
from cesp_tui.screens.account.account_base import NOT_READY, Answer, api_of, failure_text

__all__ = ["ReauthModal"]


class ReauthModal(ModalScreen[str | None]):
    """The password of ``username`` again."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "reauth.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "logout", "Se déconnecter", id="reauth.logout"),
    ]

    def __init__(self, username: str, detail: str | None = None) -> None:
        super().__init__()
        self.username = username
        self.detail = detail or "Votre session a expiré."

    def compose(self) -> ComposeResult:
        with Vertical(id="reauth-box"):
            yield Static("Session expirée", id="title")
            yield Static(
                f"{self.detail}\nVotre saisie est conservée sur ce poste : reconnectez-vous "
                "pour continuer là où vous en étiez.",
                id="intro",
                markup=False,
            )
            yield Static(f"Identifiant : {self.username}", id="reauth-user", markup=False)
            yield Input(
                id="password",
                password=True,
                compact=True,
                max_length=200,
                placeholder="mot de passe",
            )
            yield Static("", id="password-error", classes="field-error", markup=False)
            with Horizontal(id="actions"):
                yield Button("Se reconnecter", id="reauth-submit", variant="primary", compact=True)
                yield Button("Se déconnecter (F9)", id="reauth-logout", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#reauth-submit")
    def action_submit(self) -> None:
        button = self.query_one("#reauth-submit", Button)
        if button.disabled:
            return
        password = self.query_one("#password", Input).value
        if not password:
            self._error("Saisissez votre mot de passe.")
            return
        button.disabled = True
        self._error("")
        self.run_worker(partial(self._login, password), group="reauth", exclusive=True)

    async def _login(self, password: str) -> None:
        api = api_of(self.app)
        if api is None:
            self.post_message(Answer("login", error=Offline(NOT_READY)))
            return
        try:
            answer = await api.login(self.username, password)
        except (ApiError, Offline) as error:
            self.post_message(Answer("login", error=error))
            return
        self.post_message(Answer("login", result=answer["token"]))

    def on_answer(self, message: Answer) -> None:
        message.stop()
        self.query_one("#reauth-submit", Button).disabled = False
        if message.error is not None:
            self._error(failure_text(message.error))
            field = self.query_one("#password", Input)
            field.value = ""
            field.focus()
            return
        self.dismiss(str(message.result))

    def _error(self, text: str) -> None:
        line = self.query_one("#password-error", Static)
        line.update(text)
        line.set_class(bool(text), "-visible")

    @on(Button.Pressed, "#reauth-logout")
    def action_logout(self) -> None:
        self.dismiss(None)
