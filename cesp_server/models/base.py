"""Shared helpers of the tables.

Every timestamp is stored as a naive UTC datetime (`utcnow()`), the same on SQLite and
PostgreSQL; conversion to Europe/Paris happens at the edges (campaign dates, mails).
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
