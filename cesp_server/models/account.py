"""Accounts and their sessions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from .base import utcnow


class AccountStatus(StrEnum):
    #: CESP sign-up step 1 done: waiting for the 4-digit code.
    PENDING_CODE = "pending_code"
    #: E-mail verified: waiting for the password set through the e-mailed link.
    PENDING_PASSWORD = "pending_password"
    ACTIVE = "active"
    DISABLED = "disabled"
    #: The applicant of a dossier keyed by an agent from paper: a placeholder owner that
    #: can never log in (no password, a reserved address), until the applicant claims the
    #: dossier with their own account (then it is disabled).
    UNCLAIMED = "unclaimed"


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    #: The "identifiant de connexion" mailed to the user.
    username: str = Field(index=True, unique=True, max_length=80)
    #: Lower-cased (`normalize_email`); one account per address.
    email: str = Field(index=True, unique=True, max_length=254)
    role: str = Field(index=True, max_length=20)  # cesp_core.lifecycle.Role
    status: str = Field(default=AccountStatus.PENDING_CODE, max_length=20)

    civilite: str | None = Field(default=None, max_length=2)
    nom: str | None = Field(default=None, max_length=80)
    prenom: str | None = Field(default=None, max_length=80)
    date_naissance: date | None = None
    etablissement_nom: str | None = Field(default=None, max_length=160)
    finess: str | None = Field(default=None, index=True, max_length=9)

    password_hash: str | None = Field(default=None, max_length=255)
    secret_question: str | None = Field(default=None, max_length=200)
    secret_answer_hash: str | None = Field(default=None, max_length=255)

    failed_logins: int = 0
    locked_until: datetime | None = None
    email_verified_at: datetime | None = None
    password_changed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def display_name(self) -> str:
        if self.etablissement_nom:
            return self.etablissement_nom
        parts = [p for p in (self.prenom, (self.nom or "").upper()) if p]
        return " ".join(parts) or self.username


class AuthSession(SQLModel, table=True):
    """An opaque bearer token, stored as its SHA-256; idle and absolute expiry."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str | None = Field(default=None, max_length=200)
