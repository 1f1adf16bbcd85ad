"""Failed logins, per account and per unknown identifier alike (issue 15, ADR 0016)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .base import utcnow


class LoginThrottle(SQLModel, table=True):
    """Consecutive failures of one key (``account:<id>`` or ``ident:<identifier>``) and the
    moment before which a new attempt is refused without being checked."""

    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0
    blocked_until: datetime | None = None
    last_failure_at: datetime = Field(default_factory=utcnow, index=True)
