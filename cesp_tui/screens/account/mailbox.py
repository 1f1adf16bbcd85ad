""" "Boîte mail locale": the mails of the embedded platform, read from its Maildir.

The embedded platform does not send mail: it writes each message to a Maildir in its data
directory. This screen lists them (date, subject, recipient), newest first, shows the
selected one, and saves copying by hand: ``l`` uses the message's link (opens "Mon
compte" or the reset screen with the token filled in), ``c`` copies the 4-digit code
and puts it in the code screen underneath, if any; the mailbox stays open (F9 closes
it). The Maildir is read in a thread worker, again every two seconds.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_binary_file
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from cesp_client.api.client import parse_emailed_link
from cesp_core.text import printable
from cesp_core.timefmt import format_short
from cesp_tui.screens.account.account_base import AccountScreen
from cesp_tui.widgets.dossier_table import PaddedTable, cell
from cesp_tui.widgets.footer import StableFooter
from cesp_tui.workers import work

__all__ = ["Mail", "MailboxScreen", "find_code", "find_link", "read_maildir"]

REFRESH_SECONDS = 2.0
_CODE = re.compile(r"code de vérification\s*:\s*(\d{4})", re.IGNORECASE)
_TOKEN = re.compile(r"coller ce jeton\s*:\s*\n\s*(\S+)")
_LINK = re.compile(r"https?://\S+jeton=\S+")
#: The recipient before the subject: at 80 columns a long subject pushed it off the right
#: edge (issue 13); the subject, last, is read whole in the mail below the table.
_COLUMNS = [("date", cell("Date")), ("to", cell("Destinataire")), ("subject", cell("Objet"))]


@dataclass(frozen=True)
class Mail:
    key: str
    date: datetime | None
    subject: str
    to: str
    body: str = field(repr=False)
    sender: str = ""

    @property
    def when(self) -> str:
        if self.date is None:
            return "?"
        return format_short(self.date)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        return ""


def read_maildir(path: Path) -> list[Mail]:
    """Every message of the Maildir at ``path``, newest first (blocking: a thread)."""
    if not path.is_dir():
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    mails: list[Mail] = []
    for key in box.iterkeys():
        try:
            with box.get_file(key) as handle:
                parsed = message_from_binary_file(handle, policy=default_policy)
        except (OSError, KeyError):  # removed meanwhile
            continue
        if not isinstance(parsed, EmailMessage):
            continue
        try:
            date = parsedate_to_datetime(str(parsed["Date"])) if parsed["Date"] else None
        except (TypeError, ValueError):
            date = None
        mails.append(
            Mail(
                key,
                date,
                str(parsed["Subject"] or ""),
                str(parsed["To"] or ""),
                _body(parsed),
                str(parsed["From"] or ""),
            )
        )
    mails.sort(key=lambda m: (m.date.timestamp() if m.date else 0.0, m.key), reverse=True)
    return mails


def find_code(body: str) -> str | None:
    match = _CODE.search(body)
    return match.group(1) if match else None


def find_link(body: str) -> tuple[str | None, str] | None:
    """``(purpose, token)`` of the link (or token) a mail gives, if any."""
    link = _LINK.search(body)
    if link:
        purpose, token = parse_emailed_link(link.group(0))
        if token:
            return purpose, token
    token_match = _TOKEN.search(body)
    if token_match:
        return None, token_match.group(1)
    return None


@dataclass
class _Loaded(Message):
    mails: list[Mail]


class MailboxScreen(AccountScreen):
    """The local mailbox of the embedded platform."""

    CSS_PATH: ClassVar[list[str]] = ["account.tcss", "mailbox.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "use_link", "Utiliser le lien", id="mailbox.use_link"),
        Binding("c", "use_code", "Copier le code", id="mailbox.use_code"),
        Binding("r", "refresh", "Actualiser", id="mailbox.refresh"),
    ]

    def __init__(self, maildir: Path) -> None:
        super().__init__()
        self.maildir = maildir
        self.mails: list[Mail] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="mailbox"):
            yield Static("Boîte mail locale", id="title")
            yield Static(
                f"Les messages de la plateforme locale ({self.maildir}).",
                id="mailbox-path",
                markup=False,
            )
            yield PaddedTable(id="mails", zebra_stripes=True)
            with VerticalScroll(id="mail-view"):
                yield Static("Aucun message pour le moment.", id="mail-body", markup=False)
        yield StableFooter()

    def on_mount(self) -> None:
        table = self.query_one("#mails", PaddedTable)
        table.fill(_COLUMNS, [])
        table.focus()
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, self.action_refresh)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mailbox":
            return False
        if action in ("use_link", "use_code"):
            mail = self.current
            if mail is None:
                return False
            return (
                find_link(mail.body) if action == "use_link" else find_code(mail.body)
            ) is not None
        return super().check_action(action, parameters)

    # --- reading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="mailbox-read", description="le chargement")
    def _load(self) -> None:
        self.post_message(_Loaded(read_maildir(self.maildir)))

    def on__loaded(self, message: _Loaded) -> None:
        if [m.key for m in message.mails] == [m.key for m in self.mails]:
            return
        selected = self.current.key if self.current is not None else None
        self.mails = message.mails
        table = self.query_one("#mails", PaddedTable)
        table.fill(
            _COLUMNS, [(m.key, [cell(m.when), cell(m.to), cell(m.subject)]) for m in self.mails]
        )
        if selected is not None and any(m.key == selected for m in self.mails):
            table.move_cursor(row=table.get_row_index(selected))
        self._show_current()

    @property
    def current(self) -> Mail | None:
        if not self.mails:
            return None
        table = self.query_one("#mails", DataTable)
        row = table.cursor_row
        if 0 <= row < len(self.mails):
            return self.mails[row]
        return None

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_current()

    def _show_current(self) -> None:
        mail = self.current
        body = self.query_one("#mail-body", Static)
        if mail is None:
            body.update("Aucun message pour le moment.")
        else:
            body.update(
                printable(
                    f"De : {mail.sender}\nÀ : {mail.to}\nDate : {mail.when}\n"
                    f"Objet : {mail.subject}\n\n{mail.body}",
                    multiline=True,
                )
            )
        self.refresh_bindings()

    # --- using a mail ---------------------------------------------------------------------

    def action_use_link(self) -> None:
        from cesp_tui.screens.account.password_reset import PasswordResetScreen
        from cesp_tui.screens.account.password_setup import LinkPasswordScreen, PasswordSetupScreen

        mail = self.current
        found = find_link(mail.body) if mail is not None else None
        if found is None:
            self.notify("Ce message ne contient pas de lien.", severity="warning")
            return
        purpose, token = found
        if purpose is None:
            subject = mail.subject.lower() if mail is not None else ""
            purpose = "reset" if "réinitialisation" in subject else "setup"
        app = self.app
        target = next(
            (
                s
                for s in reversed(app.screen_stack[:-1])
                if isinstance(s, LinkPasswordScreen) and s.purpose == purpose
            ),
            None,
        )
        app.pop_screen()
        if target is not None:
            while app.screen is not target and len(app.screen_stack) > 1:
                app.pop_screen()
            target.use_link(token)
            return
        screen = PasswordResetScreen(token) if purpose == "reset" else PasswordSetupScreen(token)
        app.push_screen(screen)

    def action_use_code(self) -> None:
        from cesp_tui.screens.account.signup_code import SignupCodeScreen

        mail = self.current
        code = find_code(mail.body) if mail is not None else None
        if mail is None or code is None:
            self.notify("Ce message ne contient pas de code.", severity="warning")
            return
        app = self.app
        app.copy_to_clipboard(code)
        # The mailbox stays open (closing it, or opening a code screen over it, made F9
        # go somewhere unexpected): the code waits in the code screen underneath, if any.
        target = next(
            (s for s in reversed(app.screen_stack[:-1]) if isinstance(s, SignupCodeScreen)), None
        )
        if target is not None:
            target.fill_code(code)
            text = (
                f"Code {code} copié et saisi dans l'écran « Code de vérification » : "
                "F9 pour y revenir et le valider."
            )
        else:
            text = f"Code {code} copié dans le presse-papiers (Ctrl+V pour le coller)."
        self.notify(text, title="Boîte mail locale")
