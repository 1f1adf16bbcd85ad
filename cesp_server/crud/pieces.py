"""Pieces (attachments) of a dossier: limits, format checks, storage, listing, deletion."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cesp_core.demarches import Demarche, get_demarche
from cesp_core.demarches.model import PieceType

from ..errors import ApiProblem
from ..files import FORMATS, Upload, extension_kind, formats_phrase, sanitize_filename, sniff
from ..models import Account, Dossier, Piece, utcnow
from ..settings import Settings
from .dossiers import Action, get_readable, get_writable, record_event
from .quotas import ensure_storage_quota

__all__ = [
    "UploadSlot",
    "check_format",
    "delete_piece",
    "file_missing",
    "find_same",
    "get_piece",
    "list_pieces",
    "prepare_upload",
    "store_piece",
]


@dataclass(frozen=True)
class UploadSlot:
    """What an upload may be, decided before reading the body."""

    dossier_id: str
    demarche: Demarche
    piece: PieceType
    file_cap: int
    room: int


def _piece_type(demarche: Demarche, key: str) -> PieceType:
    try:
        return demarche.piece(key)
    except KeyError:
        raise ApiProblem(
            404,
            "piece_type_not_found",
            f"Type de pièce inconnu pour la démarche « {demarche.short_title} ».",
        ) from None


def _usage(session: Session, dossier_id: str, piece_type: str) -> tuple[int, int]:
    """(files of this type, total bytes of the dossier)."""
    count = session.exec(
        select(func.count()).where(Piece.dossier_id == dossier_id, Piece.piece_type == piece_type)
    ).one()
    total = session.exec(
        select(func.coalesce(func.sum(Piece.size), 0)).where(Piece.dossier_id == dossier_id)
    ).one()
    return int(count), int(total)


def _caps(settings: Settings, demarche: Demarche) -> tuple[int, int]:
    return (
        min(settings.max_file_bytes, demarche.max_file_bytes),
        min(settings.max_dossier_bytes, demarche.max_dossier_bytes),
    )


def _too_many(piece: PieceType) -> ApiProblem:
    return ApiProblem(
        409,
        "too_many_files",
        f"{piece.max_files} fichiers au plus pour la pièce « {piece.label} ».",
    )


def prepare_upload(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    piece_type: str,
    settings: Settings,
    now: datetime | None = None,
) -> UploadSlot:
    dossier, _campaign = get_writable(session, account, dossier_id, now)
    demarche = get_demarche(dossier.demarche)
    piece = _piece_type(demarche, piece_type)
    count, total = _usage(session, dossier.id, piece.key)
    if count >= piece.max_files:
        raise _too_many(piece)
    ensure_storage_quota(session, dossier.owner_id, settings)
    file_cap, dossier_cap = _caps(settings, demarche)
    return UploadSlot(dossier.id, demarche, piece, file_cap, dossier_cap - total)


def check_format(upload: Upload, slot: UploadSlot) -> tuple[str, str]:
    """(format key, display name) when extension and content agree and are allowed."""
    display = sanitize_filename(upload.filename, fallback=slot.piece.key)
    by_name, by_content = extension_kind(display), sniff(upload.head)
    allowed = slot.piece.formats
    if by_name is None or by_content is None or by_name != by_content or by_content not in allowed:
        raise ApiProblem(
            415,
            "format_refused",
            f"Format refusé : seuls les fichiers {formats_phrase(allowed)} sont acceptés "
            "(l'extension et le contenu du fichier sont vérifiés).",
            extra={"allowed_formats": list(allowed)},
        )
    return by_content, display


def _same_file(session: Session, dossier_id: str, piece_type: str, sha256: str) -> Piece | None:
    return session.exec(
        select(Piece).where(
            Piece.dossier_id == dossier_id, Piece.piece_type == piece_type, Piece.sha256 == sha256
        )
    ).first()


def find_same(session: Session, slot: UploadSlot, sha256: str) -> Piece | None:
    """The piece of this type with this content, if any (checked again under the lock)."""
    return _same_file(session, slot.dossier_id, slot.piece.key, sha256)


def _lock_dossier(session: Session, dossier_id: str, now: datetime) -> None:
    """Serialise the uploads of one dossier until the commit.

    PostgreSQL: ``SELECT ... FOR UPDATE`` on the dossier's row. SQLite: the dossier's row
    is written first (the transaction starts with a write, so it takes the database's
    write lock, waiting its turn, before anything is read).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(select(Dossier.id).where(Dossier.id == dossier_id).with_for_update())
    else:
        _touch(session, dossier_id, now)


