"""Fixed-window counters in the database: an atomic upsert that returns the new count.

`INSERT ... ON CONFLICT (key, window_start) DO UPDATE SET count = count + n RETURNING
count` is one statement on both SQLite (3.35+) and PostgreSQL, so concurrent workers
never lose an increment.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from ..errors import ApiProblem
from ..models.base import utcnow
from ..models.ratelimit import RateCounter

_EPOCH = datetime(2000, 1, 1)


def window_start(now: datetime, window: timedelta) -> datetime:
    seconds = int(window.total_seconds())
    elapsed = int((now - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=elapsed - elapsed % seconds)


def seconds_left(now: datetime, window: timedelta) -> int:
    end = window_start(now, window) + window
    return max(1, math.ceil((end - now).total_seconds()))


def hit(
    session: Session, key: str, window: timedelta, *, amount: int = 1, now: datetime | None = None
) -> int:
    """Add `amount` to the counter of `key` in the current window; returns the new count.

    Commits the session (a count must survive the refusal it causes).
    """
    now = now or utcnow()
    start = window_start(now, window)
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(key=key[:200], window_start=start, count=amount)
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": RateCounter.count + amount},  # type: ignore[operator]
        )
        .returning(RateCounter.count)
    )
    count = session.exec(statement).scalar_one()  # type: ignore[call-overload]
    session.commit()
    return int(count)


def peek(session: Session, key: str, window: timedelta, *, now: datetime | None = None) -> int:
    now = now or utcnow()
    count = session.scalar(
        select(RateCounter.count).where(
            RateCounter.key == key[:200], RateCounter.window_start == window_start(now, window)
        )
    )
    return int(count or 0)


def enforce(
    session: Session,
    key: str,
    limit: int,
    window: timedelta,
    *,
    detail: str = "Trop de demandes : réessayez dans quelques minutes.",
    code: str = "rate_limited",
) -> int:
    """Count one event; raise 429 with `Retry-After` once `limit` is exceeded."""
    now = utcnow()
    count = hit(session, key, window, now=now)
    if count > limit:
        wait = seconds_left(now, window)
        raise ApiProblem(
            429, code, detail, headers={"Retry-After": str(wait)}, extra={"retry_after": wait}
        )
    return count


def purge(session: Session, older_than: timedelta) -> int:
    """Delete counters whose window started before `now - older_than`."""
    result = session.exec(  # type: ignore[call-overload]
        delete(RateCounter).where(RateCounter.window_start < utcnow() - older_than)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
