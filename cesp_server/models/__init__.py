"""All tables, imported here so that `SQLModel.metadata` knows them (Alembic, tests)."""

from .account import Account, AccountStatus, AuthSession
from .base import utcnow
from .campaign import Campaign
from .dossier import (
    Decision,
    Dossier,
    DossierClaim,
    DossierEvent,
    IdempotencyRecord,
    NumberSequence,
    Piece,
    ReminderSent,
)
from .outbox import OutboxMail
from .ratelimit import RateCounter
from .throttle import LoginThrottle
from .verification import LinkPurpose, LinkToken, VerificationCode

__all__ = [
    "Account",
    "AccountStatus",
    "AuthSession",
    "Campaign",
    "Decision",
    "Dossier",
    "DossierClaim",
    "DossierEvent",
    "IdempotencyRecord",
    "LinkPurpose",
    "LinkToken",
    "LoginThrottle",
    "NumberSequence",
    "OutboxMail",
    "Piece",
    "RateCounter",
    "ReminderSent",
    "VerificationCode",
    "utcnow",
]
