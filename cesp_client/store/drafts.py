"""The local draft store: every keystroke of a dossier, and what waits for the server.

One SQLite file, ``<data_dir>/drafts.db``, created with mode 0600, in WAL mode with
``synchronous=NORMAL``: each `set_field` is one small committed transaction (well under a
millisecond, see ``bench/bench_draft_store.py``) that survives the process being killed;
only an operating-system crash or a power cut could lose the last ones (the WAL is synced
at checkpoints). See docs/adr/0005-tui-foundation.md.

Changes bound for the server are `PendingOp` rows, replayed in order per dossier by the
sync engine: `pending_ops` gives the head of each dossier's queue once it is due,
`op_sending` / `op_done` / `op_failed` record what happened (with a backoff). Saves of the
same tab that have not been sent yet are coalesced into one, which keeps the oldest
idempotency key.

Every method is thread-safe (a connection per call from the pool, ``BEGIN IMMEDIATE``
transactions, a busy timeout); the I/O is meant for workers or the `DraftWriter` thread.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import queue
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, func, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from .crypto import DataKey, is_sealed, is_sealed_payload
from .models import (
    DraftKey,
    DraftModel,
    LocalDossier,
    LocalPiece,
    OpKind,
    PendingOp,
    PieceState,
    new_id,
    utcnow,
)
from .sealing import Owner, Sealer

__all__ = ["DraftStore", "DraftWriter", "backoff_delay"]

Value = str | bool | None

_KEY = re.compile(r"^[A-Za-z0-9_]+$")
_BUSY_TIMEOUT_MS = 5000
#: How long an op stays reserved by `op_sending` before it is offered again (a sync
#: worker that died without reporting must not block its dossier forever).
SEND_LEASE = timedelta(minutes=2)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0

_SET_FIELD = text(
    """
    UPDATE local_dossier
    SET data = json_set(data, :path, json(:value)),
        dirty_tabs = CASE
            WHEN EXISTS (SELECT 1 FROM json_each(dirty_tabs) WHERE value = :tab)
            THEN dirty_tabs
            ELSE json_insert(dirty_tabs, '$[#]', :tab)
        END,
        updated_at = :now
    WHERE id = :id
    """
)


def _sql_time(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (so that text() writes compare)."""
    return moment.isoformat(sep=" ", timespec="microseconds")


