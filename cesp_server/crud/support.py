"""What the support reads about a dossier: its mails (redacted) and a diagnostic bundle.

The support reads everything and changes nothing. Mails are shown with their secrets
replaced (`mail.redact`): a support user never reads a live code, token or link; NIR and
IBAN are masked in every text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from cesp_core.lifecycle import READ_ANY_ROLES
from cesp_core.masking import mask_text

from ..errors import ApiProblem
from ..mail.redact import redact_text
from ..models import Account, AccountStatus, Dossier, OutboxMail
from .dossiers import role_of

__all__ = ["RedactedMail", "dossier_mails", "ensure_staff"]

#: Mails listed for one dossier, the latest first.
MAX_MAILS = 200


def ensure_staff(account: Account) -> None:
    """Mails and diagnostics are for staff (agent, support, instructeur, admin)."""
    if role_of(account) not in READ_ANY_ROLES:
        raise ApiProblem(
            403,
            "forbidden_role",
            "Réservé aux agents, au support, aux instructeurs et aux administrateurs.",
        )


@dataclass(frozen=True, slots=True)
class RedactedMail:
    id: int
    to: str
    subject: str
    body: str
    template: str
    about: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "envoye"
        return "echec" if self.last_error else "en_attente"


STATUS_LABELS = {
    "envoye": "Envoyé",
    "echec": "Échec d'envoi (nouvel essai prévu)",
    "en_attente": "En attente d'envoi",
}


def _redacted(mail: OutboxMail, dossier_id: str) -> RedactedMail:
    subject = mail.redacted_subject if mail.redacted_subject is not None else mail.subject
    body = mail.redacted_body if mail.redacted_body is not None else mail.body_text
    return RedactedMail(
        id=mail.id or 0,
        to=mail.to_addr,
        subject=redact_text(subject),
        body=redact_text(body),
        template=mail.template,
        about="dossier" if mail.dossier_id == dossier_id else "compte",
        created_at=mail.created_at,
        sent_at=mail.sent_at,
        attempts=mail.attempts,
        last_error=mask_text(mail.last_error) if mail.last_error else None,
    )


def dossier_mails(session: Session, dossier: Dossier) -> Sequence[RedactedMail]:
    """Every mail about the dossier, and the mails of its owner's account, redacted."""
    owner = session.get(Account, dossier.owner_id)
    about = col(OutboxMail.dossier_id) == dossier.id
    if owner is not None and owner.status != AccountStatus.UNCLAIMED:
        about = or_(about, col(OutboxMail.account_id) == owner.id)
    rows = session.exec(
        select(OutboxMail)
        .where(about)
        .order_by(col(OutboxMail.created_at).desc(), col(OutboxMail.id).desc())
        .limit(MAX_MAILS)
    ).all()
    return [_redacted(mail, dossier.id) for mail in rows]
