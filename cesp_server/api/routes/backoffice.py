"""Back office: import of paper dossiers from a file, export of any list of dossiers."""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from cesp_core.imports import to_csv
from cesp_core.lifecycle import DossierState

from ...crud import backoffice as crud
from ...files import receive_upload, remove_quietly
from ...mail.outbox import kick
from ..deps import CurrentAccount, SessionDep, SettingsDep
from ..guards import Writer
from ..problems import problem_responses
from ..schemas.dossiers import ProblemOut

import_router = APIRouter(prefix="/imports", tags=["import et export"])
export_router = APIRouter(prefix="/exports", tags=["import et export"])

log = logging.getLogger("cesp_server.backoffice")


class ImportLineOut(BaseModel):
    line: int = Field(description="Ligne du tableur (l'en-tête est la ligne 1) ou rang JSON.")
    status: Literal["ok", "refused"]
    action: Literal["cree", "a_creer", "existant"] | None = Field(
        description="cree ; a_creer (essai à blanc) ; existant (le candidat a déjà un dossier "
        "dans la campagne : rien n'est créé)."
    )
    dossier_id: str | None
    numero: str | None
    applicant_email: str | None
    problems: list[ProblemOut] = Field(description="Valeurs fausses : la ligne est refusée.")
    warnings: list[ProblemOut] = Field(
        description="Valeurs manquantes : le dossier est importé en brouillon incomplet."
    )


class ImportReportOut(BaseModel):
    campaign_id: int
    dry_run: bool
    format: Literal["csv", "json"] | None
    total: int
    created: int
    to_create: int
    existing: int
    refused: int
    lines: list[ImportLineOut]


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
                            "description": "Fichier CSV (UTF-8, ; ou ,) ou JSON",
                        },
                    },
                },
            },
        },
    },
}


@import_router.post(
    "/dossiers",
    response_model=ImportReportOut,
    summary="Importer des dossiers papier (CSV ou JSON)",
    description="Agents de saisie et administrateurs. Une ligne par dossier, colonnes "
    "décrites dans docs/import-format.md (`applicant.email`, `etat_civil.nir`…). Chaque "
    "ligne est vérifiée par les règles de la démarche : une valeur fausse refuse la ligne, "
    "une valeur manquante non (le dossier est importé en brouillon, le manque est signalé). "
    "Une seule ligne refusée et rien n'est importé : 422 avec le rapport ligne par ligne. "
    "`dry_run=true` vérifie sans rien créer. Réimporter le même fichier ne crée rien de plus "
    "(un dossier par candidat et campagne). Chaque candidat importé reçoit le lien pour "
    "réclamer son dossier. Fichier illisible : 422 `import_file_invalid`.",
    openapi_extra=_UPLOAD_BODY,
    responses=problem_responses(400, 403, 404, 409, 413, 415),
)
async def import_dossiers(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: Writer,
    campaign_id: Annotated[int, Query(ge=1, le=2**31 - 1)],
    dry_run: bool = False,
) -> ImportReportOut:
    crud.ensure_keyer(account)
    # No database connection is held while the file arrives (a slow client may take long).
    await run_in_threadpool(session.close)
    cap = settings.max_import_bytes
    upload = await receive_upload(
        request, tmp_dir=settings.resolved_files_dir / "tmp", file_cap=cap, room=cap
    )
    try:
        content = await run_in_threadpool(upload.temp_path.read_bytes)
    finally:
        remove_quietly(upload.temp_path)
    report = await run_in_threadpool(
        crud.run_import,
        session,
        account,
        campaign_id=campaign_id,
        content=content,
        filename=upload.filename,
        dry_run=dry_run,
        settings=settings,
    )
    if report["created"]:
        kick(request.app)
    return ImportReportOut.model_validate(report)


_EXPORT_CONTENT = {
    "text/csv": {"schema": {"type": "string"}},
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
}


@export_router.get(
    "/dossiers",
    summary="Exporter des dossiers (CSV ou JSON)",
    description="Agents, support, instructeurs, administrateurs. Les colonnes de l'import, "
    "précédées de `dossier.*` (numéro, identifiant, état, campagne, mise à jour) ; les mêmes "
    "filtres que la liste. CSV : UTF-8 avec BOM, séparateur « ; », pour les tableurs. NIR et "
    "IBAN masqués, sauf `unmasked=true` pour les agents et administrateurs (403 sinon).",
    response_class=Response,
    responses={
        200: {"description": "Le fichier", "content": _EXPORT_CONTENT},
        **problem_responses(403, 404),
    },
)
def export_dossiers(
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
    fmt: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    demarche: Literal["cesp", "asp"] = "cesp",
    campaign_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    state: DossierState | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    created_by: Literal["me"] | None = None,
    unmasked: bool = False,
) -> Response:
    names, records = crud.export_records(
        session,
        account,
        demarche_key=demarche,
        campaign_id=campaign_id,
        state=state.value if state else None,
        q=q,
        created_by_me=created_by == "me",
        unmasked=unmasked,
        settings=settings,
    )
    if unmasked:
        log.info("export non masqué de %d dossier(s) par le compte %s", len(records), account.id)
    stamp = date.today().isoformat()
    if fmt == "json":
        body = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")
        media = "application/json"
    else:
        body = b"\xef\xbb\xbf" + to_csv(records, names).encode("utf-8")
        media = "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="dossiers-{stamp}.{fmt}"',
            "Cache-Control": "private, no-store",
        },
    )
