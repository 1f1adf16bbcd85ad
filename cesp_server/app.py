"""The FastAPI application factory."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from . import __version__
from .api.main import api_router
from .body_limit import BodyLimitMiddleware
from .db import make_engine
from .errors import install_error_handlers
from .log_masking import install_log_masking
from .migrate import upgrade
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    install_log_masking()
    app = FastAPI(
        title="Plateforme CESP / Assistant Spécialiste Partagé",
        version=__version__,
        description="Dossiers de candidature : comptes, dossiers, pièces, transmission, "
        "décisions. Les erreurs suivent RFC 9457 (application/problem+json) ; `detail` est "
        "en français, destiné à l'utilisateur.",
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings)
    init_database(app)
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(api_router, prefix="/api/v1")
    logging.getLogger("cesp_server").setLevel(logging.INFO)
    return app


def init_database(app: FastAPI) -> None:
    """Bring the schema to the latest Alembic revision (once across concurrent workers)."""
    from . import models  # noqa: F401  (registers every table)

    upgrade(app.state.engine, app.state.settings)
