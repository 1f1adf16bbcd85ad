"""The kinds of pending operation and the states of a local piece.

Plain enums, apart from the SQLModel tables (``models.py``): screens and the workspace
compare against them without importing SQLAlchemy at start-up.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["OpKind", "PieceState"]


class OpKind(StrEnum):
    CREATE = "create"
    SAVE_TAB = "save_tab"
    UPLOAD = "upload"
    DELETE_PIECE = "delete_piece"
    TRANSMIT = "transmit"
    DELETE = "delete"


class PieceState(StrEnum):
    PENDING = "pending"
    UPLOADING = "uploading"
    UPLOADED = "uploaded"
    REFUSED = "refused"
