"""Schema migrations with Alembic, run at start-up and by `cesp-server db upgrade`.

Several workers may start at once: PostgreSQL takes an advisory lock, SQLite a file lock
beside the database, so that only one of them migrates and the others wait.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

from .settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x43455350  # "CESP"


def alembic_config(connection: Connection | None = None, url: str = "") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, settings: Settings) -> None:
    """Bring the database to the latest revision, once across concurrent workers."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database or ""
        lock = Path(database + ".migrate.lock") if database else settings.data_dir / ".lock"
        with _file_lock(lock), engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
        connection.commit()
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), "head")
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
            connection.commit()
