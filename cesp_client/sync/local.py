"""What the sync engine needs from the draft store beyond `DraftStore`'s own methods.

Small transactions over the store's tables (`LocalDossier`, `PendingOp`, `LocalPiece`),
through the store's engine (``BEGIN IMMEDIATE``, busy timeout): queue heads of one
account, parked operations (a conflict waiting for the merge screen, a refused creation),
one tab replaced, server pieces recorded. Blocking: call from a thread (``to_thread``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from cesp_client.store import DraftStore, LocalDossier, LocalPiece, OpKind, PendingOp, PieceState
from cesp_client.store.models import utcnow

__all__ = [
    "CONFLICT",
    "PARKED_UNTIL",
    "REFUSED",
    "drop_op",
    "due_ops",
    "is_parked",
    "mark_tab_dirty",
    "next_due",
    "park_op",
    "parked_ops",
    "pending_count",
    "record_server_pieces",
    "replace_tab",
    "resolve_conflict",
    "sendable_count",
    "tab_has_pending_save",
]

#: ``last_error`` prefix of a save parked until the user merges the two versions.
CONFLICT = "conflit"
#: ``last_error`` prefix of an operation the server refused for good (a creation).
REFUSED = "refusé"
#: When a parked operation would be due: never, until something unparks it.
PARKED_UNTIL = datetime(9999, 1, 1)

Values = dict[str, Any]


@contextlib.contextmanager
def _tx(store: DraftStore) -> Iterator[Session]:
    with Session(store.engine, expire_on_commit=False) as session, session.begin():
        yield session


def is_parked(op: PendingOp) -> bool:
    return op.next_attempt_at >= PARKED_UNTIL


def _my_dossier_ids(session: Session, server_key: str, username: str) -> list[str]:
    return list(
        session.exec(
            select(LocalDossier.id)
            .where(LocalDossier.server_url == server_key)
            .where(LocalDossier.account_username == username)
        )
    )


def _my_ops(session: Session, server_key: str, username: str) -> list[PendingOp]:
    ids = _my_dossier_ids(session, server_key, username)
    if not ids:
        return []
    return list(
        session.exec(
            select(PendingOp).where(col(PendingOp.dossier_id).in_(ids)).order_by(col(PendingOp.id))
        )
    )


def due_ops(
    store: DraftStore, server_key: str, username: str, now: datetime | None = None
) -> list[PendingOp]:
    """For each of the account's dossiers, the first operation to send, if it is due.

    Operations run in order per dossier, with one exception: a save parked on a conflict
    does not hold back the saves of other tabs behind it (they are checked against the
    server's copy on their own); later saves of its tab, a transmission or a deletion
    wait for it.
    """
    moment = now or utcnow()
    with Session(store.engine, expire_on_commit=False) as session:
        ops = _my_ops(session, server_key, username)
    by_dossier: dict[str, list[PendingOp]] = {}
    for op in ops:
        by_dossier.setdefault(op.dossier_id, []).append(op)
    due: list[PendingOp] = []
    for queue in by_dossier.values():
        conflicted: set[str | None] = set()
        for op in queue:
            if op.kind == OpKind.SAVE_TAB and (is_parked(op) or op.tab in conflicted):
                conflicted.add(op.tab)
                continue
            if conflicted and op.kind in (OpKind.TRANSMIT, OpKind.DELETE):
                break
            if not op.in_flight and op.next_attempt_at <= moment:
                due.append(op)
            break
    due.sort(key=lambda op: (op.next_attempt_at, op.id or 0))
    return due


def next_due(store: DraftStore, server_key: str, username: str) -> datetime | None:
    """When the account's earliest waiting (not parked) operation becomes due."""
    with Session(store.engine, expire_on_commit=False) as session:
        ops = _my_ops(session, server_key, username)
    moments = [op.next_attempt_at for op in ops if not is_parked(op) and not op.in_flight]
    return min(moments) if moments else None


def pending_count(store: DraftStore, server_key: str, username: str) -> int:
    """The account's changes that the server does not have yet (parked ones included)."""
    with Session(store.engine, expire_on_commit=False) as session:
        return len(_my_ops(session, server_key, username))


def sendable_count(store: DraftStore, server_key: str, username: str) -> int:
    """The account's changes a pass may send (parked ones wait for a decision)."""
    with Session(store.engine, expire_on_commit=False) as session:
        return sum(1 for op in _my_ops(session, server_key, username) if not is_parked(op))


def parked_ops(store: DraftStore, server_key: str, username: str) -> list[PendingOp]:
    with Session(store.engine, expire_on_commit=False) as session:
        return [op for op in _my_ops(session, server_key, username) if is_parked(op)]


def fold_into_conflicts(store: DraftStore, server_key: str, username: str) -> list[PendingOp]:
    """A tab saved again while its conflict waits: the newer values become "mine" in the
    parked save (one decision to make, on the latest values). Returns the parked saves
    that changed (their conflict is to be announced again)."""
    changed: list[PendingOp] = []
    with _tx(store) as session:
        ops = _my_ops(session, server_key, username)
        parked = {
            (op.dossier_id, op.tab): op
            for op in ops
            if op.kind == OpKind.SAVE_TAB and is_parked(op) and not op.in_flight
        }
        for op in ops:
            target = parked.get((op.dossier_id, op.tab))
            if (
                target is None
                or op is target
                or op.kind != OpKind.SAVE_TAB
                or is_parked(op)
                or op.in_flight
                or (op.id or 0) < (target.id or 0)
            ):
                continue
            target.payload = dict(op.payload)
            session.add(target)
            session.delete(op)
            if target not in changed:
                changed.append(target)
    return changed


def tab_has_pending_save(store: DraftStore, dossier_id: str, tab: str) -> bool:
    return any(op.kind == OpKind.SAVE_TAB and op.tab == tab for op in store.ops(dossier_id))


def drop_op(store: DraftStore, op_id: int) -> None:
    """Forget an operation without recording anything (refused, or made pointless)."""
    with _tx(store) as session:
        op = session.get(PendingOp, op_id)
        if op is not None:
            session.delete(op)


def park_op(
    store: DraftStore, op_id: int, reason: str, *, base: Mapping[str, Any] | None = None
) -> None:
    """Keep an operation without sending it until something decides (`resolve_conflict`).
    ``base``: for a save parked on a conflict, the tab as last synced (the merge screen
    shows which side changed what, also after a restart)."""
    with _tx(store) as session:
        op = session.get(PendingOp, op_id)
        if op is None:
            return
        if base is not None:
            op.payload = {**op.payload, "base": dict(base)}
        op.in_flight = False
        op.last_error = reason
        op.next_attempt_at = PARKED_UNTIL
        session.add(op)


def mark_tab_dirty(store: DraftStore, dossier_id: str, tab: str) -> None:
    """The tab is not saved on the server (a refused save): "Enregistrer" is needed again."""
    with _tx(store) as session:
        dossier = session.get(LocalDossier, dossier_id)
        if dossier is None or tab in dossier.dirty_tabs:
            return
        dossier.dirty_tabs = [*dossier.dirty_tabs, tab]
        session.add(dossier)


def replace_tab(
    store: DraftStore,
    dossier_id: str,
    tab: str,
    values: Mapping[str, Any],
    *,
    server_values: Mapping[str, Any] | None = None,
    keep_dirty: bool = False,
) -> None:
    """The local copy of one tab becomes ``values`` (no longer dirty, unless
    ``keep_dirty``); ``server_values`` also updates the server copy of that tab."""
    with _tx(store) as session:
        dossier = session.get(LocalDossier, dossier_id)
        if dossier is None:
            return
        data = {k: dict(v) for k, v in dossier.data.items()}
        data[tab] = dict(values)
        dossier.data = data
        if not keep_dirty:
            dossier.dirty_tabs = [t for t in dossier.dirty_tabs if t != tab]
        if server_values is not None:
            server = {k: dict(v) for k, v in (dossier.server_data or {}).items()}
            server[tab] = dict(server_values)
            dossier.server_data = server
        dossier.updated_at = utcnow()
        session.add(dossier)


def resolve_conflict(
    store: DraftStore, dossier_id: str, tab: str, values: Mapping[str, Any]
) -> PendingOp | None:
    """The merge screen's decision for one tab: ``values`` is the merged tab (mine,
    theirs, or field by field). The local tab becomes ``values``; the parked save goes;
    unless ``values`` is exactly the server's copy, a new save is queued (it is sent with
    the server's current version). Returns that save, or None ("keep theirs")."""
    with _tx(store) as session:
        for op in session.exec(
            select(PendingOp)
            .where(PendingOp.dossier_id == dossier_id)
            .where(PendingOp.kind == OpKind.SAVE_TAB)
            .where(PendingOp.tab == tab)
        ):
            if not op.in_flight:
                session.delete(op)
    replace_tab(store, dossier_id, tab, values)
    dossier = store.get(dossier_id)
    if dossier is None:
        return None
    theirs = (dossier.server_data or {}).get(tab) or {}
    if dict(values) == dict(theirs):
        return None
    return store.mark_tab_saved(dossier_id, tab)


def record_server_pieces(
    store: DraftStore, dossier_id: str, pieces: list[Mapping[str, Any]]
) -> None:
    """Make the local list of a dossier's pieces match the server's: pieces the server has
    and this client does not are added (already uploaded, no local file); uploaded pieces
    the server no longer has are removed. Pieces waiting for upload are left alone."""
    with _tx(store) as session:
        local = list(session.exec(select(LocalPiece).where(LocalPiece.dossier_id == dossier_id)))
        known = {p.server_id for p in local if p.server_id}
        remote = {str(p["id"]) for p in pieces}
        for piece in local:
            if piece.state == PieceState.UPLOADED and piece.server_id not in remote:
                session.delete(piece)
        for piece in pieces:
            if str(piece["id"]) in known:
                continue
            session.add(
                LocalPiece(
                    dossier_id=dossier_id,
                    piece_type=str(piece["piece_type"]),
                    path="",
                    filename=str(piece.get("filename") or ""),
                    size=int(piece.get("size") or 0),
                    sha256=str(piece.get("sha256") or ""),
                    server_id=str(piece["id"]),
                    state=PieceState.UPLOADED,
                )
            )


def piece(store: DraftStore, piece_id: str) -> LocalPiece | None:
    with Session(store.engine, expire_on_commit=False) as session:
        return session.get(LocalPiece, piece_id)
