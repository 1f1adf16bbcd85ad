"""Queueing and delivering mails through the `OutboxMail` table.

- `queue_mail` renders a template and adds the row to the caller's session (the caller
  commits, so the mail exists exactly when the change it announces does). A mail with a
  secret (code, link, token) is stored sealed with the server key (`sealing`), its clear
  columns holding the redacted copy; once sent, only the redacted copy stays (ADR 0016).
- `deliver_pending` claims due rows, sends them, marks them sent; a failure keeps the row
  with its error and a later `next_attempt_at` (exponential backoff). Safe to run from
  several processes at once (claims are conditional UPDATEs with a lease).
- `kick(app)` starts a delivery off the request path right after a route committed mail
  rows, so mails arrive within seconds; `cesp-server jobs run` retries what is left.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session

from ..models.base import utcnow
from ..models.outbox import OutboxMail
from ..settings import Settings
from .redact import SECRET_KEYS, redacted_context
from .render import render_mail
from .sealing import is_sealed, open_seal, seal
from .transports import Transport, build_message, new_message_id, transport_for

log = logging.getLogger("cesp_server.mail")

#: How long a deliverer owns the rows it claimed (then another may take them over).
CLAIM_LEASE = timedelta(minutes=10)
#: Rows claimed per round trip.
CLAIM_BATCH = 20
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)


def queue_mail(
    session: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    account_id: int | None = None,
    dossier_id: str | None = None,
    settings: Settings | None = None,
) -> OutboxMail:
    """Render `template` and add the mail to `session` (not committed)."""
    rendered = render_mail(template, context)
    secret = any(key in context for key in SECRET_KEYS)
    redacted = render_mail(template, redacted_context(context)) if secret else rendered
    if secret:
        if settings is None:
            raise ValueError("a mail with a secret needs the settings (its sealing key)")
        subject = redacted.subject[:300]
        body = seal(settings, rendered.subject[:300], rendered.body)
    else:
        subject, body = rendered.subject[:300], rendered.body
    mail = OutboxMail(
        to_addr=to,
        subject=subject,
        body_text=body,
        redacted_subject=redacted.subject[:300],
        redacted_body=redacted.body,
        template=template,
        account_id=account_id,
        dossier_id=dossier_id,
        message_id=new_message_id(settings),
    )
    session.add(mail)
    return mail


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 30 s, 1 min, 2 min... ≤ 6 h."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(BACKOFF_FIRST * (2**exponent), BACKOFF_MAX)


def _claim(engine: Engine, limit: int, now: datetime) -> tuple[str, list[OutboxMail]]:
    token = uuid.uuid4().hex
    free = or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < now)  # type: ignore[union-attr,operator]
    due = (
        select(OutboxMail.id)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.next_attempt_at <= now, free)  # type: ignore[union-attr]
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
    )
    # The conditions are repeated on the UPDATE itself: a concurrent deliverer that
    # claimed a row first makes this UPDATE skip it (PostgreSQL re-checks them on the
    # committed row; SQLite serialises writers).
    claim = (
        update(OutboxMail)
        .where(OutboxMail.id.in_(due), OutboxMail.sent_at.is_(None), free)  # type: ignore[union-attr]
        .values(claimed_until=now + CLAIM_LEASE, claim_token=token)
    )
    with engine.begin() as conn:
        conn.execute(claim)
    with Session(engine, expire_on_commit=False) as session:
        rows = session.scalars(
            select(OutboxMail).where(OutboxMail.claim_token == token).order_by(OutboxMail.id)
        ).all()
    return token, list(rows)


def _mark_sent(engine: Engine, mail: OutboxMail, token: str) -> None:
    # A sent mail keeps its redacted copy only: the secret it carried is gone from the row.
    cleared = (
        {"body_text": mail.redacted_body or "", "subject": mail.redacted_subject or ""}
        if is_sealed(mail.body_text)
        else {}
    )
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id, OutboxMail.claim_token == token)
            .values(
                **cleared,
                sent_at=utcnow(),
                attempts=OutboxMail.attempts + 1,
                claimed_until=None,
                claim_token=None,
                last_error=None,
            )
        )


def _mark_failed(engine: Engine, mail: OutboxMail, token: str, error: str) -> None:
    attempts = mail.attempts + 1
    with engine.begin() as conn:
        conn.execute(
            update(OutboxMail)
            .where(OutboxMail.id == mail.id, OutboxMail.claim_token == token)
            .values(
                attempts=attempts,
                next_attempt_at=utcnow() + backoff(attempts),
                last_error=error[:500],
                claimed_until=None,
                claim_token=None,
            )
        )


def deliver_pending(
    engine: Engine,
    settings: Settings,
    *,
    limit: int = 100,
    transport: Transport | None = None,
) -> int:
    """Send up to `limit` due mails; returns how many were sent."""
    transport = transport or transport_for(settings)
    sent = 0
    remaining = limit
    while remaining > 0:
        token, rows = _claim(engine, min(CLAIM_BATCH, remaining), utcnow())
        if not rows:
            break
        remaining -= len(rows)
        for mail in rows:
            try:
                subject, body = mail.subject, mail.body_text
                if is_sealed(body):
                    subject, body = open_seal(settings, body)
                message = build_message(
                    settings,
                    to=mail.to_addr,
                    subject=subject,
                    body=body,
                    message_id=mail.message_id,
                    date=mail.created_at,
                )
                transport.send(message)
            except Exception as exc:  # any failure keeps the mail for a later try
                log.warning("mail %s to %s not sent: %s", mail.id, mail.to_addr, exc)
                _mark_failed(engine, mail, token, f"{type(exc).__name__}: {exc}")
            else:
                _mark_sent(engine, mail, token)
                sent += 1
    return sent


class _Deliverer:
    """One background thread per application; kicks while it runs are coalesced."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.lock = threading.Lock()
        self.running = False
        self.again = False
        self.idle = threading.Event()
        self.idle.set()

    def kick(self) -> None:
        with self.lock:
            if self.running:
                self.again = True
                return
            self.running = True
            self.idle.clear()
        threading.Thread(target=self._run, daemon=True, name="cesp-mail").start()

    def _run(self) -> None:
        while True:
            try:
                deliver_pending(self.engine, self.settings)
            except Exception:
                log.exception("mail delivery failed")
            with self.lock:
                if not self.again:
                    self.running = False
                    self.idle.set()
                    return
                self.again = False


_deliverers_lock = threading.Lock()


def _deliverer(app: Any) -> _Deliverer:
    with _deliverers_lock:
        deliverer = getattr(app.state, "mail_deliverer", None)
        if deliverer is None:
            deliverer = _Deliverer(app.state.engine, app.state.settings)
            app.state.mail_deliverer = deliverer
        return deliverer


def kick(app: Any) -> None:
    """Deliver due mails now, in a background thread (call after committing them)."""
    _deliverer(app).kick()


def wait_idle(app: Any, timeout: float = 10.0) -> bool:
    """Wait until the background deliverer of `app` is idle (tests, shutdown)."""
    return _deliverer(app).idle.wait(timeout)
