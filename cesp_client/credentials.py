"""Session tokens in the system keyring, with a session-only fallback.

Every keyring call runs in a daemon thread and is abandoned after ``timeout`` seconds:
the Secret Service backend talks to D-Bus, which can hang forever on a headless machine.
When there is no usable keyring (``NoKeyringError``, the ``fail``/``null`` backends, a
plain-text file backend, a timeout or any keyring error), the token is kept in memory for
this session only and `fallback_reason` says so, once, in French. Nothing secret is ever
written to disk by this module.

The methods block for up to ``timeout`` seconds: call them from a thread worker.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

__all__ = ["DRAFT_KEY_SERVICE", "FALLBACK_REASON", "SERVICE", "TokenStore"]

SERVICE = "cesp"
#: The keyring service of the draft store's data keys (see cesp_tui/store/keys.py).
DRAFT_KEY_SERVICE = "cesp-drafts-key"
FALLBACK_REASON = "Aucun trousseau système : votre session ne sera pas mémorisée après fermeture."
DEFAULT_TIMEOUT = 3.0

#: Backends that are no keyring at all, or that would keep the token in clear on disk.
_UNSAFE_BACKENDS = frozenset(
    {
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
    }
)

_T = TypeVar("_T")


class KeyringUnavailable(Exception):
    """The keyring cannot be used (missing, unsafe, failing or hanging)."""


def _qualified_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__name__}"


def _unsafe(backend: KeyringBackend) -> bool:
    if _qualified_name(backend) in _UNSAFE_BACKENDS:
        return True
    chained = getattr(backend, "backends", None)
    if chained is not None:  # keyring.backends.chainer.ChainerBackend
        usable = [b for b in chained if not _unsafe(b)]
        return not usable or _unsafe(chained[0])
    return False


def _call_with_timeout(func: Callable[[], _T], timeout: float) -> _T:
    """``func()`` in a daemon thread; `KeyringUnavailable` when it raises or hangs.

    A daemon thread (not a ThreadPoolExecutor, whose threads are joined at exit) so that
    a call stuck in D-Bus never keeps the program from quitting.
    """
    future: Future[_T] = Future()

    def run() -> None:
        try:
            future.set_result(func())
        except BaseException as error:
            future.set_exception(error)

    threading.Thread(target=run, name="cesp-keyring", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except FutureTimeout as error:
        raise KeyringUnavailable(f"le trousseau ne répond pas après {timeout:g} s") from error
    except keyring.errors.KeyringError as error:
        raise KeyringUnavailable(str(error) or type(error).__name__) from error
    except Exception as error:  # e.g. a D-Bus or secretstorage error
        raise KeyringUnavailable(f"{type(error).__name__}: {error}") from error


class TokenStore:
    """The session token of each (server URL, user name).

    ``save`` returns True when the token went to the system keyring, False when it is
    kept in memory only (then `fallback_reason` tells the user why, once).
    """

    def __init__(
        self, *, timeout: float = DEFAULT_TIMEOUT, backend: KeyringBackend | None = None
    ) -> None:
        self.timeout = timeout
        self._backend = backend
        self._resolved = backend is not None
        self._memory: dict[str, str] = {}
        self._lock = threading.Lock()
        #: Why tokens are kept in memory only (French, to show once); None: keyring in use.
        self.fallback_reason: str | None = None
        #: The technical cause behind `fallback_reason`, for logs and the support screen.
        self.fallback_detail: str | None = None
        self._noticed = False

    @staticmethod
    def account(server_url: str, username: str) -> str:
        """The keyring "user" for a server and a user name."""
        return f"{server_url.rstrip('/')} {username}"

    def take_notice(self) -> str | None:
        """`fallback_reason` the first time it is asked for, then None (say it once)."""
        with self._lock:
            if self.fallback_reason is None or self._noticed:
                return None
            self._noticed = True
            return self.fallback_reason

    @property
    def persistent(self) -> bool:
        """True while tokens go to the system keyring (they survive the session)."""
        return self.fallback_reason is None

    # --- keyring access -----------------------------------------------------------

    def _fall_back(self, detail: str) -> None:
        with self._lock:
            self.fallback_reason = FALLBACK_REASON
            self.fallback_detail = detail
            self._backend = None
            self._resolved = True

    def _keyring(self) -> KeyringBackend | None:
        """The usable backend, resolved once (in a timed thread: probing may hang)."""
        if self._resolved:
            return self._backend
        try:
            backend = _call_with_timeout(keyring.get_keyring, self.timeout)
        except KeyringUnavailable as error:
            self._fall_back(str(error))
            return None
        if _unsafe(backend):
            self._fall_back(f"pas de trousseau utilisable ({_qualified_name(backend)})")
            return None
        with self._lock:
            self._backend = backend
            self._resolved = True
        return backend

    def _run(self, func: Callable[[KeyringBackend], _T]) -> tuple[bool, _T | None]:
        """``(True, result)`` from the keyring, or ``(False, None)`` after falling back."""
        backend = self._keyring()
        if backend is None:
            return False, None
        try:
            return True, _call_with_timeout(lambda: func(backend), self.timeout)
        except KeyringUnavailable as error:
            self._fall_back(str(error))
            return False, None

    # --- API -------------------------------------------------------------------------

    def save(self, server_url: str, username: str, token: str) -> bool:
        """Keep ``token``; True when it went to the system keyring, False: memory only."""
        account = self.account(server_url, username)
        with self._lock:
            self._memory[account] = token
        stored, _ = self._run(lambda backend: backend.set_password(SERVICE, account, token))
        return stored

    def load(self, server_url: str, username: str) -> str | None:
        account = self.account(server_url, username)
        with self._lock:
            if account in self._memory:
                return self._memory[account]
        found, token = self._run(lambda backend: backend.get_password(SERVICE, account))
        if found and token:
            with self._lock:
                self._memory[account] = token
            return token
        return None

    def delete(self, server_url: str, username: str) -> None:
        account = self.account(server_url, username)
        with self._lock:
            self._memory.pop(account, None)

        def remove(backend: KeyringBackend) -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):  # nothing stored
                backend.delete_password(SERVICE, account)

        self._run(remove)

    # --- the draft store's data key (never kept in this object's memory) ------------------

    def save_draft_key(self, server_url: str, username: str, secret: str) -> bool:
        """Keep the account's draft data key in the system keyring; False: no keyring
        (the key then lives in the draft store's memory only, for this session)."""
        account = self.account(server_url, username)
        stored, _ = self._run(
            lambda backend: backend.set_password(DRAFT_KEY_SERVICE, account, secret)
        )
        return stored

    def load_draft_key(self, server_url: str, username: str) -> str | None:
        account = self.account(server_url, username)
        found, secret = self._run(lambda backend: backend.get_password(DRAFT_KEY_SERVICE, account))
        return secret if found and secret else None

    def delete_draft_key(self, server_url: str, username: str) -> None:
        account = self.account(server_url, username)

        def remove(backend: KeyringBackend) -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                backend.delete_password(DRAFT_KEY_SERVICE, account)

        self._run(remove)
