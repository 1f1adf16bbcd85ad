"""The local draft store (SQLite via SQLModel): dossiers, pending operations, pieces.

The names are loaded on first use (PEP 562): importing ``cesp_client.store`` (or its
light ``kinds`` module) does not import SQLAlchemy, which costs about 0.4 s; the login
screen shows before the store is ever opened (bench/bench_tui_startup.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .kinds import OpKind, PieceState

if TYPE_CHECKING:
    from .drafts import DraftStore, DraftWriter, backoff_delay
    from .models import LocalDossier, LocalPiece, PendingOp

__all__ = [
    "DraftStore",
    "DraftWriter",
    "LocalDossier",
    "LocalPiece",
    "OpKind",
    "PendingOp",
    "PieceState",
    "backoff_delay",
]

_HOMES = {
    "DraftStore": ".drafts",
    "DraftWriter": ".drafts",
    "backoff_delay": ".drafts",
    "LocalDossier": ".models",
    "LocalPiece": ".models",
    "PendingOp": ".models",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value
