"""Operations on the piece store: sweep (for `jobs run`) and migration between stores."""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from .files import remove_quietly
from .models import Piece, utcnow
from .pieces_store import staging_dir
from .settings import Settings
from .storage import ObjectMissing, PieceStore, remove_stale_parts

__all__ = ["MigrationReport", "SweepReport", "migrate", "sweep"]

log = logging.getLogger("cesp_server.pieces")


@dataclass
class SweepReport:
    parts_removed: int = 0
    uploads_aborted: int = 0
    orphans_removed: int = 0
    rows_without_object: list[str] = field(default_factory=list)


def _storage_names(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Piece.storage_name)).all())


def sweep(engine: Engine, settings: Settings, store: PieceStore) -> SweepReport:
    """Remove leftovers older than the grace period; report rows whose object is missing.

    An object is removed only when no row names it and it is older than
    `upload_grace_minutes` (an upload in flight puts its object before its row).
    """
    grace = timedelta(minutes=settings.upload_grace_minutes)
    limit = utcnow() - grace
    report = SweepReport()
    report.parts_removed = remove_stale_parts(staging_dir(settings), grace)
    report.uploads_aborted = store.abort_incomplete(limit)
    seen: set[str] = set()
    objects = list(store.objects())
    names = _storage_names(engine)  # read after the listing: a row committed since is kept
    for obj in objects:
        seen.add(obj.key)
        if obj.key not in names and obj.modified < limit:
            store.delete(obj.key)
            report.orphans_removed += 1
    with Session(engine) as session:
        rows = session.exec(select(Piece.id, Piece.storage_name)).all()
    report.rows_without_object = sorted(pid for pid, name in rows if name not in seen)
    for piece_id in report.rows_without_object:
        log.warning("piece %s has no object in the store", piece_id)
    return report


@dataclass
class MigrationReport:
    copied: int = 0
    already: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)


def _download(store: PieceStore, key: str, target: Path) -> str:
    """Copy an object to a local file; its SHA-256."""
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        for chunk in store.stream(key):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def _digest(store: PieceStore, key: str) -> str | None:
    digest = hashlib.sha256()
    try:
        for chunk in store.stream(key):
            digest.update(chunk)
    except ObjectMissing:
        return None
    return digest.hexdigest()


def migrate(
    engine: Engine, settings: Settings, source: PieceStore, target: PieceStore
) -> MigrationReport:
    """Copy every piece's object from `source` to `target`, each checked by its SHA-256.

    Idempotent and resumable: an object already in the target with the right SHA-256 is
    left alone; the source is never modified (switch `CESP_PIECES_STORE` afterwards).
    """
    report = MigrationReport()
    staging = staging_dir(settings)
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    with Session(engine) as session:
        rows = session.exec(
            select(Piece.id, Piece.storage_name, Piece.sha256).order_by(col(Piece.id))
        ).all()
    for piece_id, name, sha256 in rows:
        if target.exists(name) and _digest(target, name) == sha256:
            report.already += 1
            continue
        temp = staging / f"{uuid.uuid4().hex}.part"
        try:
            try:
                got = _download(source, name, temp)
            except ObjectMissing:
                report.missing.append(piece_id)
                continue
            if got != sha256:
                report.corrupt.append(piece_id)
                continue
            target.put(name, temp)
            if _digest(target, name) != sha256:
                report.corrupt.append(piece_id)
                continue
            report.copied += 1
        finally:
            remove_quietly(temp)
    return report
