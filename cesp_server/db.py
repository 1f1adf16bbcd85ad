"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from .settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 10}, pool_size=20
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )


def pool_capacity(engine: Engine) -> int:
    """How many connections the engine hands out at once without making anyone wait.

    A `QueuePool` (files, PostgreSQL) blocks past `pool_size + max_overflow`; the other
    pools (in-memory SQLite, `NullPool`) never block: no cap is needed.
    """
    pool = engine.pool
    if isinstance(pool, QueuePool):
        overflow = getattr(pool, "_max_overflow", 0)
        if overflow >= 0:
            return pool.size() + overflow
    return 10_000


def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
