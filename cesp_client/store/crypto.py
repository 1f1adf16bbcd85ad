"""Encryption at rest of the draft store's personal data (no Textual here).

A random 256-bit *data key* per account (server key, user name) encrypts every personal
value of its dossiers with AES-GCM (`cryptography`): one random 96-bit nonce per value,
and associated data naming the dossier, the column, the tab and the field (or the pending
operation, or the piece), so a ciphertext moved to another row or field does not open.

The data key itself is never written in clear. It is *wrapped* (AES-GCM again) by a key
derived from the user's password with argon2id (a per-account random salt, parameters
stored next to it), and, where a system keyring exists, also kept in that keyring. A
password change re-wraps the data key; nothing else is re-encrypted. See
docs/adr/0022-drafts-encrypted-at-rest.md.

Formats (all text, so the JSON columns keep working):

* a sealed value: ``SEALED_PREFIX`` + urlsafe base64 of ``nonce || ciphertext||tag``;
  the plaintext is the JSON of the value, padded with spaces to a multiple of 16 bytes
  (the length of a value shows only to 16 bytes);
* a sealed payload (a pending operation's JSON object): ``{"~": <sealed value>}``.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "DEFAULT_KDF",
    "SEALED_PREFIX",
    "DataKey",
    "DraftsLocked",
    "KdfParams",
    "WrongPassword",
    "derive_key",
    "is_sealed",
    "is_sealed_payload",
]

#: Marks a sealed value; a record separator (nobody types it) and a format version.
SEALED_PREFIX = "\x1egcm1:"
PAYLOAD_KEY = "~"
NONCE_BYTES = 12
KEY_BYTES = 32
SALT_BYTES = 16
_PAD = 16
_CHECK = b"cesp-drafts key check v1"


class DraftsLocked(Exception):
    """The account's drafts are encrypted and not unlocked in this session."""

    def __init__(self, owner: tuple[str, str] | None = None) -> None:
        super().__init__(
            "Les brouillons de ce poste sont verrouillés : saisissez votre mot de passe."
        )
        self.owner = owner


class WrongPassword(Exception):
    """The password does not open the wrapped data key."""

    def __init__(self) -> None:
        super().__init__("Mot de passe incorrect : les brouillons de ce poste restent verrouillés.")


@dataclass(frozen=True)
class KdfParams:
    """argon2id parameters (stored with each wrapped key: they may change later)."""

    time_cost: int = 4
    memory_kib: int = 65536  # 64 MiB
    parallelism: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "algorithm": "argon2id",
            "time_cost": self.time_cost,
            "memory_kib": self.memory_kib,
            "parallelism": self.parallelism,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KdfParams:
        if data.get("algorithm") != "argon2id":
            raise ValueError(f"unknown key derivation: {data.get('algorithm')!r}")
        return cls(int(data["time_cost"]), int(data["memory_kib"]), int(data["parallelism"]))


#: About 0.3-0.5 s on an office machine (bench/bench_draft_store.py prints it), once per
#: login or unlock. Tests lower it (tests/tui/conftest.py).
DEFAULT_KDF = KdfParams()


def derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The key-encryption key of a password (argon2id, raw 32 bytes)."""
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def is_sealed_payload(payload: Any) -> bool:
    return isinstance(payload, dict) and len(payload) == 1 and is_sealed(payload.get(PAYLOAD_KEY))


def _aad(*parts: str) -> bytes:
    return "\x00".join(("cesp-drafts/v1", *parts)).encode("utf-8")


def _owner_aad(server_key: str, username: str) -> bytes:
    return _aad("data-key", server_key, username)


class DataKey:
    """An account's data key, in memory only. Its repr never shows the key."""

    __slots__ = ("_aead", "_raw")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        self._raw = raw
        self._aead = AESGCM(raw)

    @classmethod
    def generate(cls) -> DataKey:
        return cls(AESGCM.generate_key(bit_length=256))

    def __repr__(self) -> str:
        return "DataKey(<hidden>)"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # never pickled (into a diagnostic, a crash dump...)
        raise TypeError("a DataKey cannot be pickled")

    # --- values ----------------------------------------------------------------------

    def seal(self, value: Any, *context: str) -> str:
        """``value`` (any JSON value) sealed for ``context`` (dossier, column, tab, field)."""
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        plain += b" " * (-len(plain) % _PAD)
        nonce = os.urandom(NONCE_BYTES)
        return SEALED_PREFIX + _b64(nonce + self._aead.encrypt(nonce, plain, _aad(*context)))

    def open(self, sealed: str, *context: str) -> Any:
        """The value of a `seal` for the same ``context``; `InvalidTag` otherwise."""
        blob = _unb64(sealed[len(SEALED_PREFIX) :])
        plain = self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(*context))
        return json.loads(plain)

    def seal_tabs(self, data: dict[str, Any] | None, dossier_id: str, column: str) -> Any:
        """tab -> field -> value, every value sealed (already sealed ones are kept)."""
        if data is None:
            return None
        return {
            tab: {
                field: value
                if is_sealed(value)
                else self.seal(value, dossier_id, column, tab, field)
                for field, value in (values or {}).items()
            }
            for tab, values in data.items()
        }

    def open_tabs(self, data: dict[str, Any] | None, dossier_id: str, column: str) -> Any:
        if data is None:
            return None
        return {
            tab: {
                field: self.open(value, dossier_id, column, tab, field)
                if is_sealed(value)
                else value
                for field, value in (values or {}).items()
            }
            for tab, values in data.items()
        }

    def seal_payload(self, payload: dict[str, Any], *context: str) -> dict[str, str]:
        if is_sealed_payload(payload):
            return payload
        return {PAYLOAD_KEY: self.seal(payload, *context)}

    def open_payload(self, payload: dict[str, Any], *context: str) -> dict[str, Any]:
        if not is_sealed_payload(payload):
            return payload
        return dict(self.open(payload[PAYLOAD_KEY], *context))

    # --- wrapping ----------------------------------------------------------------------

    def wrap(self, kek: bytes, server_key: str, username: str) -> str:
        """This key encrypted by a key-encryption key (a password's, see `derive_key`)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(kek).encrypt(nonce, self._raw, _owner_aad(server_key, username))
        return _b64(nonce + sealed)

    @classmethod
    def unwrap(cls, wrapped: str, kek: bytes, server_key: str, username: str) -> DataKey:
        """The data key wrapped by ``kek``; `WrongPassword` when ``kek`` is not the one."""
        blob = _unb64(wrapped)
        try:
            raw = AESGCM(kek).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _owner_aad(server_key, username)
            )
        except InvalidTag as error:
            raise WrongPassword() from error
        return cls(raw)

    def check_value(self, server_key: str, username: str) -> str:
        """A value that tells, without revealing the key, whether a key is this one (to
        recognise the copy found in the keyring)."""
        mac = hmac.new(self._raw, _CHECK + _owner_aad(server_key, username), "sha256")
        return _b64(mac.digest())

    def matches(self, check: str, server_key: str, username: str) -> bool:
        return hmac.compare_digest(self.check_value(server_key, username), check)

    def export_for_keyring(self) -> str:
        """The key as text, for the system keyring only (never logged, never on disk)."""
        return _b64(self._raw)

    @classmethod
    def from_keyring(cls, text: str) -> DataKey:
        return cls(_unb64(text))


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def encode_salt(salt: bytes) -> str:
    return _b64(salt)


def decode_salt(text: str) -> bytes:
    return _unb64(text)
