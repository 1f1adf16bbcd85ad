"""The running application's piece store, and its faults as French problems (503)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from starlette.requests import Request

from .errors import ApiProblem
from .settings import Settings
from .storage import PieceStore, StoreUnavailable

__all__ = [
    "attachment",
    "forget_object",
    "piece_store",
    "staging_dir",
    "store_call",
    "store_unavailable",
]

log = logging.getLogger("cesp_server.pieces")
T = TypeVar("T")


def piece_store(request: Request) -> PieceStore:
    return request.app.state.store


def staging_dir(settings: Settings) -> Path:
    """Where uploads are received and checked before they go to the store (local disk)."""
    return settings.resolved_files_dir / "tmp"


def store_unavailable() -> ApiProblem:
    return ApiProblem(
        503,
        "store_unavailable",
        "Le stockage des pièces est momentanément indisponible : rien n'a été enregistré, "
        "réessayez dans quelques minutes.",
        headers={"Retry-After": "60"},
    )


def store_call(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, a store fault becoming a 503 problem."""
    try:
        return function(*args)
    except StoreUnavailable as exc:
        log.error("piece store unavailable: %s", exc)
        raise store_unavailable() from exc


def forget_object(store: PieceStore, key: str) -> None:
    """Remove an object no row points to; left for the sweep when the store is down."""
    try:
        store.delete(key)
    except StoreUnavailable as exc:
        log.warning("piece object %s left for the sweep: %s", key, exc)


def attachment(filename: str) -> str:
    """A Content-Disposition for a download (RFC 6266, as Starlette writes it)."""
    quoted = quote(filename)
    if quoted != filename:
        return f"attachment; filename*=utf-8''{quoted}"
    return f'attachment; filename="{filename}"'
