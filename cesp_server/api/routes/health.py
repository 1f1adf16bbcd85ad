"""Liveness and version."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from ... import __version__
from ..deps import SessionDep

router = APIRouter(tags=["santé"])


class Health(BaseModel):
    status: str
    version: str


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    return Health(status="ok", version=__version__)
