"""Pieces of a dossier: upload (streamed, capped, format-checked), list, download, delete."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse

from ... import metrics
from ...crud import dossiers as crud_dossiers
from ...crud import pieces as crud
from ...files import FORMATS, megabytes, receive_upload, remove_quietly
from ...piece_checks import check_content, scan
from ...pieces_store import attachment, forget_object, piece_store, staging_dir, store_call
from ...storage import LocalStore, ObjectMissing
from ..deps import CurrentAccount, SessionDep, SettingsDep
from ..guards import Writer
from ..problems import problem_responses
from ..schemas.dossiers import PieceOut
from .dossiers import piece_out

router = APIRouter(prefix="/dossiers/{dossier_id}/pieces", tags=["pièces"])

DossierId = Annotated[UUID, Path(description="Identifiant (UUID) du dossier")]
PieceId = Annotated[UUID, Path(description="Identifiant de la pièce")]
PieceType = Annotated[str, Path(max_length=40, description="Type de pièce de la démarche")]

_MAX_FILE = 10 * 1024 * 1024

_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "Le fichier (PDF, JPEG ou PNG selon la démarche)",
                        },
                    },
                },
            },
        },
    },
}


@router.get(
    "", response_model=list[PieceOut], summary="Pièces du dossier", responses=problem_responses(404)
)
def list_pieces(
    dossier_id: DossierId, session: SessionDep, settings: SettingsDep, account: CurrentAccount
) -> list[PieceOut]:
    dossier = crud_dossiers.get_readable(session, account, str(dossier_id))
    return [piece_out(p, settings.timezone) for p in crud.list_pieces(session, dossier.id)]


@router.post(
    "/{piece_type}",
    response_model=PieceOut,
    status_code=201,
    summary="Joindre un fichier",
    description=f"Envoi multipart/form-data, champ `file`, un fichier par requête (plusieurs "
    f"fichiers par type de pièce : un envoi chacun). Taille maximale : "
    f"{megabytes(_MAX_FILE)} par fichier (`max_file_bytes` de la démarche), contrôlée pendant "
    "l'envoi (413 dès le dépassement) ; total par dossier : `max_dossier_bytes` (413). "
    "Formats : ASP PDF uniquement ; CESP PDF, JPEG, PNG ; l'extension ET le contenu "
    "(signature) sont vérifiés (415). Un fichier identique (même SHA-256) déjà joint à ce "
    "type renvoie la pièce existante (200). Brouillons seulement, avant la clôture.",
    openapi_extra=_UPLOAD_BODY,
    responses={
        200: {"model": PieceOut, "description": "Fichier identique déjà joint"},
        **problem_responses(400, 403, 404, 409, 413, 415, 422, 503),
    },
)
async def upload_piece(
    dossier_id: DossierId,
    piece_type: PieceType,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
) -> Any:
    store = piece_store(request)
    slot = await run_in_threadpool(
        crud.prepare_upload,
        session,
        account,
        dossier_id=str(dossier_id),
        piece_type=piece_type,
        settings=settings,
    )
    # No database connection is held while the body arrives (a slow client may take long).
    await run_in_threadpool(session.close)
    upload = await receive_upload(
        request, tmp_dir=staging_dir(settings), file_cap=slot.file_cap, room=slot.room
    )
    storage_name = uuid.uuid4().hex
    stored = False
    try:
        kind, display = crud.check_format(upload, slot)
        await run_in_threadpool(check_content, upload.temp_path, kind)
        await run_in_threadpool(scan, upload.temp_path, settings.scan_command)
        existing = await run_in_threadpool(crud.find_same, session, slot, upload.sha256)
        if existing is None:
            await run_in_threadpool(session.close)
            await run_in_threadpool(store_call, store.put, storage_name, upload.temp_path)
            stored = True
            piece, created = await run_in_threadpool(
                crud.store_piece,
                session,
                account,
                slot=slot,
                upload=upload,
                kind=kind,
                display_name=display,
                storage_name=storage_name,
                settings=settings,
            )
        else:
            piece, created = existing, False
        if created:
            stored = False  # the row owns the object now
            metrics.UPLOAD_BYTES.inc(upload.size)
    finally:
        remove_quietly(upload.temp_path)
        if stored:
            await run_in_threadpool(forget_object, store, storage_name)
    out = piece_out(piece, settings.timezone)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


@router.get(
    "/{piece_type}/{piece_id}/content",
    summary="Télécharger un fichier",
    response_class=FileResponse,
    responses={
        200: {
            "description": "Le fichier",
            "content": {
                mime: {"schema": {"type": "string", "format": "binary"}}
                for mime, _ext, _label in FORMATS.values()
            },
        },
        **problem_responses(404, 503),
    },
)
def download_piece(
    dossier_id: DossierId,
    piece_type: PieceType,
    piece_id: PieceId,
    request: Request,
    session: SessionDep,
    account: CurrentAccount,
) -> Response:
    store = piece_store(request)
    piece = crud.get_piece(
        session,
        account,
        dossier_id=str(dossier_id),
        piece_type=piece_type,
        piece_id=str(piece_id),
    )
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
    if isinstance(store, LocalStore):
        path = store.path(piece.storage_name)
        if not path.is_file():
            raise crud.file_missing()
        return FileResponse(
            path, media_type=piece.content_type, filename=piece.filename, headers=headers
        )
    try:
        chunks = store_call(store.stream, piece.storage_name)
    except ObjectMissing:
        raise crud.file_missing() from None
    headers["Content-Disposition"] = attachment(piece.filename)
    headers["Content-Length"] = str(piece.size)
    return StreamingResponse(chunks, media_type=piece.content_type, headers=headers)


@router.delete(
    "/{piece_type}/{piece_id}",
    status_code=204,
    summary="Supprimer un fichier",
    description="Brouillons seulement, avant la clôture.",
    responses=problem_responses(403, 404, 409),
)
def delete_piece(
    dossier_id: DossierId,
    piece_type: PieceType,
    piece_id: PieceId,
    request: Request,
    session: SessionDep,
    account: Writer,
) -> Response:
    storage_name = crud.delete_piece(
        session,
        account,
        dossier_id=str(dossier_id),
        piece_id=str(piece_id),
        piece_type=piece_type,
    )
    forget_object(piece_store(request), storage_name)
    return Response(status_code=204)
