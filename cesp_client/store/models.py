"""Tables of the local draft store (``<data_dir>/drafts.db``).

They live in their own SQLAlchemy registry, not in ``SQLModel.metadata``: the embedded
platform runs in the same process and its ``create_all`` must never see them (nor the
client's ``create_all`` the server's tables).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from .kinds import OpKind, PieceState

__all__ = [
    "DraftKey",
    "DraftModel",
    "LocalDossier",
    "LocalPiece",
    "OpKind",
    "PendingOp",
    "PieceState",
    "new_id",
    "utcnow",
]


def utcnow() -> datetime:
    """Naive UTC, as the server stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class DraftModel(SQLModel, registry=registry()):
    """Base of the client's tables (a metadata of their own)."""


class LocalDossier(DraftModel, table=True):
    __tablename__ = "local_dossier"
    __table_args__ = (Index("ix_local_dossier_owner", "server_url", "account_username"),)

    #: The dossier's UUID, generated here and sent with its creation (the server keeps it).
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    server_url: str
    account_username: str
    demarche: str
    campaign_id: int | None = None
    #: Given by the server on creation (``CESP-2026-000042``).
    numero: str | None = None
    state: str = "brouillon"
    #: The server's version this copy is based on; None: not yet created on the server.
    server_version: int | None = None
    #: tab key -> field key -> value: the local copy, written on every keystroke.
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Tabs the server has accepted ("Enregistrer" succeeded there).
    saved_tabs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: Tabs changed locally since their last "Enregistrer".
    dirty_tabs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certifications: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    #: The last copy received from the server (``data``), the base of a field-by-field merge.
    server_data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)
    synced_at: datetime | None = None


class PendingOp(DraftModel, table=True):
    """A change waiting for the server, replayed in order per dossier."""

    __tablename__ = "pending_op"
    __table_args__ = (Index("ix_pending_op_due", "dossier_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: str = Field(index=True, max_length=36)
    kind: str  # OpKind
    tab: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    #: Sent as ``Idempotency-Key``: a retry after a cut never acts twice.
    idempotency_key: str = Field(default_factory=new_id, max_length=36)
    #: Sends so far (counted by `DraftStore.op_sending`, or `op_failed`).
    attempts: int = 0
    #: Being sent right now (reserved by `op_sending`); reset when the store reopens.
    in_flight: bool = False
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class LocalPiece(DraftModel, table=True):
    """A file attached to a dossier, from the moment it is picked until the server has it."""

    __tablename__ = "local_piece"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    dossier_id: str = Field(index=True, max_length=36)
    piece_type: str
    path: str
    filename: str
    size: int
    sha256: str = Field(max_length=64)
    server_id: str | None = None
    state: str = PieceState.PENDING  # PieceState
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class DraftKey(DraftModel, table=True):
    """An account's data key, wrapped (never in clear): see `cesp_client.store.crypto`.

    Its presence means every personal value of the account's rows is sealed."""

    __tablename__ = "draft_key"

    server_url: str = Field(primary_key=True)
    account_username: str = Field(primary_key=True)
    #: Recognises the data key (a copy found in the keyring) without revealing it.
    key_check: str
    #: The data key wrapped by the password's argon2id key (None: keyring only so far).
    wrapped_key: str | None = None
    salt: str | None = None
    kdf: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
