"""E-mailed secrets: the 4-digit sign-up codes and the single-use links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from .base import utcnow


class VerificationCode(SQLModel, table=True):
    """A 4-digit code (Argon2id hash), at most `code_max_tries` tries, short life."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    code_hash: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    tries: int = 0
    used_at: datetime | None = None


class LinkPurpose(StrEnum):
    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"


class LinkToken(SQLModel, table=True):
    """A 256-bit link token stored as its SHA-256; single use, short life."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    #: Wrong secret answers given with this link (it is burnt after too many).
    tries: int = 0
    used_at: datetime | None = None
