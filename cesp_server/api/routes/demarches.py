"""The démarches as data (tabs, fields, conditions, pieces): public, read-only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cesp_core.demarches import DEMARCHES

from ...errors import ApiProblem
from ..problems import problem_responses
from ..schemas.campaigns import DemarcheOut

router = APIRouter(prefix="/demarches", tags=["démarches"])


@router.get("", response_model=list[DemarcheOut], summary="Les démarches")
def list_demarches() -> list[dict[str, Any]]:
    return [d.to_dict() for d in DEMARCHES.values()]


@router.get(
    "/{key}",
    response_model=DemarcheOut,
    summary="Une démarche",
    responses=problem_responses(404, auth=False),
)
def read_demarche(key: str) -> dict[str, Any]:
    demarche = DEMARCHES.get(key)
    if demarche is None:
        raise ApiProblem(404, "demarche_not_found", "Démarche inconnue.")
    return demarche.to_dict()
