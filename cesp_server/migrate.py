"""Schema migrations with Alembic, run at start-up and by `cesp-server db upgrade`.

Several workers may start at once: PostgreSQL takes an advisory lock, SQLite a file lock
beside the database, so that only one of them migrates and the others wait.

Most starts find the database already at the scripts' head: `upgrade` compares the
database's ``alembic_version`` with the heads read from the script files as text, and
runs Alembic (its import, its environment, the models' metadata) only when they differ
(ADR 0024: the embedded platform's start).
"""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from .settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x43455350  # "CESP"
_ASSIGNMENT = re.compile(
    r"^(?P<name>revision|down_revision)\b[^=\n]*=\s*(?P<value>[^\n]+)$", re.MULTILINE
)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def alembic_config(connection: Connection | None = None, url: str = "") -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


@cache
def script_heads() -> frozenset[str]:
    """The head revisions of ``migrations/versions``, read from the files as text (the
    module-level ``revision`` and ``down_revision`` assignments), without Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for match in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8")):
            found = set(_QUOTED.findall(match["value"]))
            (revisions if match["name"] == "revision" else parents).update(found)
    return frozenset(revisions - parents)


def database_revisions(connection: Connection) -> frozenset[str]:
    """The revisions stamped in the database (empty for a database never migrated)."""
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return frozenset(rows)


def _upgrade_if_behind(connection: Connection) -> None:
    if database_revisions(connection) == script_heads():
        return
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


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
            _upgrade_if_behind(connection)
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _LOCK_ID})
        connection.commit()
        try:
            with connection.begin():
                _upgrade_if_behind(connection)
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _LOCK_ID})
            connection.commit()
