"""Tokens, codes and hashes.

Random tokens (sessions, e-mailed links) carry 256 bits and are stored as their SHA-256:
a database leak gives nothing usable, and a fast hash is enough for 256-bit secrets.
Passwords, secret answers and 4-digit codes are hashed with Argon2id (see accounts).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


def new_token() -> str:
    """A URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


# --- Argon2id: passwords, secret answers, 4-digit codes -------------------------------

_password_hash = PasswordHash((Argon2Hasher(),))


@cache
def _dummy_hash() -> str:
    """A hash of a random secret, verified instead when there is no account (timing)."""
    return _password_hash.hash(new_token())


def hash_secret(secret: str) -> str:
    """Argon2id hash of `secret` (with its own salt and parameters in the string)."""
    return _password_hash.hash(secret)


def verify_secret(secret: str, hashed: str | None) -> bool:
    """Check `secret` against `hashed`; with no hash, a dummy one is checked (same timing)."""
    if not hashed:
        _password_hash.verify(secret, _dummy_hash())
        return False
    try:
        return _password_hash.verify(secret, hashed)
    except Exception:  # a malformed stored hash never lets anyone in
        return False


def burn_time(secret: str = "") -> None:
    """Spend the time of one Argon2id verification (paths where nothing is checked)."""
    _password_hash.verify(secret or "x", _dummy_hash())


def needs_rehash(hashed: str) -> bool:
    try:
        return _password_hash.current_hasher.check_needs_rehash(hashed)
    except Exception:
        return True


def normalize_answer(answer: str) -> str:
    """A secret answer as compared: accents folded, case-folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", answer)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(folded.split())


def hash_answer(answer: str) -> str:
    return hash_secret(normalize_answer(answer))


def verify_answer(answer: str, hashed: str | None) -> bool:
    return verify_secret(normalize_answer(answer), hashed)


def new_code() -> str:
    """A 4-digit code (uniform over 0000-9999)."""
    return f"{secrets.randbelow(10_000):04d}"
