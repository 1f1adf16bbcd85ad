"""The FastAPI application factory."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI

from . import __version__
from .api.main import api_router
from .db import make_engine
from .errors import install_error_handlers
from .log_masking import install_log_masking
from .migrate import upgrade
from .pieces_store import staging_dir
from .settings import Settings
from .storage import make_store, remove_stale_parts


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
    app.state.store = make_store(settings)
    if app.state.store.kind == "file":
        app.state.store.init()
    remove_stale_parts(staging_dir(settings), timedelta(minutes=settings.upload_grace_minutes))
    install_error_handlers(app)
    app.include_router(api_router, prefix="/api/v1")
    if settings.metrics_enabled:
        from .metrics import MetricsMiddleware, metrics_endpoint

        app.add_middleware(MetricsMiddleware)
        app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    logging.getLogger("cesp_server").setLevel(logging.INFO)
    return app


def init_database(app: FastAPI) -> None:
    """Bring the schema to the latest Alembic revision (once across concurrent workers)."""
    from . import models  # noqa: F401  (registers every table)

    upgrade(app.state.engine, app.state.settings)
