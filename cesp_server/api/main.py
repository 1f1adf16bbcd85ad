"""Aggregates the routers of every area under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from .problems import problem_responses
from .routes import accounts, auth, backoffice, campaigns, demarches, dossiers, health, pieces

#: Every route may refuse its input with a problem+json: 400 (unreadable body) and 422
#: (FastAPI documents another shape by default); routes add their other refusals.
api_router = APIRouter(responses=problem_responses(400, auth=False))
# The busiest routes first: a request is matched against the routes in this order.
api_router.include_router(dossiers.router)
api_router.include_router(pieces.router)
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(accounts.router)
api_router.include_router(demarches.router)
api_router.include_router(campaigns.router)
api_router.include_router(backoffice.import_router)
api_router.include_router(backoffice.export_router)