def store_piece(
    session: Session,
    account: Account,
    *,
    slot: UploadSlot,
    upload: Upload,
    kind: str,
    display_name: str,
    storage_name: str,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[Piece, bool]:
    """Record the file already put in the store under `storage_name`.

    The dossier is locked while its count and total are checked again and the row is
    added, so concurrent uploads cannot pass its caps together. Returns
    ``(piece, created)``; when not created (identical file already there) or on any
    refusal the caller removes the object.
    """
    now = now or utcnow()
    dossier, _campaign = get_writable(session, account, slot.dossier_id, now)
    try:
        _lock_dossier(session, dossier.id, now)
        existing = _same_file(session, dossier.id, slot.piece.key, upload.sha256)
        if existing is not None:
            session.rollback()
            return existing, False
        count, total = _usage(session, dossier.id, slot.piece.key)
        if count >= slot.piece.max_files:
            raise _too_many(slot.piece)
        _file_cap, dossier_cap = _caps(settings, slot.demarche)
        if total + upload.size > dossier_cap:
            raise ApiProblem(
                413,
                "dossier_too_large",
                "Le total des pièces du dossier dépasserait la limite autorisée : supprimez "
                "des fichiers inutiles ou réduisez leur taille.",
                extra={"remaining_bytes": max(dossier_cap - total, 0)},
            )
        piece = Piece(
            id=str(uuid.uuid4()),
            dossier_id=dossier.id,
            piece_type=slot.piece.key,
            filename=display_name,
            size=upload.size,
            sha256=upload.sha256,
            content_type=FORMATS[kind][0],
            storage_name=storage_name,
            uploaded_at=now,
            uploaded_by=account.id or 0,
        )
        session.add(piece)
        _touch(session, dossier.id, now)
        tab = slot.demarche.pieces_tab
        record_event(
            session,
            dossier.id,
            account.id or 0,
            Action.PIECE_AJOUTEE,
            tab=tab.key if tab else "pieces",
            fields=[slot.piece.key],
            at=now,
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        again = _same_file(session, dossier.id, slot.piece.key, upload.sha256)
        if again is None:
            raise
        return again, False
    except BaseException:
        session.rollback()
        raise
    return piece, True


def _touch(session: Session, dossier_id: str, now: datetime) -> None:
    session.exec(
        update(Dossier)
        .where(col(Dossier.id) == dossier_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


#: Built once: the read of every dossier lists its pieces.
_LIST_PIECES = (
    select(Piece)
    .where(col(Piece.dossier_id) == bindparam("dossier_id"))
    .order_by(col(Piece.piece_type), col(Piece.uploaded_at), col(Piece.id))
)


def list_pieces(session: Session, dossier_id: str) -> Sequence[Piece]:
    return session.exec(_LIST_PIECES, params={"dossier_id": dossier_id}).all()


def _piece_of(
    session: Session, dossier_id: str, piece_id: str, piece_type: str | None = None
) -> Piece:
    piece = session.get(Piece, piece_id)
    wrong_type = piece_type is not None and piece is not None and piece.piece_type != piece_type
    if piece is None or piece.dossier_id != dossier_id or wrong_type:
        raise ApiProblem(404, "piece_not_found", "Pièce introuvable.")
    return piece


def get_piece(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    piece_id: str,
    piece_type: str | None = None,
) -> Piece:
    """A readable piece (404 when missing or not the reader's)."""
    dossier = get_readable(session, account, dossier_id)
    return _piece_of(session, dossier.id, piece_id, piece_type)


def file_missing() -> ApiProblem:
    return ApiProblem(
        404,
        "piece_file_missing",
        "Le fichier de cette pièce est introuvable : déposez-le à nouveau.",
    )


def delete_piece(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    piece_id: str,
    piece_type: str | None = None,
    now: datetime | None = None,
) -> str:
    """Delete the row; returns the storage name of the object for the caller to remove."""
    now = now or utcnow()
    dossier, _campaign = get_writable(session, account, dossier_id, now)
    piece = _piece_of(session, dossier.id, piece_id, piece_type)
    demarche = get_demarche(dossier.demarche)
    storage_name = piece.storage_name
    session.delete(piece)
    _touch(session, dossier.id, now)
    tab = demarche.pieces_tab
    record_event(
        session,
        dossier.id,
        account.id or 0,
        Action.PIECE_SUPPRIMEE,
        tab=tab.key if tab else "pieces",
        fields=[piece.piece_type],
        at=now,
    )
    session.commit()
    return storage_name
