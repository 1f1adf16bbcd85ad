"""Fixtures of the API tests: every test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresCluster, start_cluster
from tests.support.s3 import S3Endpoint, start_s3
from tests.support.server import ServerHandle, start_server, test_settings
from tests.support.smtp import SmtpSink


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster | None]:
    cluster = start_cluster()
    yield cluster
    if cluster is not None:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cesp.db'}"
    cluster: PostgresCluster | None = request.getfixturevalue("pg_cluster")
    if cluster is None:
        pytest.fail("PostgreSQL binaries not found: install postgresql (see .ci/run)")
    return cluster.create_database()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def server(tmp_path: Path, database_url: str, smtp: SmtpSink) -> Iterator[ServerHandle]:
    handle = start_server(test_settings(tmp_path / "data", database_url, smtp.port))
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Endpoint]:
    """An S3-compatible server (moto) on a loopback port, for the whole session."""
    endpoint = start_s3()
    yield endpoint
    endpoint.stop()


@pytest.fixture(params=["file", "s3"])
def store_settings(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings of a piece store: the local directory, or a fresh bucket on moto."""
    if request.param == "file":
        return {}
    endpoint: S3Endpoint = request.getfixturevalue("s3")
    return endpoint.new_bucket_settings()
