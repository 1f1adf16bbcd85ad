"""Pieces of a dossier: upload (streamed, capped, format-checked), list, download, delete."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse

from ...crud import dossiers as crud_dossiers
from ...crud import pieces as crud
from ...files import FORMATS, megabytes, receive_upload, remove_quietly
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
        **problem_responses(400, 403, 404, 409, 413, 415),
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
        request, tmp_dir=settings.resolved_files_dir / "tmp", file_cap=slot.file_cap, room=slot.room
    )
    try:
        kind, display = crud.check_format(upload, slot)
    except Exception:
        remove_quietly(upload.temp_path)
        raise
    piece, created = await run_in_threadpool(
        crud.store_piece,
        session,
        account,
        slot=slot,
        upload=upload,
        kind=kind,
        display_name=display,
        settings=settings,
    )
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
        **problem_responses(404),
    },
)
def download_piece(
    dossier_id: DossierId,
    piece_type: PieceType,
    piece_id: PieceId,
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
) -> FileResponse:
    piece, path = crud.get_piece(
        session,
        account,
        dossier_id=str(dossier_id),
        piece_type=piece_type,
        piece_id=str(piece_id),
        settings=settings,
    )
    return FileResponse(
        path,
        media_type=piece.content_type,
        filename=piece.filename,
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


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
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
) -> Response:
    crud.delete_piece(
        session,
        account,
        dossier_id=str(dossier_id),
        piece_id=str(piece_id),
        piece_type=piece_type,
        settings=settings,
    )
    return Response(status_code=204)
