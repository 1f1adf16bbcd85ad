"""Liveness (/health) and readiness (/ready: the database and the piece store answer)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy import text

from ... import __version__
from ...errors import ApiProblem
from ...storage import StoreUnavailable
from ..problems import problem_responses

router = APIRouter(tags=["santé"])
log = logging.getLogger("cesp_server.health")


class Health(BaseModel):
    status: str
    version: str


class Ready(BaseModel):
    status: str
    version: str
    database: str
    piece_store: str


@router.get("/health", response_model=Health, summary="Le processus répond (vivacité)")
def health() -> Health:
    """No dependency is checked: a load balancer restarts what does not answer here."""
    return Health(status="ok", version=__version__)


def _check_database(request: Request) -> None:
    with request.app.state.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get(
    "/ready",
    response_model=Ready,
    summary="Prêt à servir : base de données et stockage des pièces joignables",
    responses=problem_responses(503, auth=False),
)
async def ready(request: Request) -> Ready:
    try:
        await run_in_threadpool(_check_database, request)
    except Exception as exc:
        log.error("readiness: database unavailable: %s", type(exc).__name__)
        raise ApiProblem(
            503,
            "database_unavailable",
            "Service indisponible : la base de données ne répond pas.",
            headers={"Retry-After": "30"},
        ) from None
    store = request.app.state.store
    try:
        await run_in_threadpool(store.check)
    except StoreUnavailable as exc:
        log.error("readiness: piece store unavailable: %s", exc)
        raise ApiProblem(
            503,
            "store_unavailable",
            "Service indisponible : le stockage des pièces ne répond pas.",
            headers={"Retry-After": "30"},
        ) from None
    return Ready(status="ok", version=__version__, database="ok", piece_store=store.kind)
