"""SVG snapshots of the account screens at 80x24 and 120x40, in their first state (no
platform: nothing varies between runs).

Update after a deliberate visual change with
``pytest tests/tui/test_snapshots_accounts.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Static

from cesp_tui.screens.account.forgot_password import ForgotPasswordScreen
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.account.mailbox import MailboxScreen
from cesp_tui.screens.account.password_reset import PasswordResetScreen
from cesp_tui.screens.account.password_setup import PasswordSetupScreen
from cesp_tui.screens.account.reauth import ReauthModal
from cesp_tui.screens.account.signup import SignupScreen
from cesp_tui.screens.account.signup_code import SignupCodeScreen
from tests.support.tui import (
    begun,
    settle_workers,
    tui_app,
)

SIZES = [(80, 24), (120, 40)]
#: A fixed path: the mailbox screen shows it.
MAILDIR = Path(tempfile.gettempdir()) / "cesp-snapshots" / "maildir"


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC (the mailbox shows dates in local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def maildir(utc: None) -> Iterator[Path]:
    shutil.rmtree(MAILDIR, ignore_errors=True)
    MAILDIR.parent.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(MAILDIR, create=True)
    for minute, subject, body in (
        (0, "Votre code de vérification : 4821", "Votre code de vérification : 4821\n"),
        (1, "Nouvelle habilitation", "Votre habilitation à la plateforme CESP est accordée.\n"),
        (
            2,
            "Initialisation mdp via lien éphémère",
            "Bonjour Jeanne MARTIN,\n\nPour terminer la création de votre compte :\n\n"
            "http://127.0.0.1:8000/compte/initialisation?jeton=AbCdEf123\n\n"
            "Dans l'application en terminal, vous pouvez aussi coller ce jeton :\nAbCdEf123\n",
        ),
        (3, "Identifiant de connexion", "Votre identifiant de connexion : jeanne.martin\n"),
    ):
        message = EmailMessage()
        message["From"] = "CESP <noreply@cesp.localhost>"
        message["To"] = "jeanne.martin@example.org"
        message["Subject"] = subject
        message["Date"] = f"Mon, 02 Mar 2026 09:3{minute}:00 +0000"
        message.set_content(body)
        box.add(message)
    yield MAILDIR
    shutil.rmtree(MAILDIR.parent, ignore_errors=True)


class _Behind(Screen[None]):
    """Something the re-authentication modal covers."""

    def compose(self) -> Any:
        yield Static("État civil — Nom de naissance : Martin (saisie en cours)")


SCREENS: dict[str, Callable[[], Screen[None]]] = {
    "login": LoginScreen,
    "signup": SignupScreen,
    "signup_code": lambda: SignupCodeScreen("jeanne.martin@example.org"),
    "password_setup": PasswordSetupScreen,
    "forgot_password": ForgotPasswordScreen,
    "password_reset": PasswordResetScreen,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_account_screen(
    tmp_path: Path, snap_compare: Any, name: str, size: tuple[int, int]
) -> None:
    app = tui_app(tmp_path, screen=SCREENS[name])
    assert snap_compare(app, terminal_size=size, run_before=begun())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reauth_modal(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    """The re-authentication modal over a screen being filled."""
    app = tui_app(
        tmp_path,
        screen=[_Behind, lambda: ReauthModal("jeanne.martin", "Votre session a expiré.")],
    )
    assert snap_compare(app, terminal_size=size, run_before=begun())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_mailbox(tmp_path: Path, snap_compare: Any, maildir: Path, size: tuple[int, int]) -> None:
    async def wait_for_mails(pilot: Any) -> None:
        # Until the four mails are listed and the newest is shown: the read is a thread
        # worker, the preview follows the table's highlight message (rounds, not sleeps).
        screen = pilot.app.screen
        for _ in range(200):
            await settle_workers(pilot.app, pilot)
            body = str(screen.query_one("#mail-body", Static).render())
            if len(screen.mails) == 4 and "Identifiant de connexion" in body:
                break
        await pilot.pause()

    assert os.environ.get("TZ") == "UTC"
    assert snap_compare(
        tui_app(tmp_path, screen=lambda: MailboxScreen(maildir)),
        terminal_size=size,
        run_before=begun(wait_for_mails),
    )


def test_signup_with_problems_at_80x24(tmp_path: Path, snap_compare: Any) -> None:
    """The red lines under the fields, and the banner."""

    async def refuse(pilot: Any) -> None:
        screen = pilot.app.screen
        screen.query_one("#nom").value = "Martin"
        screen.query_one("#email").value = "jeanne.martin@exemple"
        screen.query_one("#email_confirmation").value = "jeanne@example.org"
        await pilot.pause()  # the inputs' changes handled, as when typed
        screen.action_submit()
        await pilot.pause()

    assert snap_compare(
        tui_app(tmp_path, screen=SignupScreen), terminal_size=(80, 24), run_before=begun(refuse)
    )
