"""The mail outbox: every mail is a row first, sent later (and retried) by a deliverer.

A mail is never lost: a failed send stays in the table with its error and a later
`next_attempt_at`; rows are never deleted by delivery. Several workers (uvicorn processes,
cron jobs) deliver concurrently: each claims rows with a conditional UPDATE that sets
`claimed_until` and a random `claim_token`, so a row is sent by one of them at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from .base import utcnow


class OutboxMail(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    to_addr: str = Field(index=True, max_length=254)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    #: Name of the template it was rendered from (`signup_code`, `closing_reminder`...).
    template: str = Field(index=True, max_length=60)
    account_id: int | None = Field(default=None, index=True)
    #: The dossier it is about, if any (no foreign key: mails outlive dossiers).
    dossier_id: str | None = Field(default=None, index=True, max_length=64)
    #: RFC 5322 Message-ID, fixed at queue time so that a retry keeps the same id.
    message_id: str = Field(max_length=200)
    #: The same mail with its secrets (codes, links, tokens) replaced, for the support.
    redacted_subject: str | None = Field(default=None, max_length=300)
    redacted_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)

    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = Field(default=None, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    #: A deliverer owns the row until then (a crashed one loses it after the lease).
    claimed_until: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=64)
