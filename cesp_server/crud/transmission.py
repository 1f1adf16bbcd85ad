"""Transmission of a dossier: certification, completeness, receipt, idempotency, mail.

A transmission carries an `Idempotency-Key`. The first success stores its answer (the
receipt) under ``(account, "transmit:<dossier>", key)``; a retry with the same key gets
that answer again, without a second mail. Another key on a transmitted dossier is 409.
The state change is a conditional UPDATE (``WHERE state = 'brouillon' AND version = :v``):
of two concurrent transmissions exactly one wins.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from cesp_core import lifecycle, timefmt
from cesp_core.demarches import Demarche, get_demarche, rules
from cesp_core.lifecycle import DossierState, TransitionError
from cesp_core.problems import Problem

from ..clock import to_local
from ..errors import ApiProblem
from ..mail.outbox import queue_mail
from ..models import Account, Campaign, Dossier, IdempotencyRecord, utcnow
from ..settings import Settings
from .campaigns import ensure_campaign_open
from .dossiers import (
    Action,
    applicant_name,
    bump,
    ensure_can_change,
    get_readable,
    parse_if_match,
    piece_counts,
    recipient,
    record_event,
    role_of,
    version_conflict,
)
from .pieces import list_pieces

__all__ = ["check_idempotency_key", "transmit"]

_MAX_KEY = 200


def check_idempotency_key(key: str | None) -> str:
    if key is None or not key.strip():
        raise ApiProblem(
            428,
            "idempotency_key_required",
            "Indiquez une clé d'idempotence (en-tête Idempotency-Key) : elle évite une "
            "double transmission si la connexion est coupée.",
        )
    key = key.strip()
    if len(key) > _MAX_KEY or not key.isascii() or not key.isprintable():
        raise ApiProblem(
            422,
            "invalid_idempotency_key",
            "Clé d'idempotence invalide : 200 caractères ASCII imprimables au plus.",
        )
    return key


def _scope(dossier_id: str) -> str:
    return f"transmit:{dossier_id}"


def _stored(
    session: Session, account: Account, dossier_id: str, key: str
) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account.id,
            IdempotencyRecord.scope == _scope(dossier_id),
            IdempotencyRecord.key == key,
        )
    ).first()


def _data_digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _certification_problems(demarche: Demarche, certifications: Sequence[str]) -> list[Problem]:
    known = {c.value for c in demarche.certifications}
    return [
        Problem("synthese", value[:60], "Case à cocher inconnue pour cette démarche.")
        for value in certifications
        if value not in known
    ]


def _text(data: dict[str, Any], tab: str, key: str) -> str:
    value = (data.get(tab) or {}).get(key)
    return value.strip() if isinstance(value, str) else ""


def _date_fr(value: str) -> str:
    parts = value.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else value


def asp_context(dossier: Dossier, owner: Account) -> dict[str, str]:
    """What the ASP mails tell: both establishments, the specialty, the candidate."""
    data = dossier.data or {}
    civilite = {"M": "M.", "F": "Mme"}.get(_text(data, "candidat", "civilite"), "")
    candidat = " ".join(p for p in (civilite, applicant_name(dossier)) if p)
    return {
        "numero": dossier.numero,
        "etablissement_recruteur": _text(data, "identification", "etab_recruteur_nom")
        or owner.display_name,
        "finess_recruteur": _text(data, "identification", "etab_recruteur_finess"),
        "etablissement_partenaire": _text(data, "identification", "etab_partenaire_nom"),
        "finess_partenaire": _text(data, "identification", "etab_partenaire_finess"),
        "specialite": _text(data, "identification", "specialite"),
        "candidat": candidat,
        "candidat_naissance": _date_fr(_text(data, "candidat", "date_naissance")),
    }


def transmit(
    session: Session,
    account: Account,
    *,
    dossier_id: str,
    key: str | None,
    certifications: Sequence[str],
    if_match: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[dict[str, Any], bool]:
    """Transmit the dossier; returns ``(answer, replayed)``."""
    now = now or utcnow()
    key = check_idempotency_key(key)
    dossier = get_readable(session, account, dossier_id)
    record = _stored(session, account, dossier.id, key)
    if record is not None:
        return dict(record.response), True
    ensure_can_change(account, dossier)
    if dossier.state != DossierState.BROUILLON:
        raise ApiProblem(
            409,
            "already_transmitted",
            "Ce dossier a déjà été transmis : il n'est plus modifiable.",
            extra={"state": dossier.state},
        )
    campaign = session.get(Campaign, dossier.campaign_id)
    assert campaign is not None
    ensure_campaign_open(campaign, now)
    if if_match and if_match.strip() and parse_if_match(if_match) != dossier.version:
        raise version_conflict(dossier)

    demarche = get_demarche(dossier.demarche)
    ticked = list(dict.fromkeys(certifications))
    unknown = _certification_problems(demarche, ticked)
    if unknown:
        raise ApiProblem(
            422, "invalid_values", "Certaines cases cochées sont inconnues.", problems=unknown
        )
    counts = piece_counts(session, [dossier.id])[dossier.id]
    problems = rules.transmission_problems(demarche, dossier.data or {}, counts, ticked)
    if problems:
        raise ApiProblem(
            422,
            "dossier_incomplete",
            "Le dossier ne peut pas être transmis : complétez les onglets et les pièces "
            "signalés, puis cochez les cases de certification.",
            problems=problems,
        )
    try:
        target = lifecycle.apply(
            DossierState(dossier.state), lifecycle.Action.TRANSMETTRE, role_of(account)
        )
    except TransitionError as exc:
        raise ApiProblem(
            403 if exc.forbidden_role else 409, "transition_refused", exc.message
        ) from None

    pieces = list_pieces(session, dossier.id)
    local_now = to_local(now, settings.timezone)
    receipt: dict[str, Any] = {
        "numero": dossier.numero,
        "dossier_id": dossier.id,
        "demarche": demarche.key,
        "demarche_title": demarche.title,
        "campaign_id": campaign.id,
        "campaign_label": campaign.label,
        "transmitted_at": local_now.isoformat(),
        "certifications": ticked,
        "pieces": [
            {"piece_type": p.piece_type, "filename": p.filename, "size": p.size, "sha256": p.sha256}
            for p in pieces
        ],
        "data_sha256": _data_digest(dossier.data or {}),
        "version": dossier.version + 1,
    }
    answer: dict[str, Any] = {
        "dossier_id": dossier.id,
        "numero": dossier.numero,
        "state": target.value,
        "version": dossier.version + 1,
        "receipt": receipt,
    }
    changed = bump(
        session,
        dossier,
        {
            "state": target.value,
            "transmitted_at": now,
            "receipt": receipt,
            "certifications": ticked,
            "updated_at": now,
        },
        state=DossierState.BROUILLON.value,
    )
    if not changed:
        session.rollback()
        session.expire_all()
        return _after_lost_race(session, account, dossier_id, key)
    session.add(
        IdempotencyRecord(
            key=key,
            account_id=account.id or 0,
            scope=_scope(dossier.id),
            status_code=200,
            response=answer,
            created_at=now,
        )
    )
    record_event(
        session,
        dossier.id,
        account.id or 0,
        Action.TRANSMISSION,
        tab="synthese",
        fields=ticked,
        at=now,
    )
    owner = session.get(Account, dossier.owner_id) or account
    when = timefmt.format_moment(now)  # the client's text for the same instant
    if demarche.key == "asp":
        context = asp_context(dossier, owner)
        context.update(transmitted_at=when, campagne=campaign.label, nombre_pieces=str(len(pieces)))
        queue_mail(
            session,
            to=owner.email,
            template="asp_acknowledgement",
            context=context,
            account_id=owner.id,
            dossier_id=dossier.id,
            settings=settings,
        )
    else:
        # A paper dossier not yet claimed: the confirmation goes to the applicant's e-mail.
        to_addr, to_account = recipient(session, dossier)
        queue_mail(
            session,
            to=to_addr or owner.email,
            template="transmission_confirmation",
            context={
                "nom": applicant_name(dossier, owner) or owner.display_name,
                "numero": dossier.numero,
                "demarche": demarche.title,
                "transmitted_at": when,
                "campagne": campaign.label,
            },
            account_id=to_account.id if to_account else None,
            dossier_id=dossier.id,
            settings=settings,
        )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        session.expire_all()
        return _after_lost_race(session, account, dossier_id, key)
    return answer, False


def _after_lost_race(
    session: Session, account: Account, dossier_id: str, key: str
) -> tuple[dict[str, Any], bool]:
    record = _stored(session, account, dossier_id, key)
    if record is not None:
        return dict(record.response), True
    current = session.get(Dossier, dossier_id)
    if current is not None and current.state != DossierState.BROUILLON:
        raise ApiProblem(
            409,
            "already_transmitted",
            "Ce dossier a déjà été transmis : il n'est plus modifiable.",
            extra={"state": current.state},
        )
    if current is None:
        raise ApiProblem(404, "dossier_not_found", "Dossier introuvable.")
    raise version_conflict(current)
