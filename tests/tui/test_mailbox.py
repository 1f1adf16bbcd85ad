""" "Boîte mail locale": reading a Maildir, and using a mail's code or link."""

from __future__ import annotations

import asyncio
import mailbox
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cesp_tui.app import CespApp
from cesp_tui.screens.account.mailbox import MailboxScreen, find_code, find_link, read_maildir
from cesp_tui.screens.account.password_reset import PasswordResetScreen
from cesp_tui.screens.account.password_setup import PasswordSetupScreen
from cesp_tui.screens.account.signup_code import SignupCodeScreen
from tests.support.tui import run_app, tui_app

TO = "jeanne.martin@example.org"
SETUP_TOKEN = "AbCdEfGhIjKlMnOp-setup_123"
RESET_TOKEN = "ZyXwVuTsRqPoNmLk-reset_456"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def deliver(box: Path, subject: str, body: str, minutes: int) -> None:
    message = EmailMessage()
    message["From"] = "CESP <noreply@cesp.localhost>"
    message["To"] = TO
    message["Subject"] = subject
    message["Date"] = format_datetime(NOW + timedelta(minutes=minutes))
    message.set_content(body)
    mailbox.Maildir(box, create=True).add(message)


def code_body(code: str) -> str:
    return f"Bonjour,\n\nVotre code de vérification : {code}\n\nSaisissez ce code.\n"


def link_body(path: str, token: str) -> str:
    return (
        "Bonjour,\n\nOuvrez ce lien :\n\n"
        f"http://127.0.0.1:8000/compte/{path}?jeton={token}\n\n"
        "Dans l'application en terminal, vous pouvez aussi coller ce jeton :\n"
        f"{token}\n\nCe lien est valable 15 minutes.\n"
    )


def fill(box: Path) -> None:
    deliver(box, "Votre code de vérification : 4821", code_body("4821"), 0)
    deliver(
        box, "Initialisation mdp via lien éphémère", link_body("initialisation", SETUP_TOKEN), 2
    )
    deliver(box, "Identifiant de connexion", "Votre identifiant de connexion : j.m\n", 3)


async def settle(app: CespApp, pilot: Pilot[Any]) -> None:
    deadline = time.monotonic() + 20
    while busy := [w for w in app.workers if not w.is_finished]:
        assert time.monotonic() < deadline, busy
        await asyncio.wait([asyncio.ensure_future(w.wait()) for w in busy], timeout=10)
        await pilot.pause()
    await pilot.pause()


def test_read_maildir_newest_first_with_codes_and_links(tmp_path: Path) -> None:
    box = tmp_path / "maildir"
    assert read_maildir(box) == []  # no mailbox yet: nothing, no error
    fill(box)
    mails = read_maildir(box)
    assert [m.subject for m in mails] == [
        "Identifiant de connexion",
        "Initialisation mdp via lien éphémère",
        "Votre code de vérification : 4821",
    ]
    assert all(m.to == TO and m.sender.startswith("CESP") for m in mails)
    assert mails[0].date == NOW + timedelta(minutes=3)
    assert find_code(mails[2].body) == "4821"
    assert find_code(mails[1].body) is None
    assert find_link(mails[1].body) == ("setup", SETUP_TOKEN)
    assert find_link(link_body("reinitialisation", RESET_TOKEN)) == ("reset", RESET_TOKEN)
    assert find_link("Dans l'application, vous pouvez aussi coller ce jeton :\nTOK-123\n") == (
        None,
        "TOK-123",
    )
    assert find_link(mails[0].body) is None


