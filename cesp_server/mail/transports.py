"""Sending one message: real SMTP (smtplib) or a Maildir directory (the embedded default)."""

from __future__ import annotations

import mailbox
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Protocol

from ..settings import Settings


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def new_message_id(settings: Settings | None = None) -> str:
    _, address = parseaddr(settings.mail_from if settings else "")
    domain = address.rpartition("@")[2] or "cesp.localhost"
    return make_msgid(domain=domain)


def build_message(
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    date: datetime | None = None,
) -> EmailMessage:
    """A UTF-8 plain-text message from `settings.mail_from`; a naive `date` is UTC."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    when = date or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    message["Date"] = format_datetime(when)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, subtype="plain", charset="utf-8")
    return message


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=context
            )
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        with smtp:
            if s.smtp_starttls and not s.smtp_ssl:
                smtp.starttls(context=context)
            if s.smtp_username:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                smtp.login(s.smtp_username, password)
            smtp.send_message(message)


class MaildirTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        path = self.settings.resolved_maildir
        path.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(path, create=True)
        box.add(message)


def transport_for(settings: Settings) -> Transport:
    if settings.mail_backend == "smtp":
        return SmtpTransport(settings)
    return MaildirTransport(settings)
