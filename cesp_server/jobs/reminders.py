"""The closing reminder: two calendar days before a campaign closes, each owner of a draft
gets one mail, exactly once.

"Two days before" is counted on Europe/Paris calendar days: a campaign closing on Friday
13 March (whatever the hour) is reminded on Wednesday 11 March, by whichever run of the job
comes first that day. Exactly once, even when several workers run the job at the same
moment: each reminder is a `ReminderSent` row (unique per campaign and dossier) inserted in
the same transaction as its outbox mail; the second inserter fails on the unique constraint
and sends nothing. Delivery is the outbox's business (`jobs run` delivers afterwards).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cesp_core import timefmt
from cesp_core.demarches import get_demarche
from cesp_core.lifecycle import DossierState

from ..clock import local_date, local_tz
from ..crud.dossiers import applicant_name, recipient
from ..mail.outbox import queue_mail
from ..models import Account, Campaign, Dossier, ReminderSent, utcnow
from ..settings import Settings

__all__ = ["REMINDER_DAYS", "send_closing_reminders"]

log = logging.getLogger("cesp_server.jobs")

#: Calendar days between the reminder and the closing day.
REMINDER_DAYS = 2


def _day_bounds_utc(day: datetime, tz: str) -> tuple[datetime, datetime]:
    """Naive UTC instants of the start of `day` and of the next day, in `tz`."""
    zone = local_tz(tz)
    start = datetime.combine(day.date(), time(0), tzinfo=zone)
    end = datetime.combine(day.date() + timedelta(days=1), time(0), tzinfo=zone)
    return (start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None))


def _due(session: Session, now: datetime, tz: str) -> list[tuple[Campaign, str]]:
    closing_day = local_date(now, tz) + timedelta(days=REMINDER_DAYS)
    start, end = _day_bounds_utc(datetime.combine(closing_day, time(0)), tz)
    campaigns = session.exec(
        select(Campaign)
        .where(
            col(Campaign.closes_at) >= start,
            col(Campaign.closes_at) < end,
            col(Campaign.closes_at) > now,
        )
        .order_by(col(Campaign.id))
    ).all()
    due: list[tuple[Campaign, str]] = []
    for campaign in campaigns:
        ids = session.exec(
            select(Dossier.id)
            .where(
                Dossier.campaign_id == campaign.id, Dossier.state == DossierState.BROUILLON.value
            )
            .order_by(col(Dossier.numero))
        ).all()
        due.extend((campaign, dossier_id) for dossier_id in ids)
    return due


def _remind(engine: Engine, settings: Settings, campaign: Campaign, dossier_id: str) -> bool:
    """Queue one reminder; False when it was already sent (or the draft is gone)."""
    with Session(engine, expire_on_commit=False) as session:
        dossier = session.get(Dossier, dossier_id)
        if dossier is None or dossier.state != DossierState.BROUILLON.value:
            return False
        owner = session.get(Account, dossier.owner_id)
        if owner is None:
            return False
        session.add(ReminderSent(campaign_id=campaign.id or 0, dossier_id=dossier.id))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        to_addr, to_account = recipient(session, dossier)
        queue_mail(
            session,
            to=to_addr or owner.email,
            template="closing_reminder",
            context={
                "nom": applicant_name(dossier, owner) or owner.display_name,
                "numero": dossier.numero,
                "demarche": get_demarche(dossier.demarche).title,
                "campagne": campaign.label,
                "closes_at": timefmt.format_moment(campaign.closes_at),
                "closes_on": timefmt.format_day(campaign.closes_at),
            },
            account_id=to_account.id if to_account else None,
            dossier_id=dossier.id,
            settings=settings,
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return False
        return True


def send_closing_reminders(engine: Engine, settings: Settings, now: datetime | None = None) -> int:
    """Queue today's closing reminders (naive UTC `now`); returns how many were queued."""
    now = now or utcnow()
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    with Session(engine, expire_on_commit=False) as session:
        due = _due(session, now, settings.timezone)
    sent = sum(1 for campaign, dossier_id in due if _remind(engine, settings, campaign, dossier_id))
    if sent:
        log.info("closing reminders queued: %d", sent)
    return sent
