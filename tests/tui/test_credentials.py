"""TokenStore with the real keyring library: a working backend, none, and a hanging one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors
from keyring.backend import KeyringBackend

from cesp_client.credentials import FALLBACK_REASON, SERVICE, TokenStore
from tests.tui.conftest import MemoryKeyring

URL = "http://127.0.0.1:8000"


class HangingKeyring(KeyringBackend):
    """A backend whose calls never return (like Secret Service when D-Bus hangs)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(30)


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("trousseau verrouillé")


def test_tokens_go_to_the_system_keyring() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = TokenStore()
    assert store.save(URL, "jdupont", "secret-token") is True
    assert store.persistent and store.fallback_reason is None
    assert store.take_notice() is None
    assert backend.passwords == {(SERVICE, f"{URL} jdupont"): "secret-token"}
    # A new session (a new TokenStore) finds it again.
    assert TokenStore().load(URL, "jdupont") == "secret-token"
    assert TokenStore().load(URL, "someone") is None
    assert TokenStore().load("https://autre.example.org", "jdupont") is None
    store.delete(URL, "jdupont")
    assert backend.passwords == {}
    store.delete(URL, "jdupont")  # nothing to delete: fine
    assert store.load(URL, "jdupont") is None


def test_no_keyring_falls_back_to_memory_for_the_session(tmp_path: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = TokenStore()
    assert store.save(URL, "jdupont", "secret-token") is False
    assert store.fallback_reason == FALLBACK_REASON
    assert not store.persistent
    assert store.take_notice() == FALLBACK_REASON
    assert store.take_notice() is None  # said once
    assert store.load(URL, "jdupont") == "secret-token"  # for this session
    assert TokenStore().load(URL, "jdupont") is None  # not after closing
    store.delete(URL, "jdupont")
    assert store.load(URL, "jdupont") is None
    assert list(tmp_path.iterdir()) == []  # nothing written anywhere we look


def test_the_null_backend_is_no_keyring_either() -> None:
    keyring.set_keyring(keyring.backends.null.Keyring())
    store = TokenStore()
    assert store.save(URL, "jdupont", "t") is False
    assert store.fallback_reason == FALLBACK_REASON


def test_a_hanging_keyring_times_out_and_falls_back() -> None:
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    store = TokenStore(timeout=0.2)
    started = time.monotonic()
    assert store.load(URL, "jdupont") is None
    assert time.monotonic() - started < 2
    assert store.fallback_reason == FALLBACK_REASON
    assert "ne répond pas" in (store.fallback_detail or "")
    # From now on the keyring is not tried again: no second wait.
    started = time.monotonic()
    assert store.save(URL, "jdupont", "t") is False
    assert store.load(URL, "jdupont") == "t"
    assert time.monotonic() - started < 0.1
    backend.release.set()


def test_a_keyring_error_falls_back_and_keeps_the_token_in_memory() -> None:
    keyring.set_keyring(LockedKeyring())
    store = TokenStore()
    assert store.save(URL, "jdupont", "t") is False
    assert store.fallback_reason == FALLBACK_REASON
    assert "verrouillé" in (store.fallback_detail or "")
    assert store.load(URL, "jdupont") == "t"


def test_a_plain_text_file_backend_is_refused() -> None:
    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    backend = PlaintextKeyring()
    keyring.set_keyring(backend)
    store = TokenStore()
    assert store.save(URL, "jdupont", "t") is False
    assert backend.passwords == {}
    assert store.fallback_reason == FALLBACK_REASON
