"""Unlocking the drafts of this machine: they are encrypted, and the key is found neither
in the system keyring nor with the password just accepted by the platform.

Two cases (``mode``):

* ``"restored"``: a session kept from last time, and no key in the keyring: the
  password opens the drafts (offline too: the encrypted key is the check);
* ``"changed"``: the password changed since the drafts were locked (reset by e-mail),
  and no keyring kept the key: the previous password opens them, and the key is
  re-wrapped with the new one.

F7 resets the drafts of this account on this machine after saying how many unsent
changes that loses (what the server has comes back at the next synchronisation). The
modal dismisses with True once the drafts are open, False when the user logs out (F9).
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

__all__ = ["UnlockModal", "reset_warning"]

TITLE = "Brouillons verrouillés"
INTRO = {
    "restored": (
        "Les brouillons de ce poste sont chiffrés. Saisissez votre mot de passe pour les "
        "déverrouiller (cela fonctionne aussi hors ligne)."
    ),
    "changed": (
        "Votre mot de passe a changé depuis la dernière utilisation de ce poste. Saisissez "
        "l'ancien mot de passe pour déverrouiller vos brouillons : ils seront ensuite "
        "protégés par le nouveau."
    ),
}


def reset_warning(lost: int) -> str:
    """What a reset loses (French), said before the user confirms."""
    if lost == 0:
        what = "Aucune modification n'est en attente d'envoi : rien ne sera perdu."
    elif lost == 1:
        what = "1 modification n'a pas encore été envoyée à la plateforme : elle sera perdue."
    else:
        what = (
            f"{lost} modifications n'ont pas encore été envoyées à la plateforme : "
            "elles seront perdues."
        )
    return (
        f"{what} Les brouillons de ce poste seront effacés ; ce que la plateforme a déjà "
        "reçu reviendra à la prochaine synchronisation."
    )


class UnlockModal(ModalScreen[bool]):
    """The password that opens this account's drafts, or a reset (F7)."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "unlock.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f7", "reset", "Réinitialiser les brouillons", id="unlock.reset"),
        Binding("f9", "logout", "Se déconnecter", id="unlock.logout"),
    ]

    def __init__(
        self,
        owner: tuple[str, str],
        mode: str = "restored",
        *,
        new_password: str | None = None,
    ) -> None:
        super().__init__()
        self.owner = owner
        self.mode = mode
        self._new_password = new_password

    def compose(self) -> ComposeResult:
        with Vertical(id="unlock-box"):
            yield Static(TITLE, id="title")
            yield Static(INTRO[self.mode], id="intro", markup=False)
            yield Static(f"Identifiant : {self.owner[1]}", id="unlock-user", markup=False)
            yield Input(
                id="password",
                password=True,
                compact=True,
                max_length=200,
                placeholder="ancien mot de passe" if self.mode == "changed" else "mot de passe",
            )
            yield Static("", id="password-error", classes="field-error", markup=False)
            with Horizontal(id="actions"):
                yield Button("Déverrouiller", id="unlock-submit", variant="primary", compact=True)
                yield Button("Réinitialiser (F7)", id="unlock-reset", compact=True)
                yield Button("Se déconnecter (F9)", id="unlock-logout", compact=True)

    def on_mount(self) -> None:
        self.query_one("#password", Input).focus()

    @property
    def _app(self) -> Any:
        return self.app

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#unlock-submit")
    def action_submit(self) -> None:
        button = self.query_one("#unlock-submit", Button)
        if button.disabled:
            return
        password = self.query_one("#password", Input).value
        if not password:
            self.error("Saisissez votre mot de passe.")
            return
        button.disabled = True
        self.error("")
        self.run_worker(partial(self._unlock, password), thread=True, group="unlock")

    def _unlock(self, password: str) -> None:
        from cesp_client.store import keys
        from cesp_client.store.crypto import WrongPassword

        app = self._app
        try:
            if self.mode == "changed" and self._new_password is not None:
                keys.unlock_with_old_password(
                    app.drafts, app.tokens, self.owner, password, self._new_password
                )
            elif not keys.unlock_with_password(
                app.drafts, app.tokens, self.owner, password, verified=False
            ):
                raise WrongPassword()
        except WrongPassword as error:
            self.app.call_from_thread(self._refused, str(error))
            return
        self.app.call_from_thread(self.dismiss, True)

    def _refused(self, text: str) -> None:
        self.query_one("#unlock-submit", Button).disabled = False
        self.error(text)
        field = self.query_one("#password", Input)
        field.value = ""
        field.focus()

    def error(self, text: str) -> None:
        line = self.query_one("#password-error", Static)
        line.update(text)
        line.set_class(bool(text), "-visible")

    @on(Button.Pressed, "#unlock-reset")
    def action_reset(self) -> None:
        self.run_worker(self._ask_reset, thread=True, group="unlock")

    def _ask_reset(self) -> None:
        from cesp_tui.screens.common.confirm import ConfirmModal

        lost = self._app.drafts.unsent_count(self.owner)
        modal = ConfirmModal(
            "Réinitialiser les brouillons de ce poste ?",
            reset_warning(lost),
            yes="Réinitialiser",
            no="Annuler",
            title="Mot de passe oublié",
        )
        self.app.call_from_thread(self.app.push_screen, modal, self._reset_answered)

    def _reset_answered(self, yes: bool | None) -> None:
        if yes:
            self.run_worker(self._reset, thread=True, group="unlock")

    def _reset(self) -> None:
        from cesp_client.store import keys

        app = self._app
        keys.reset(app.drafts, app.tokens, self.owner)
        if self._new_password is not None:
            keys.unlock_with_password(
                app.drafts, app.tokens, self.owner, self._new_password, verified=True
            )
        elif not keys.unlock_from_keyring(app.drafts, app.tokens, self.owner):
            self.app.call_from_thread(self.dismiss, False)
            return
        self.app.call_from_thread(self.dismiss, True)

    @on(Button.Pressed, "#unlock-logout")
    def action_logout(self) -> None:
        self.dismiss(False)