async def test_the_code_goes_into_the_code_screen_below(tmp_path: Path) -> None:
    box = tmp_path / "maildir"
    fill(box)
    app = tui_app(tmp_path, screen=lambda: SignupCodeScreen(TO))
    app.NOTIFICATION_TIMEOUT = 600  # read after the fact, on a loaded machine
    async with run_app(app, size=(80, 24)) as pilot:
        code_screen = app.screen
        await app.push_screen(MailboxScreen(box))
        await settle(app, pilot)
        mailbox_screen = app.screen
        assert isinstance(mailbox_screen, MailboxScreen)
        assert mailbox_screen.query_one("#mails").row_count == 3  # type: ignore[attr-defined]
        # The newest (the user name) is selected: it has neither code nor link.
        assert "j.m" in str(mailbox_screen.query_one("#mail-body").render())
        assert not mailbox_screen.check_action("use_code", ())
        assert not mailbox_screen.check_action("use_link", ())
        await pilot.press("down", "down")
        await pilot.pause()
        assert mailbox_screen.current is not None
        assert mailbox_screen.current.subject.startswith("Votre code")
        assert mailbox_screen.check_action("use_code", ())
        await pilot.press("c")  # copied, put in the code screen; the mailbox stays open
        await pilot.pause()
        assert app.screen is mailbox_screen
        assert app.clipboard == "4821"
        assert code_screen.query_one("#code").value == "4821"  # type: ignore[attr-defined]
        said = [n.message for n in app._notifications]
        assert any("Code 4821 copié" in m and "F9 pour y revenir" in m for m in said), said
        await pilot.press("f9")  # one step back: the code screen, code in place
        await pilot.pause()
        assert app.screen is code_screen
        assert code_screen.query_one("#code").has_focus


async def test_the_code_is_copied_and_the_mailbox_stays_without_a_code_screen(
    tmp_path: Path,
) -> None:
    """Without a code screen underneath, ``c`` used to open one over the mailbox's
    caller (F9 then went back somewhere unexpected): it copies and says so."""
    from cesp_tui.screens.account.login import LoginScreen

    box = tmp_path / "maildir"
    fill(box)
    app = tui_app(tmp_path, screen=LoginScreen)
    app.NOTIFICATION_TIMEOUT = 600  # read after the fact, on a loaded machine
    async with run_app(app, size=(80, 24)) as pilot:
        login = app.screen
        await app.push_screen(MailboxScreen(box))
        await settle(app, pilot)
        mailbox_screen = app.screen
        await pilot.press("down", "down", "c")
        await pilot.pause()
        assert app.screen is mailbox_screen
        assert not any(isinstance(s, SignupCodeScreen) for s in app.screen_stack)
        assert app.clipboard == "4821"
        said = [n.message for n in app._notifications]
        assert any("Code 4821 copié dans le presse-papiers" in m for m in said), said
        await pilot.press("f9")
        await pilot.pause()
        assert app.screen is login


async def test_a_link_opens_mon_compte_and_new_mail_shows_up(tmp_path: Path) -> None:
    box = tmp_path / "maildir"
    fill(box)
    app = tui_app(tmp_path, screen=lambda: MailboxScreen(box))
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        await pilot.press("down")
        await pilot.pause()
        await pilot.press("l")
        await settle(app, pilot)
        setup = app.screen
        assert isinstance(setup, PasswordSetupScreen)
        assert setup.token == SETUP_TOKEN
        assert setup.query_one("#link").value == SETUP_TOKEN  # type: ignore[attr-defined]
        # The platform does not answer: the check says so under the link, nothing breaks.
        assert "injoignable" in str(setup.query_one("#link-error").render())

        await pilot.press("f9")
        await pilot.pause()
        assert app.screen is not setup  # back to the app's first screen

    # A reset mail arriving while the mailbox is open is listed at the next refresh.
    app = tui_app(tmp_path, screen=lambda: MailboxScreen(box))
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MailboxScreen)
        deliver(
            box,
            "Réinitialisation de votre mot de passe",
            link_body("reinitialisation", RESET_TOKEN),
            10,
        )
        await pilot.press("r")
        await settle(app, pilot)
        assert screen.mails[0].subject == "Réinitialisation de votre mot de passe"
        assert screen.query_one("#mails").row_count == 4  # type: ignore[attr-defined]
        assert screen.current is not None and screen.current.subject.startswith("Identifiant")
        await pilot.press("up")  # the selection stayed on its mail; the new one is above
        await pilot.pause()
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, PasswordResetScreen)
        assert app.screen.token == RESET_TOKEN


async def test_the_recipient_column_is_seen_at_80_columns(tmp_path: Path) -> None:
    """Issue 13: a long subject pushed the "Destinataire" column off the right edge."""
    from tests.tui.terminal import full_render

    box = tmp_path / "maildir"
    deliver(box, "Initialisation de votre mot de passe via un lien éphémère", "Bonjour", 0)
    app = tui_app(tmp_path, screen=lambda: MailboxScreen(box))
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = ["".join(c for c, _ in row) for row in full_render(app).cells]
        table = app.screen.query_one("#mails")
        rows = shown[table.region.y : table.region.bottom]
        assert any("Destinataire" in line for line in rows), rows
        assert any(TO in line for line in rows), rows
