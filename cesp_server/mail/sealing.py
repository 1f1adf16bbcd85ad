"""Secrets of the mails waiting in the outbox are sealed with a server key (ADR 0016).

A mail rendered with a secret (a code, a set-password or reset link, a claim token) is
stored as ``sealed:v1:<Fernet token>`` of its real subject and body; the row's clear
columns hold the redacted copy only. The deliverer opens the seal right before sending,
and once the mail is sent the row keeps the redacted text alone. A copy of the database
without the key therefore holds nothing that can act on an account.

The key is `Settings.mail_key` when set (several hosts delivering one outbox must share
it), else a key generated once in ``data_dir/mail.key`` with mode 0600.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ..settings import Settings

__all__ = ["SEALED_PREFIX", "SealError", "is_sealed", "key_path", "open_seal", "seal"]

SEALED_PREFIX = "sealed:v1:"

_lock = threading.Lock()
_cache: dict[str, Fernet] = {}


class SealError(RuntimeError):
    """A sealed mail cannot be opened (no key, another key)."""


def key_path(settings: Settings) -> Path:
    return settings.data_dir / "mail.key"


def _read_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker may have created it a moment ago and not written it yet.
        for _ in range(200):
            key = path.read_bytes().strip()
            if key:
                break
            time.sleep(0.01)
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return key
    key = Fernet.generate_key()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key


def _fernet(settings: Settings) -> Fernet:
    if settings.mail_key is not None and settings.mail_key.get_secret_value():
        raw = settings.mail_key.get_secret_value().encode()
        cache_key = "setting:" + raw.decode()
    else:
        path = key_path(settings)
        raw = b""
        cache_key = "file:" + str(path.resolve())
    with _lock:
        fernet = _cache.get(cache_key)
        if fernet is None:
            if not raw:
                raw = _read_or_create(key_path(settings))
            fernet = Fernet(raw)
            _cache[cache_key] = fernet
        return fernet


def is_sealed(text: str) -> bool:
    return text.startswith(SEALED_PREFIX)


def seal(settings: Settings, subject: str, body: str) -> str:
    payload = json.dumps({"subject": subject, "body": body}, ensure_ascii=False).encode()
    return SEALED_PREFIX + _fernet(settings).encrypt(payload).decode("ascii")


def open_seal(settings: Settings, text: str) -> tuple[str, str]:
    """The real (subject, body) of a sealed mail."""
    try:
        payload = _fernet(settings).decrypt(text[len(SEALED_PREFIX) :].encode("ascii"))
    except (InvalidToken, ValueError) as exc:
        raise SealError(
            "mail scellé illisible : la clé (CESP_MAIL_KEY ou mail.key) a changé"
        ) from exc
    values = json.loads(payload)
    return str(values["subject"]), str(values["body"])
