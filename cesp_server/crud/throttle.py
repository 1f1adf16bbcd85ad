"""Login throttle: a growing delay after repeated failures, never a hard lock.

The first `Settings.login_max_failures` - 1 failures cost nothing; the next one blocks new
attempts for `login_throttle_seconds`, and each failure after a block doubles the delay, up
to `login_lock_minutes`. An attempt during the block is refused without being checked and
without being counted, so someone hammering a known user name does not lengthen the
owner's wait beyond the delay of the failures actually made; the owner's right password
passes as soon as the delay is over, and a password reset through the mailbox clears the
counter at once.

Known accounts (key ``account:<id>``) and unknown identifiers (``ident:<identifier>``) go
through the same rows and the same arithmetic: their answers are identical (issue 15,
item 8). Failures older than `FORGET_AFTER` start the count again.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from ..errors import ApiProblem
from ..models.base import utcnow
from ..models.throttle import LoginThrottle
from ..settings import Settings

#: A failure older than this is forgotten by the next one.
FORGET_AFTER = timedelta(hours=24)


def account_key(account_id: int) -> str:
    return f"account:{account_id}"


def identifier_key(identifier: str) -> str:
    return f"ident:{identifier.strip().lower()[:180]}"


def delay_after(settings: Settings, failures: int) -> timedelta:
    """How long new attempts wait after the `failures`-th consecutive failure."""
    over = failures - settings.login_max_failures
    if over < 0:
        return timedelta(0)
    cap = settings.login_lock_minutes * 60
    seconds = min(settings.login_throttle_seconds * (2 ** min(over, 30)), cap)
    return timedelta(seconds=seconds)


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


def throttled(until: datetime, now: datetime) -> ApiProblem:
    """The refusal of an attempt made before `until` (423, same for every key)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    return ApiProblem(
        423,
        "account_locked",
        f"Trop d'essais infructueux : patientez {_wait_text(seconds)} avant de réessayer "
        "(chaque nouvel échec allonge l'attente), ou utilisez « Mot de passe oublié » : le "
        "mot de passe choisi avec le lien reçu par e-mail débloque le compte aussitôt.",
        headers={"Retry-After": str(seconds)},
        extra={"locked_minutes": math.ceil(seconds / 60), "retry_after": seconds},
    )


def check(session: Session, key: str, now: datetime | None = None) -> None:
    """Raise `throttled` when `key` must still wait."""
    now = now or utcnow()
    row = session.get(LoginThrottle, key)
    if row is not None and row.blocked_until is not None and row.blocked_until > now:
        raise throttled(row.blocked_until, now)


def fail(session: Session, settings: Settings, key: str) -> ApiProblem | None:
    """Count one failure of `key` (commits); the refusal to give when it now must wait."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = LoginThrottle.__table__  # type: ignore[attr-defined]
    statement = (
        insert(LoginThrottle)
        .values(key=key[:200], failures=1, blocked_until=None, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case(
                    (table.c.last_failure_at < now - FORGET_AFTER, 1),
                    else_=table.c.failures + 1,
                ),
                "last_failure_at": now,
            },
        )
        .returning(table.c.failures)
    )
    failures = int(session.exec(statement).scalar_one())  # type: ignore[call-overload]
    delay = delay_after(settings, failures)
    if delay:
        until = now + delay
        session.exec(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == key[:200])  # type: ignore[call-overload]
            .values(blocked_until=until)
        )
        session.commit()
        return throttled(until, now)
    session.commit()
    return None


def clear(session: Session, key: str) -> None:
    """Forget the failures of `key` (a right password, a reset); not committed."""
    session.exec(delete(LoginThrottle).where(col(LoginThrottle.key) == key[:200]))  # type: ignore[call-overload]


def purge(session: Session) -> int:
    """Delete the rows whose last failure is forgotten (`cesp-server jobs run`)."""
    result = session.exec(  # type: ignore[call-overload]
        delete(LoginThrottle).where(col(LoginThrottle.last_failure_at) < utcnow() - FORGET_AFTER)
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
