"""Transparent sealing of the draft store's rows (SQLAlchemy ORM events; no Textual).

Rows go to SQLite sealed and come back open: `LocalDossier.data` and ``server_data``
(value by value), `PendingOp.payload` (whole), `LocalPiece.filename`. Code that uses the
store's tables through an ORM session (``DraftStore``, ``cesp_client.sync.local``) sees
plain values and never a key. Identifiers, versions, states, dates and tab names stay in
clear for the queries.

Which key: the one of the dossier's owner (server key, user name), unlocked by
`Sealer.unlock`. An owner without a `DraftKey` row is a plain (legacy, not yet migrated)
owner: its rows pass through unchanged. An owner with a key that is not unlocked raises
`DraftsLocked` on any read or write of its personal data.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper, QueryContext
from sqlalchemy.orm.attributes import set_committed_value

from .crypto import DataKey, DraftsLocked, is_sealed, is_sealed_payload
from .models import LocalDossier, LocalPiece, PendingOp

__all__ = ["Owner", "Sealer", "sealer_of"]

Owner = tuple[str, str]

_SEALERS: weakref.WeakKeyDictionary[Engine, Sealer] = weakref.WeakKeyDictionary()
_PLAIN = "cesp_plain"


class Sealer:
    """The unlocked data keys of one store (one per engine), in memory only."""

    def __init__(self, engine: Engine, sealed_owners: set[Owner]) -> None:
        self._lock = threading.Lock()
        self._keys: dict[Owner, DataKey] = {}
        self._sealed = set(sealed_owners)
        self._owner_of: dict[str, Owner] = {}
        _SEALERS[engine] = self

    def __repr__(self) -> str:
        return f"Sealer(unlocked={sorted(self._keys)!r})"

    # --- keys ------------------------------------------------------------------------

    def unlock(self, owner: Owner, key: DataKey) -> None:
        with self._lock:
            self._keys[owner] = key
            self._sealed.add(owner)

    def lock(self, owner: Owner) -> None:
        with self._lock:
            self._keys.pop(owner, None)

    def forget(self, owner: Owner) -> None:
        """The owner's key is gone (the local store was reset): plain again until a new key."""
        with self._lock:
            self._keys.pop(owner, None)
            self._sealed.discard(owner)

    def is_unlocked(self, owner: Owner) -> bool:
        return owner in self._keys

    def is_sealed(self, owner: Owner) -> bool:
        return owner in self._sealed

    def note_owner(self, dossier_id: str, owner: Owner) -> None:
        self._owner_of[dossier_id] = owner

    def key_for_owner(self, owner: Owner) -> DataKey | None:
        """The owner's key; None for a plain owner; `DraftsLocked` when not unlocked."""
        key = self._keys.get(owner)
        if key is None and owner in self._sealed:
            raise DraftsLocked(owner)
        return key

    def owner_of(self, dossier_id: str, connection: Connection | None) -> Owner | None:
        owner = self._owner_of.get(dossier_id)
        if owner is None and connection is not None:
            row = connection.execute(
                text("SELECT server_url, account_username FROM local_dossier WHERE id = :id"),
                {"id": dossier_id},
            ).first()
            if row is not None:
                owner = (row[0], row[1])
                self._owner_of[dossier_id] = owner
        return owner

    def key_for_dossier(self, dossier_id: str, connection: Connection | None) -> DataKey | None:
        owner = self.owner_of(dossier_id, connection)
        if owner is None:
            if connection is None:  # a sealed row whose dossier is not known here
                raise DraftsLocked(None)
            return None
        return self.key_for_owner(owner)


def sealer_of(engine: Engine) -> Sealer | None:
    return _SEALERS.get(engine)


def _engine_of_context(context: QueryContext) -> Engine | None:
    bind = context.session.get_bind()
    return bind if isinstance(bind, Engine) else getattr(bind, "engine", None)


def _changed(target: Any, name: str, inserting: bool) -> bool:
    return inserting or inspect(target).attrs[name].history.has_changes()


# --- LocalDossier: data and server_data, value by value -----------------------------------

_DOSSIER_COLUMNS = ("data", "server_data")


def _seal_dossier(connection: Connection, target: LocalDossier, inserting: bool) -> None:
    sealer = _SEALERS.get(connection.engine)
    if sealer is None:
        return
    owner = (target.server_url, target.account_username)
    sealer.note_owner(target.id, owner)
    key = sealer.key_for_owner(owner)
    if key is None:
        return
    plain: dict[str, Any] = {}
    for name in _DOSSIER_COLUMNS:
        if _changed(target, name, inserting):
            value = getattr(target, name)
            plain[name] = value
            setattr(target, name, key.seal_tabs(value, target.id, name))
    inspect(target).info[_PLAIN] = plain


