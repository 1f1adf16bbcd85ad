"""The Alembic revisions build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from cesp_server import models  # noqa: F401
from cesp_server.db import make_engine
from cesp_server.migrate import upgrade
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
