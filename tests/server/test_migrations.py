"""The Alembic revisions build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from cesp_server import models  # noqa: F401
from cesp_server.db import make_engine
from cesp_server.migrate import alembic_config, database_revisions, script_heads, upgrade
from tests.support.server import test_settings as make_settings


def test_migrated_schema_matches_the_models(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", database_url)
    engine = make_engine(settings)
    try:
        upgrade(engine, settings)
        upgrade(engine, settings)  # a second run (another worker) changes nothing
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, SQLModel.metadata)
            tables = set(inspect(connection).get_table_names())
        assert diff == []
        assert {"account", "dossier", "piece", "outboxmail", "alembic_version"} <= tables
    finally:
        engine.dispose()


def test_script_heads_read_as_text_are_alembics_heads() -> None:
    """`upgrade` skips Alembic when the database is at `script_heads()`: the text reading
    of the script files must agree with Alembic's own."""
    from alembic.script import ScriptDirectory

    assert script_heads() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_a_database_behind_the_scripts_is_upgraded(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", database_url)
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            assert database_revisions(connection) == frozenset()
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
        with engine.connect() as connection:
            assert database_revisions(connection) == {"0001"} != script_heads()
        upgrade(engine, settings)
        with engine.connect() as connection:
            assert database_revisions(connection) == script_heads()
            assert "nir_digest" in {c["name"] for c in inspect(connection).get_columns("dossier")}
    finally:
        engine.dispose()


_START_AGAIN = """
import sys
from pathlib import Path
from cesp_server.app import create_app
from tests.support.server import test_settings
create_app(test_settings(Path(sys.argv[1]), sys.argv[2]))
print(sorted(name for name in sys.modules if name.startswith("alembic")))
"""


def test_a_start_on_an_up_to_date_database_does_not_run_alembic(
    database_url: str, tmp_path: Path
) -> None:
    """The everyday start of the (embedded) platform: the database is at head, Alembic is
    neither imported nor run (it costs a noticeable part of the platform's start)."""
    settings = make_settings(tmp_path / "data", database_url)
    engine = make_engine(settings)
    try:
        upgrade(engine, settings)
    finally:
        engine.dispose()
    out = subprocess.run(
        [sys.executable, "-c", _START_AGAIN, str(tmp_path / "data"), database_url],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