def _restore(target: Any) -> None:
    plain = inspect(target).info.pop(_PLAIN, None)
    for name, value in (plain or {}).items():
        set_committed_value(target, name, value)


def _open_dossier(target: LocalDossier, context: QueryContext) -> None:
    engine = _engine_of_context(context)
    sealer = _SEALERS.get(engine) if engine is not None else None
    if sealer is None:
        return
    state = target.__dict__
    owner = (state.get("server_url"), state.get("account_username"))
    if owner[0] is None or owner[1] is None:
        return
    sealer.note_owner(target.id, owner)  # type: ignore[arg-type]
    columns = [name for name in _DOSSIER_COLUMNS if state.get(name)]
    if not any(_tabs_sealed(state[name]) for name in columns):
        return
    key = sealer.key_for_owner(owner)  # type: ignore[arg-type]
    if key is None:
        raise DraftsLocked(owner)  # type: ignore[arg-type]
    for name in columns:
        set_committed_value(target, name, key.open_tabs(state[name], target.id, name))


def _tabs_sealed(data: dict[str, Any]) -> bool:
    return any(is_sealed(v) for values in data.values() for v in (values or {}).values())


# --- PendingOp: the whole payload ---------------------------------------------------------


def _op_context(op: PendingOp) -> tuple[str, ...]:
    return ("pending_op", op.dossier_id, str(op.kind), op.tab or "", op.idempotency_key)


def _seal_op(connection: Connection, target: PendingOp, inserting: bool) -> None:
    sealer = _SEALERS.get(connection.engine)
    if sealer is None or not _changed(target, "payload", inserting):
        return
    key = sealer.key_for_dossier(target.dossier_id, connection)
    if key is None:
        return
    plain = target.payload
    target.payload = key.seal_payload(plain, *_op_context(target))
    inspect(target).info[_PLAIN] = {"payload": plain}


def _open_op(target: PendingOp, context: QueryContext) -> None:
    payload = target.__dict__.get("payload")
    if not is_sealed_payload(payload):
        return
    engine = _engine_of_context(context)
    sealer = _SEALERS.get(engine) if engine is not None else None
    if sealer is None:
        raise DraftsLocked(None)
    key = sealer.key_for_dossier(target.dossier_id, None)
    if key is None:
        raise DraftsLocked(None)
    set_committed_value(target, "payload", key.open_payload(payload, *_op_context(target)))


# --- LocalPiece: the file's name ----------------------------------------------------------


def _piece_context(piece: LocalPiece) -> tuple[str, ...]:
    return ("local_piece", piece.id, piece.dossier_id, "filename")


def _seal_piece(connection: Connection, target: LocalPiece, inserting: bool) -> None:
    sealer = _SEALERS.get(connection.engine)
    if sealer is None or not _changed(target, "filename", inserting):
        return
    key = sealer.key_for_dossier(target.dossier_id, connection)
    if key is None or is_sealed(target.filename):
        return
    plain = target.filename
    target.filename = key.seal(plain, *_piece_context(target))
    inspect(target).info[_PLAIN] = {"filename": plain}


def _open_piece(target: LocalPiece, context: QueryContext) -> None:
    filename = target.__dict__.get("filename")
    if not is_sealed(filename):
        return
    engine = _engine_of_context(context)
    sealer = _SEALERS.get(engine) if engine is not None else None
    key = sealer.key_for_dossier(target.dossier_id, None) if sealer is not None else None
    if key is None:
        raise DraftsLocked(None)
    set_committed_value(target, "filename", key.open(filename, *_piece_context(target)))


# --- registration (once, at import) ---------------------------------------------------------


def _register(model: type, seal: Any, open_: Any) -> None:
    @event.listens_for(model, "before_insert")
    def _before_insert(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
        seal(connection, target, True)

    @event.listens_for(model, "before_update")
    def _before_update(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
        seal(connection, target, False)

    @event.listens_for(model, "after_insert")
    @event.listens_for(model, "after_update")
    def _after(_mapper: Mapper[Any], _connection: Connection, target: Any) -> None:
        _restore(target)

    @event.listens_for(model, "load")
    def _load(target: Any, context: QueryContext) -> None:
        open_(target, context)

    @event.listens_for(model, "refresh")
    def _refresh(target: Any, context: QueryContext, _attrs: Any) -> None:
        open_(target, context)


_register(LocalDossier, _seal_dossier, _open_dossier)
_register(PendingOp, _seal_op, _open_op)
_register(LocalPiece, _seal_piece, _open_piece)
