"""Instruction, decisions and the publication of a campaign's results.

An instructeur moves a transmitted dossier into instruction, records accepté or refusé
with a comment (and may change it until the results are published), then publishes the
campaign's results: owners are mailed once, and only then read their decision.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from cesp_core import lifecycle
from cesp_core.demarches import get_demarche
from cesp_core.lifecycle import DossierState, Role, TransitionError
from cesp_core.problems import INVALID, Problem
from cesp_core.text import plural
from cesp_core.validators.text import validate_text

from ..errors import ApiProblem
from ..mail.outbox import queue_mail
from ..models import Account, Campaign, Decision, Dossier, utcnow
from ..settings import Settings
from .campaigns import ensure_publishable
from .dossiers import (
    Action,
    applicant_name,
    bump,
    get_readable,
    recipient,
    record_event,
    role_of,
    sees_decisions_early,
)
from .transmission import asp_context

__all__ = [
    "DECISION_LABELS",
    "decision_visible",
    "get_decision",
    "publish_results",
    "record_decision",
    "start_instruction",
]

DECISION_LABELS = {"accepte": "Accepté", "refuse": "Refusé"}
_ACTIONS = {"accepte": lifecycle.Action.ACCEPTER, "refuse": lifecycle.Action.REFUSER}


def _campaign(session: Session, dossier: Dossier) -> Campaign:
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    return campaign


def _refused(exc: TransitionError) -> ApiProblem:
    return ApiProblem(403 if exc.forbidden_role else 409, "transition_refused", exc.message)


def _conflict_after_race() -> ApiProblem:
    return ApiProblem(
        409, "dossier_changed", "Le dossier vient d'être modifié par ailleurs : rechargez-le."
    )


def start_instruction(
    session: Session, account: Account, dossier_id: str, now: datetime | None = None
) -> Dossier:
    now = now or utcnow()
    dossier = get_readable(session, account, dossier_id)
    try:
        target = lifecycle.apply(
            DossierState(dossier.state), lifecycle.Action.INSTRUIRE, role_of(account)
        )
    except TransitionError as exc:
        raise _refused(exc) from None
    if not bump(session, dossier, {"state": target.value, "updated_at": now}, state=dossier.state):
        session.rollback()
        raise _conflict_after_race()
    record_event(session, dossier.id, account.id or 0, Action.INSTRUCTION, at=now)
    session.commit()
    session.expire_all()
    return get_readable(session, account, dossier_id)


def record_decision(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    decision: str,
    comment: str,
    now: datetime | None = None,
) -> tuple[Dossier, Decision]:
    now = now or utcnow()
    message = validate_text(comment.replace("\r\n", "\n"), multiline=True)
    if message is not None:
        raise ApiProblem(
            422,
            "invalid_values",
            "Certaines valeurs ne peuvent pas être enregistrées.",
            problems=[Problem("decision", "comment", message, INVALID)],
        )
    dossier = get_readable(session, account, dossier_id)
    campaign = _campaign(session, dossier)
    if campaign.results_published_at is not None:
        raise ApiProblem(
            409,
            "results_published",
            "Les résultats de cette campagne sont publiés : la décision ne peut "
            "plus être modifiée.",
        )
    existing = session.exec(select(Decision).where(Decision.dossier_id == dossier.id)).first()
    source = DossierState(dossier.state)
    if existing is not None and lifecycle.is_final(source):
        # Changing a decision not yet published: judged from "en instruction".
        source = DossierState.EN_INSTRUCTION
    try:
        target = lifecycle.apply(source, _ACTIONS[decision], role_of(account))
    except TransitionError as exc:
        raise _refused(exc) from None
    if not _decided_state(session, dossier, target.value):
        session.rollback()
        raise _conflict_after_race()
    record = existing or Decision(
        dossier_id=dossier.id, decision=decision, decided_by=account.id or 0
    )
    record.decision = decision
    record.comment = comment.replace("\r\n", "\n").strip()
    record.decided_by = account.id or 0
    record.decided_at = now
    session.add(record)
    record_event(
        session,
        dossier.id,
        account.id or 0,
        Action.DECISION,
        tab="decision",
        fields=["decision", "commentaire"],
        at=now,
    )
    session.commit()
    session.expire_all()
    return get_readable(session, account, dossier_id), record


def _decided_state(session: Session, dossier: Dossier, target: str) -> bool:
    """Write the decision's state, conditionally, WITHOUT moving the version nor
    `updated_at`: nothing the owner sees (version, ETag, list order) may change before
    the publication, which moves them (`publish_results`). False after a race."""
    result = session.exec(
        update(Dossier)
        .where(
            col(Dossier.id) == dossier.id,
            col(Dossier.version) == dossier.version,
            col(Dossier.state) == dossier.state,
        )
        .values(state=target)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def decision_visible(account: Account, campaign: Campaign) -> bool:
    return campaign.results_published_at is not None or sees_decisions_early(account)


def get_decision(session: Session, dossier: Dossier) -> Decision | None:
    return session.exec(select(Decision).where(Decision.dossier_id == dossier.id)).first()


def publish_results(
    session: Session,
    account: Account,
    *,
    campaign_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[Campaign, int, int]:
    """Publish once; returns ``(campaign, dossiers decided, mails queued)``.

    A second call changes nothing and sends nothing. Refused while transmitted dossiers
    still wait for a decision.
    """
    now = now or utcnow()
    if role_of(account) is not Role.INSTRUCTEUR:
        raise ApiProblem(
            403, "forbidden_role", "Seul un instructeur publie les résultats d'une campagne."
        )
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise ApiProblem(404, "campaign_not_found", "Campagne introuvable.")
    decided_states = (DossierState.ACCEPTE.value, DossierState.REFUSE.value)
    decided = session.exec(
        select(Dossier)
        .where(Dossier.campaign_id == campaign.id, col(Dossier.state).in_(decided_states))
        .order_by(col(Dossier.numero))
    ).all()
    if campaign.results_published_at is not None:
        return campaign, len(decided), 0
    ensure_publishable(campaign, settings.timezone, now)
    waiting = session.exec(
        select(func.count()).where(
            Dossier.campaign_id == campaign.id,
            col(Dossier.state).in_(
                (DossierState.TRANSMIS.value, DossierState.EN_INSTRUCTION.value)
            ),
        )
    ).one()
    if waiting:
        raise ApiProblem(
            409,
            "undecided_dossiers",
            f"{plural(waiting, 'dossier transmis attend', 'dossiers transmis attendent')} "
            "encore une décision : décidez-les "
            "avant de publier les résultats.",
            extra={"undecided": int(waiting)},
        )
    won = session.exec(
        update(Campaign)
        .where(col(Campaign.id) == campaign.id, col(Campaign.results_published_at).is_(None))
        .values(results_published_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        session.rollback()
        session.expire_all()
        again = session.get(Campaign, campaign_id)
        assert again is not None
        return again, len(decided), 0
    # What owners see changes now, not at the decision: a new version (their clients pull
    # the decided state), a new ETag, a new modification time.
    session.exec(
        update(Dossier)
        .where(col(Dossier.campaign_id) == campaign.id, col(Dossier.state).in_(decided_states))
        .values(version=col(Dossier.version) + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    mails = 0
    for dossier in decided:
        owner = session.get(Account, dossier.owner_id)
        if owner is None:
            continue
        if dossier.demarche == "asp":
            context = asp_context(dossier, owner)
            context["campagne"] = campaign.label
            partner = (dossier.data or {}).get("identification", {}).get("etab_partenaire_email")
            recipients = [owner.email]
            if isinstance(partner, str) and partner and partner.lower() != owner.email.lower():
                recipients.append(partner)
            for to in recipients:
                queue_mail(
                    session,
                    to=to,
                    template="results_published",
                    context=context,
                    account_id=owner.id if to == owner.email else None,
                    dossier_id=dossier.id,
                    settings=settings,
                )
                mails += 1
        else:
            to_addr, to_account = recipient(session, dossier)
            queue_mail(
                session,
                to=to_addr or owner.email,
                template="decision_published",
                context={
                    "nom": applicant_name(dossier, owner) or owner.display_name,
                    "numero": dossier.numero,
                    "demarche": get_demarche(dossier.demarche).title,
                    "campagne": campaign.label,
                },
                account_id=to_account.id if to_account else None,
                dossier_id=dossier.id,
                settings=settings,
            )
            mails += 1
    session.commit()
    session.expire_all()
    published = session.get(Campaign, campaign_id)
    assert published is not None
    return published, len(decided), mails
