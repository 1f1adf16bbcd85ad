"""What the embedded platform needs on a fresh machine: an open campaign per démarche.

The shared platform gets its campaigns from an admin (`cesp-server campaign create`);
the embedded one, started by `cesp` alone, would otherwise have nothing to file into.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, select

from cesp_core.demarches import DEMARCHES

from .crud.campaigns import create_campaign
from .models import utcnow
from .models.campaign import Campaign

PARIS = ZoneInfo("Europe/Paris")
#: How long a local campaign stays open.
LOCAL_CAMPAIGN_DAYS = 120


def ensure_open_campaigns(engine: Engine, now: datetime | None = None) -> list[Campaign]:
    """Create, for each démarche without an open campaign, a local one; return those created."""
    moment = now or datetime.now(PARIS)
    created: list[Campaign] = []
    with Session(engine, expire_on_commit=False) as session:
        utc_now = (
            utcnow() if now is None else moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
        )
        for key, demarche in DEMARCHES.items():
            open_one = session.exec(
                select(Campaign).where(
                    Campaign.demarche == key,
                    Campaign.opens_at <= utc_now,
                    Campaign.closes_at >= utc_now,
                )
            ).first()
            if open_one is not None:
                continue
            closes_day = (moment + timedelta(days=LOCAL_CAMPAIGN_DAYS)).date()
            created.append(
                create_campaign(
                    session,
                    demarche=key,
                    year=moment.year,
                    label=f"{demarche.short_title} {moment.year} (plateforme locale)",
                    opens_at=datetime.combine(moment.date(), time(0, 0), PARIS),
                    closes_at=datetime.combine(closes_day, time(23, 59, 59, 999_999), PARIS),
                )
            )
    return created
