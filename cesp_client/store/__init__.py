"""The local draft store (SQLite via SQLModel): dossiers, pending operations, pieces."""

from .drafts import DraftStore, DraftWriter, backoff_delay
from .models import LocalDossier, LocalPiece, OpKind, PendingOp, PieceState

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
