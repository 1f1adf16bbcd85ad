"""Unlocking an account's drafts: its data key from the keyring or from its password.

No Textual here; the calls block (argon2id takes about half a second, the keyring may
hang up to its timeout): run them in a thread worker. ``keyring`` is the client's
`cesp_client.credentials.TokenStore` (anything with its three ``*_draft_key`` methods).

* `unlock_with_password`: at login (online, the server checked the password) or offline
  (the wrapped key is the only check). Creates the key on the account's first unlock and
  encrypts its existing plain drafts (`DraftStore.unlock`).
* `unlock_from_keyring`: a session restored at start-up, without a password.
* `unlock_with_old_password`: the password changed and no keyring kept the key.
* `lock` at logout, `reset` when the password is forgotten (unsent changes are lost).
"""

from __future__ import annotations

from typing import Protocol

from .crypto import (
    DEFAULT_KDF,
    DataKey,
    KdfParams,
    WrongPassword,
    decode_salt,
    derive_key,
    encode_salt,
    new_salt,
)
from .drafts import DraftStore
from .models import DraftKey, utcnow
from .sealing import Owner

__all__ = [
    "KeyLost",
    "PasswordChanged",
    "lock",
    "reset",
    "unlock_from_keyring",
    "unlock_with_old_password",
    "unlock_with_password",
]


class KeyringLike(Protocol):
    def save_draft_key(self, server_url: str, username: str, secret: str) -> bool: ...

    def load_draft_key(self, server_url: str, username: str) -> str | None: ...

    def delete_draft_key(self, server_url: str, username: str) -> None: ...


class PasswordChanged(WrongPassword):
    """The server accepted the password but it does not open the drafts: it changed since
    they were locked, and no keyring kept the key. The previous password opens them."""


class KeyLost(WrongPassword):
    """No password wraps the key and the keyring lost it: only a reset is left."""


def _wrap(key: DataKey, owner: Owner, password: str, row: DraftKey) -> DraftKey:
    params = DEFAULT_KDF
    salt = new_salt()
    row.salt = encode_salt(salt)
    row.kdf = params.to_json()
    row.wrapped_key = key.wrap(derive_key(password, salt, params), *owner)
    row.updated_at = utcnow()
    return row


def _new_row(key: DataKey, owner: Owner) -> DraftKey:
    return DraftKey(
        server_url=owner[0], account_username=owner[1], key_check=key.check_value(*owner)
    )


def _from_keyring(keyring: KeyringLike, owner: Owner, row: DraftKey) -> DataKey | None:
    secret = keyring.load_draft_key(*owner)
    if not secret:
        return None
    try:
        key = DataKey.from_keyring(secret)
    except ValueError:
        return None
    return key if key.matches(row.key_check, *owner) else None


def _open(row: DraftKey, owner: Owner, password: str) -> DataKey:
    if row.wrapped_key is None or row.salt is None or row.kdf is None:
        raise KeyLost()
    kek = derive_key(password, decode_salt(row.salt), KdfParams.from_json(row.kdf))
    return DataKey.unwrap(row.wrapped_key, kek, *owner)


def unlock_with_password(
    store: DraftStore, keyring: KeyringLike, owner: Owner, password: str, *, verified: bool
) -> bool:
    """Open the account's drafts with its password (one argon2id derivation).

    ``verified``: the server has just accepted ``password``. Then a key is created on
    the account's first unlock, and a changed password re-wraps the key found in the
    keyring (else `PasswordChanged`). Offline (not verified), a wrong password raises
    `WrongPassword`, and an account without a key here returns False (nothing to open).
    """
    row = store.key_row(owner)
    if row is None:
        if not verified:
            return False
        key = DataKey.generate()
        store.unlock(owner, key, _wrap(key, owner, password, _new_row(key, owner)))
        keyring.save_draft_key(*owner, key.export_for_keyring())
        return True
    try:
        key = _open(row, owner, password)
    except WrongPassword:
        kept = _from_keyring(keyring, owner, row)
        if kept is None:
            if not verified:
                raise
            raise PasswordChanged() from None
        if not verified:  # the keyring opens the drafts, but this password is unchecked
            raise
        store.unlock(owner, kept, _wrap(kept, owner, password, row))  # re-wrapped
        return True
    store.unlock(owner, key)
    keyring.save_draft_key(*owner, key.export_for_keyring())
    return True


def unlock_with_old_password(
    store: DraftStore, keyring: KeyringLike, owner: Owner, old_password: str, new_password: str
) -> None:
    """After `PasswordChanged`: open with the previous password, re-wrap with the new one
    (the data itself is not re-encrypted). `WrongPassword` if it is not the previous one."""
    row = store.key_row(owner)
    if row is None:
        raise KeyLost()
    key = _open(row, owner, old_password)
    store.unlock(owner, key, _wrap(key, owner, new_password, row))
    keyring.save_draft_key(*owner, key.export_for_keyring())


def unlock_from_keyring(store: DraftStore, keyring: KeyringLike, owner: Owner) -> bool:
    """A restored session: open the drafts with the key kept in the system keyring (made
    and kept there on the first time). False: no keyring or no key in it, the password
    is needed."""
    if store.is_unlocked(owner):
        return True
    row = store.key_row(owner)
    if row is None:
        key = DataKey.generate()
        if not keyring.save_draft_key(*owner, key.export_for_keyring()):
            return False
        store.unlock(owner, key, _new_row(key, owner))  # wrapped by the password at login
        return True
    kept = _from_keyring(keyring, owner, row)
    if kept is None:
        return False
    store.unlock(owner, kept)
    return True


def lock(store: DraftStore, keyring: KeyringLike, owner: Owner) -> None:
    """Logout: forget the key in memory, and in the keyring when the password wraps it
    (the next session needs the password). A keyring-only key stays there: it would be
    lost otherwise."""
    row = store.key_row(owner)
    store.lock(owner)
    if row is not None and row.wrapped_key is not None:
        keyring.delete_draft_key(*owner)


def reset(store: DraftStore, keyring: KeyringLike, owner: Owner) -> int:
    """Forgotten password: delete the account's local drafts and key. Returns the number
    of changes that had not reached the server (lost; the rest comes back from it)."""
    keyring.delete_draft_key(*owner)
    return store.reset_owner(owner)