def backoff_delay(attempts: int, *, jitter: bool = True) -> timedelta:
    """2 s, 4 s, 8 s ... capped at 5 minutes, ±20 % jitter (clients do not retry in step)."""
    seconds = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    if jitter:
        seconds *= random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def _create_private_file(path: Path) -> None:
    """Create ``path`` (and its directory) readable by the user only, before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE (no lock upgrade dead-ends).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _check_key(kind: str, key: str) -> None:
    if not _KEY.match(key):
        raise ValueError(f"invalid {kind} key: {key!r}")


class DraftStore:
    """The client's SQLite store of dossiers, pending operations and pieces."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        _create_private_file(self.path)
        self.engine = _make_engine(self.path)
        DraftModel.metadata.create_all(self.engine)
        for suffix in ("-wal", "-shm"):  # SQLite copies the mode; make sure anyway
            sidecar = self.path.with_name(self.path.name + suffix)
            if sidecar.exists():
                os.chmod(sidecar, 0o600)
        #: Private copies of pieces waiting for upload ("pieces" would be the directory of a
        #: `cesp-server` run with the same default data directory).
        self.pieces_dir = self.path.parent / "draft-pieces"
        with Session(self.engine) as session:
            sealed = {(k.server_url, k.account_username) for k in session.exec(select(DraftKey))}
        #: The unlocked data keys (memory only): see `unlock` and `cesp_client.store.keys`.
        self.sealer = Sealer(self.engine, sealed)
        with self.engine.begin() as connection:  # nothing is in flight after a restart
            connection.execute(
                text("UPDATE pending_op SET in_flight = 0, next_attempt_at = :now WHERE in_flight"),
                {"now": _sql_time(utcnow())},
            )

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction; committed on exit, rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- dossiers ----------------------------------------------------------------------

    def create_local(
        self,
        server_url: str,
        account_username: str,
        demarche: str,
        campaign_id: int | None = None,
        *,
        dossier_id: str | None = None,
        data: Mapping[str, Mapping[str, Value]] | None = None,
        server_version: int | None = None,
        numero: str | None = None,
        state: str = "brouillon",
    ) -> LocalDossier:
        """A new local dossier. Unless it already exists on the server (``server_version``
        given), its creation is queued with an idempotency key."""
        dossier = LocalDossier(
            id=dossier_id or new_id(),
            server_url=server_url,
            account_username=account_username,
            demarche=demarche,
            campaign_id=campaign_id,
            numero=numero,
            state=state,
            server_version=server_version,
            data={tab: dict(values) for tab, values in (data or {}).items()},
            server_data=(
                {tab: dict(values) for tab, values in (data or {}).items()}
                if server_version is not None
                else None
            ),
            synced_at=utcnow() if server_version is not None else None,
        )
        # Its pending op may be flushed before it: its owner's key is known already.
        self.sealer.note_owner(dossier.id, (server_url, account_username))
        with self._tx() as session:
            session.add(dossier)
            if server_version is None:
                session.add(
                    PendingOp(
                        dossier_id=dossier.id,
                        kind=OpKind.CREATE,
                        payload={"demarche": demarche, "campaign_id": campaign_id},
                    )
                )
        return dossier

    def get(self, dossier_id: str) -> LocalDossier | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(LocalDossier, dossier_id)

    def list(self, server_url: str, account_username: str) -> list[LocalDossier]:
        """The account's dossiers on that server, most recently changed first."""
        with Session(self.engine, expire_on_commit=False) as session:
            statement = (
                select(LocalDossier)
                .where(LocalDossier.server_url == server_url)
                .where(LocalDossier.account_username == account_username)
                .order_by(col(LocalDossier.updated_at).desc())
            )
            return list(session.exec(statement))

    def set_field(self, dossier_id: str, tab: str, field: str, value: Value) -> None:
        """Write one value at once (one committed transaction); the tab becomes dirty."""
        _check_key("tab", tab)
        _check_key("field", field)
        if value is not None and not isinstance(value, str | bool):
            raise TypeError(f"a field value is str, bool or None, not {type(value).__name__}")
        with self.engine.begin() as connection:
            key = self.sealer.key_for_dossier(dossier_id, connection)
            stored: Any = value
            if key is not None:
                stored = key.seal(value, dossier_id, "data", tab, field)
            params = {
                "path": f'$."{tab}"."{field}"',
                "value": json.dumps(stored),
                "tab": tab,
                "now": _sql_time(utcnow()),
                "id": dossier_id,
            }
            result = connection.execute(_SET_FIELD, params)
        if result.rowcount != 1:
            raise KeyError(dossier_id)

    def set_certifications(self, dossier_id: str, certifications: Sequence[str]) -> None:
        with self._tx() as session:
            dossier = self._dossier(session, dossier_id)
            dossier.certifications = list(certifications)
            dossier.updated_at = utcnow()
            session.add(dossier)

    def apply_server_copy(
        self,
        dossier_id: str,
        *,
        version: int,
        data: Mapping[str, Mapping[str, Value]],
        saved_tabs: Sequence[str] | None = None,
        state: str | None = None,
        numero: str | None = None,
        replace_local: bool = False,
    ) -> None:
        """Record the server's copy (the base of a merge); with ``replace_local`` it also
        becomes the local copy (after a merge, or when nothing changed here)."""
        with self._tx() as session:
            dossier = self._dossier(session, dossier_id)
            dossier.server_version = version
            dossier.server_data = {tab: dict(values) for tab, values in data.items()}
            dossier.synced_at = utcnow()
            if saved_tabs is not None:
                dossier.saved_tabs = list(saved_tabs)
            if state is not None:
                dossier.state = state
            if numero is not None:
                dossier.numero = numero
            if replace_local:
                dossier.data = {tab: dict(values) for tab, values in data.items()}
                dossier.dirty_tabs = []
            session.add(dossier)

    def delete_dossier(self, dossier_id: str) -> bool:
        """Delete a draft. True: gone at once (the server never heard of it); False: its
        deletion is queued (the unsent changes are dropped, an op already sent is kept)."""
        with self._tx() as session:
            dossier = self._dossier(session, dossier_id)
            ops = list(
                session.exec(
                    select(PendingOp)
                    .where(PendingOp.dossier_id == dossier_id)
                    .order_by(col(PendingOp.id))
                )
            )
            never_sent = dossier.server_version is None and all(
                op.attempts == 0 and not op.in_flight for op in ops
            )
            if never_sent:
                for op in ops:
                    session.delete(op)
                for piece in session.exec(
                    select(LocalPiece).where(LocalPiece.dossier_id == dossier_id)
                ):
                    self._drop_piece_copy(piece)
                    session.delete(piece)
                session.delete(dossier)
                return True
            for op in ops:
                if op.attempts == 0 and not op.in_flight:
                    session.delete(op)
            session.add(PendingOp(dossier_id=dossier_id, kind=OpKind.DELETE))
            return False

    # --- saves and the queue -------------------------------------------------------------

    def mark_tab_saved(self, dossier_id: str, tab: str) -> PendingOp:
        """ "Enregistrer": queue the tab's current values for the server.

        One unsent save per (dossier, tab): a newer one replaces the payload of the
        pending one, which keeps its place in the queue and its (oldest) idempotency key.
        A save already sent (its fate unknown until the server answers) is left alone,
        and the new one queued behind it.
        """
        _check_key("tab", tab)
        with self._tx() as session:
            dossier = self._dossier(session, dossier_id)
            payload = {"values": dict(dossier.data.get(tab) or {})}
            dossier.dirty_tabs = [t for t in dossier.dirty_tabs if t != tab]
            session.add(dossier)
            existing = session.exec(
                select(PendingOp)
                .where(PendingOp.dossier_id == dossier_id)
                .where(PendingOp.kind == OpKind.SAVE_TAB)
                .where(PendingOp.tab == tab)
                .where(PendingOp.attempts == 0)
                .where(col(PendingOp.in_flight).is_(False))
                .order_by(col(PendingOp.id))
            ).first()
            if existing is not None:
                existing.payload = payload
                existing.next_attempt_at = utcnow()
                existing.last_error = None
                session.add(existing)
                return existing
            op = PendingOp(dossier_id=dossier_id, kind=OpKind.SAVE_TAB, tab=tab, payload=payload)
            session.add(op)
            return op

    def queue_transmit(self, dossier_id: str, certifications: Sequence[str]) -> PendingOp:
        """ "Transmettre ma demande": queued with its own idempotency key."""
        with self._tx() as session:
            dossier = self._dossier(session, dossier_id)
            dossier.certifications = list(certifications)
            session.add(dossier)
            op = PendingOp(
                dossier_id=dossier_id,
                kind=OpKind.TRANSMIT,
                payload={"certifications": list(certifications)},
            )
            session.add(op)
            return op

    def pending_ops(
        self, now: datetime | None = None, limit: int | None = None
    ) -> builtins.list[PendingOp]:
        """The operations to send now: the head of each dossier's queue, if it is due and
        not being sent. Later operations of a dossier wait for the ones before them."""
        moment = now or utcnow()
        with Session(self.engine, expire_on_commit=False) as session:
            ids = session.exec(
                select(func.min(PendingOp.id)).group_by(col(PendingOp.dossier_id))
            ).all()
            if not ids:
                return []
            statement = (
                select(PendingOp)
                .where(col(PendingOp.id).in_(ids))
                .where(col(PendingOp.in_flight).is_(False))
                .where(PendingOp.next_attempt_at <= moment)
                .order_by(col(PendingOp.next_attempt_at), col(PendingOp.id))
            )
            if limit is not None:
                statement = statement.limit(limit)
            return list(session.exec(statement))

    def pending_count(self, dossier_id: str | None = None) -> int:
        """How many changes wait for the server (all dossiers, or one)."""
        sql = "SELECT count(*) FROM pending_op"
        params: dict[str, str] = {}
        if dossier_id is not None:
            sql += " WHERE dossier_id = :id"
            params["id"] = dossier_id
        with self.engine.connect() as connection:
            return int(connection.execute(text(sql), params).scalar_one())

    def next_attempt_at(self) -> datetime | None:
        """When the earliest waiting operation becomes due (to schedule the next sync)."""
        with Session(self.engine) as session:
            return session.exec(
                select(PendingOp.next_attempt_at)
                .where(col(PendingOp.in_flight).is_(False))
                .order_by(col(PendingOp.next_attempt_at))
            ).first()

    def op_sending(self, op_id: int) -> PendingOp:
        """Reserve an op while it is sent: counts an attempt; no coalescing into it now."""
        with self._tx() as session:
            op = self._op(session, op_id)
            op.in_flight = True
            op.attempts += 1
            op.next_attempt_at = utcnow() + SEND_LEASE
            session.add(op)
            return op

    def op_start(self, op_id: int, dossier_id: str) -> LocalDossier | None:
        """`op_sending` and the dossier in one transaction (the sync engine's first step
        for every op); when the dossier is gone, the op is dropped and None returned."""
        with self._tx() as session:
            dossier = session.get(LocalDossier, dossier_id)
            op = session.get(PendingOp, op_id)
            if dossier is None:
                if op is not None:
                    session.delete(op)
                return None
            op = self._op(session, op_id)
            op.in_flight = True
            op.attempts += 1
            op.next_attempt_at = utcnow() + SEND_LEASE
            session.add(op)
            return dossier

    def op_done(
        self,
        op_id: int,
        server_version: int | None = None,
        server_data: Mapping[str, Mapping[str, Value]] | None = None,
        *,
        numero: str | None = None,
        state: str | None = None,
    ) -> LocalDossier | None:
        """The server accepted the op: drop it and record the server's new copy. Returns
        the dossier as it now is (None when it is gone, or was the op's to delete)."""
        with self._tx() as session:
            op = self._op(session, op_id)
            dossier = session.get(LocalDossier, op.dossier_id)
            session.delete(op)
            if dossier is None:
                return None
            if op.kind == OpKind.DELETE:
                for piece in session.exec(
                    select(LocalPiece).where(LocalPiece.dossier_id == dossier.id)
                ):
                    self._drop_piece_copy(piece)
                    session.delete(piece)
                for other in session.exec(
                    select(PendingOp).where(PendingOp.dossier_id == dossier.id)
                ):
                    session.delete(other)
                session.delete(dossier)
                return None
            if server_version is not None:
                dossier.server_version = server_version
            if server_data is not None:
                dossier.server_data = {tab: dict(values) for tab, values in server_data.items()}
            if op.kind == OpKind.SAVE_TAB and op.tab and op.tab not in dossier.saved_tabs:
                dossier.saved_tabs = [*dossier.saved_tabs, op.tab]
            if numero is not None:
                dossier.numero = numero
            if state is not None:
                dossier.state = state
            dossier.synced_at = utcnow()
            session.add(dossier)
            session.flush()
            return dossier

    def op_failed(
        self, op_id: int, error: str, backoff: timedelta | float | None = None
    ) -> datetime:
        """The op could not be sent (offline, 5xx...): retry after ``backoff`` (seconds or
        a timedelta; default: `backoff_delay` of its attempts). Returns when."""
        with self._tx() as session:
            op = self._op(session, op_id)
            if not op.in_flight:  # op_sending was not called: count the attempt here
                op.attempts += 1
            op.in_flight = False
            op.last_error = error
            if backoff is None:
                delay = backoff_delay(op.attempts)
            elif isinstance(backoff, timedelta):
                delay = backoff
            else:
                delay = timedelta(seconds=backoff)
            op.next_attempt_at = utcnow() + delay
            session.add(op)
            return op.next_attempt_at

    def ops(self, dossier_id: str) -> builtins.list[PendingOp]:
        """A dossier's waiting operations, in queue order."""
        with Session(self.engine, expire_on_commit=False) as session:
            return list(
                session.exec(
                    select(PendingOp)
                    .where(PendingOp.dossier_id == dossier_id)
                    .order_by(col(PendingOp.id))
                )
            )

    # --- pieces ------------------------------------------------------------------------

    def add_piece(self, dossier_id: str, piece_type: str, source: Path) -> LocalPiece:
        """Copy ``source`` into the store (mode 0600) and queue its upload.

        Reads and hashes the whole file: call from a thread worker.
        """
        piece_id = new_id()
        self.pieces_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        copy = self.pieces_dir / f"{piece_id}{source.suffix.lower()}"
        digest = hashlib.sha256()
        fd = os.open(copy, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        piece = LocalPiece(
            id=piece_id,
            dossier_id=dossier_id,
            piece_type=piece_type,
            path=str(copy),
            filename=source.name,
            size=copy.stat().st_size,
            sha256=digest.hexdigest(),
        )
        try:
            with self._tx() as session:
                self._dossier(session, dossier_id)
                session.add(piece)
                session.add(
                    PendingOp(
                        dossier_id=dossier_id,
                        kind=OpKind.UPLOAD,
                        payload={"piece_id": piece_id},
                    )
                )
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
        return piece

    def pieces(self, dossier_id: str) -> builtins.list[LocalPiece]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(
                session.exec(
                    select(LocalPiece)
                    .where(LocalPiece.dossier_id == dossier_id)
                    .order_by(col(LocalPiece.piece_type), col(LocalPiece.created_at))
                )
            )

    def piece_counts(self, dossier_id: str) -> dict[str, int]:
        """Files per piece type, refused ones left out (for `rules.tab_state`)."""
        counts: dict[str, int] = {}
        for piece in self.pieces(dossier_id):
            if piece.state != PieceState.REFUSED:
                counts[piece.piece_type] = counts.get(piece.piece_type, 0) + 1
        return counts

    def set_piece_state(
        self,
        piece_id: str,
        state: PieceState,
        *,
        server_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record an upload's progress; once uploaded, the local copy is removed."""
        with self._tx() as session:
            piece = session.get(LocalPiece, piece_id)
            if piece is None:
                raise KeyError(piece_id)
            piece.state = state
            piece.error = error
            if server_id is not None:
                piece.server_id = server_id
            if state == PieceState.UPLOADED:
                self._drop_piece_copy(piece)
            session.add(piece)

    def remove_piece(self, piece_id: str) -> None:
        """Remove a piece: an unsent upload is simply dropped; otherwise its deletion on
        the server is queued (``server_id`` None when the upload's fate is unknown: the
        sync engine finds it by ``sha256``)."""
        with self._tx() as session:
            piece = session.get(LocalPiece, piece_id)
            if piece is None:
                return
            uploads = [
                op
                for op in session.exec(
                    select(PendingOp)
                    .where(PendingOp.dossier_id == piece.dossier_id)
                    .where(PendingOp.kind == OpKind.UPLOAD)
                )
                if op.payload.get("piece_id") == piece_id
            ]
            unsent = [op for op in uploads if op.attempts == 0 and not op.in_flight]
            for op in unsent:
                session.delete(op)
            if piece.server_id is not None or len(unsent) < len(uploads):
                session.add(
                    PendingOp(
                        dossier_id=piece.dossier_id,
                        kind=OpKind.DELETE_PIECE,
                        payload={
                            "piece_id": piece_id,
                            "server_id": piece.server_id,
                            "piece_type": piece.piece_type,
                            "sha256": piece.sha256,
                        },
                    )
                )
            self._drop_piece_copy(piece)
            session.delete(piece)

    # --- encryption at rest (keys: cesp_client.store.keys) ---------------------------------

    def key_row(self, owner: Owner) -> DraftKey | None:
        """The account's wrapped data key (None: its drafts are not encrypted yet)."""
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(DraftKey, owner)

    def is_unlocked(self, owner: Owner) -> bool:
        return self.sealer.is_unlocked(owner)

    def unlock(self, owner: Owner, key: DataKey, row: DraftKey | None = None) -> int:
        """Open the account's drafts with ``key``. ``row`` (a new or re-wrapped key) is
        written first; on the first unlock the account's plain rows are encrypted, in one
        transaction, and the database compacted so no plain copy is left in the file or
        its WAL. Returns how many rows were encrypted."""
        ids = self._owner_ids(owner)
        for dossier_id in ids:
            self.sealer.note_owner(dossier_id, owner)
        self.sealer.unlock(owner, key)
        migrated = 0
        with self.engine.begin() as connection:
            if row is not None:
                with Session(bind=connection) as session:
                    session.merge(row)
                    session.flush()
            migrated = self._seal_plain_rows(connection, key, ids)
        if migrated:
            self.compact()
        return migrated

    def lock(self, owner: Owner) -> None:
        """Forget the account's key in memory (logout): its drafts stay encrypted."""
        self.sealer.lock(owner)

    def unsent_count(self, owner: Owner) -> int:
        """The account's changes not yet sent to the server (lost by `reset_owner`)."""
        ids = self._owner_ids(owner)
        if not ids:
            return 0
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT count(*) FROM pending_op WHERE dossier_id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": ids},
                ).scalar_one()
            )

    def reset_owner(self, owner: Owner) -> int:
        """Delete the account's local dossiers, waiting changes, pieces and key (the
        password that wraps the key is forgotten). Returns the unsent changes dropped."""
        lost = self.unsent_count(owner)
        ids = self._owner_ids(owner)
        with self.engine.begin() as connection:
            copies = [
                Path(row[0])
                for row in connection.execute(
                    text("SELECT path FROM local_piece WHERE dossier_id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": ids or [""]},
                )
                if row[0]
            ]
            for table in ("pending_op", "local_piece"):
                connection.execute(
                    text(f"DELETE FROM {table} WHERE dossier_id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": ids or [""]},
                )
            connection.execute(
                text("DELETE FROM local_dossier WHERE server_url = :s AND account_username = :u"),
                {"s": owner[0], "u": owner[1]},
            )
            connection.execute(
                text("DELETE FROM draft_key WHERE server_url = :s AND account_username = :u"),
                {"s": owner[0], "u": owner[1]},
            )
        for copy in copies:
            if copy.parent == self.pieces_dir:  # only our own copies, never a user's file
                copy.unlink(missing_ok=True)
        self.sealer.forget(owner)
        return lost

    def compact(self) -> None:
        """Rewrite the file and empty the WAL (no old page left behind after a migration)."""
        raw = self.engine.raw_connection()  # outside any transaction (VACUUM needs it)
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    def _owner_ids(self, owner: Owner) -> builtins.list[str]:
        with self.engine.connect() as connection:
            return [
                row[0]
                for row in connection.execute(
                    text(
                        "SELECT id FROM local_dossier "
                        "WHERE server_url = :s AND account_username = :u"
                    ),
                    {"s": owner[0], "u": owner[1]},
                )
            ]

    @staticmethod
    def _seal_plain_rows(connection: Connection, key: DataKey, ids: Sequence[str]) -> int:
        """Seal what is still plain in the rows of dossiers ``ids`` (raw SQL: no events)."""
        count = 0
        for dossier_id in ids:
            row = connection.execute(
                text("SELECT data, server_data FROM local_dossier WHERE id = :id"),
                {"id": dossier_id},
            ).one()
            updates: dict[str, str | None] = {}
            for name, raw in zip(("data", "server_data"), row, strict=True):
                value = json.loads(raw) if raw is not None else None
                sealed = key.seal_tabs(value, dossier_id, name)
                if sealed != value:
                    updates[name] = json.dumps(sealed)
            if updates:
                sets = ", ".join(f"{name} = :{name}" for name in updates)
                connection.execute(
                    text(f"UPDATE local_dossier SET {sets} WHERE id = :id"),
                    {**updates, "id": dossier_id},
                )
                count += 1
            for op_id, kind, tab, idem, payload in connection.execute(
                text(
                    "SELECT id, kind, tab, idempotency_key, payload FROM pending_op "
                    "WHERE dossier_id = :id"
                ),
                {"id": dossier_id},
            ).all():
                value = json.loads(payload)
                if is_sealed_payload(value):
                    continue
                sealed_payload = key.seal_payload(
                    value, "pending_op", dossier_id, str(kind), tab or "", idem
                )
                connection.execute(
                    text("UPDATE pending_op SET payload = :p WHERE id = :id"),
                    {"p": json.dumps(sealed_payload), "id": op_id},
                )
                count += 1
            for piece_id, filename in connection.execute(
                text("SELECT id, filename FROM local_piece WHERE dossier_id = :id"),
                {"id": dossier_id},
            ).all():
                if is_sealed(filename):
                    continue
                connection.execute(
                    text("UPDATE local_piece SET filename = :f WHERE id = :id"),
                    {
                        "f": key.seal(filename, "local_piece", piece_id, dossier_id, "filename"),
                        "id": piece_id,
                    },
                )
                count += 1
        return count

    # --- helpers -----------------------------------------------------------------------

    @staticmethod
    def _dossier(session: Session, dossier_id: str) -> LocalDossier:
        dossier = session.get(LocalDossier, dossier_id)
        if dossier is None:
            raise KeyError(dossier_id)
        return dossier

    @staticmethod
    def _op(session: Session, op_id: int) -> PendingOp:
        op = session.get(PendingOp, op_id)
        if op is None:
            raise KeyError(op_id)
        return op

    def _drop_piece_copy(self, piece: LocalPiece) -> None:
        path = Path(piece.path)
        if path.parent == self.pieces_dir:  # only our own copies, never a user's file
            path.unlink(missing_ok=True)


class DraftWriter:
    """Writes field changes in order on one background thread.

    The UI posts `set_field` calls here and never waits on SQLite; each is committed a
    fraction of a millisecond later, in the order typed. ``on_error`` is called (on the
    writer thread) with the exception of a failed write: the app turns it into a message.
    """

    _STOP = object()

    def __init__(
        self, store: DraftStore, on_error: Callable[[BaseException], None] | None = None
    ) -> None:
        self.store = store
        self.on_error = on_error
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="cesp-drafts", daemon=True)
        self._thread.start()

    def set_field(self, dossier_id: str, tab: str, field: str, value: Value) -> None:
        self._queue.put((dossier_id, tab, field, value))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far is committed; False on timeout."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._queue.put(self._STOP)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            try:
                self.store.set_field(*item)
            except Exception as error:
                if self.on_error is not None:
                    self.on_error(error)
