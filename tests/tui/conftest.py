"""Fixtures of the client's tests: no real keyring, no user configuration, temp dirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import keyring.errors
import pytest

from cesp_client.store import DraftStore
from cesp_tui.textual_compat import alt_digits_as_keys, keep_non_breaking_spaces
from tests.support.server import ServerHandle, start_server, test_settings
from tests.support.smtp import SmtpSink
from tests.support.tui import MemoryKeyring

# What `CespApp.__init__` sets up for the whole process, set up once for every test here:
# a test that builds a bare `App` (a widget's own test) renders as the client does, and
# no result depends on whether an earlier test of the same worker built a `CespApp`.
alt_digits_as_keys()
keep_non_breaking_spaces()


@pytest.fixture(autouse=True)
def isolated_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Never read the user's client.toml nor touch the system keyring."""
    monkeypatch.setenv("CESP_CLIENT_CONFIG", str(tmp_path / "absent-client.toml"))
    monkeypatch.delenv("CESP_SERVER_URL", raising=False)
    monkeypatch.delenv("CESP_CLIENT_DATA_DIR", raising=False)
    monkeypatch.delenv("CESP_CLIENT_NO_MOUSE", raising=False)
    # Not keyring.get_keyring(): resolving the system backend may probe D-Bus.
    previous = getattr(keyring.core, "_keyring_backend", None)
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.core._keyring_backend = previous  # type: ignore[attr-defined]


# --- a real platform on loopback (API client, sync engine and account screens) -----------


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP sink on 127.0.0.1 that keeps every mail the platform sends."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def server(tmp_path: Path, smtp: SmtpSink) -> Iterator[ServerHandle]:
    """The platform (SQLite) under uvicorn on a loopback port, mailing to `smtp`."""
    handle = start_server(test_settings(tmp_path / "server", smtp_port=smtp.port))
    yield handle
    handle.stop()


@pytest.fixture
def drafts(tmp_path: Path) -> Iterator[DraftStore]:
    """A draft store of its own (the sync engine's tests)."""
    store = DraftStore(tmp_path / "client" / "drafts.db")
    yield store
    store.close()


@pytest.fixture(autouse=True)
def quick_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id at its smallest in tests (the real parameters: bench/bench_draft_store.py);
    what is derived is still checked for real."""
    from cesp_client.store import crypto, keys

    quick = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
    monkeypatch.setattr(crypto, "DEFAULT_KDF", quick)
    monkeypatch.setattr(keys, "DEFAULT_KDF", quick)
