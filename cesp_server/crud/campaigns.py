"""Campaigns: creation (admin, CLI), look-ups and the closing-date rule.

A campaign accepts writes (creation, tab saves, pieces, deletion, transmission) from
`opens_at` to `closes_at` included. The closing instant covers the whole minute (or
second) it is given to: "2026-03-13 23:59" (or 23:59:59) is stored as 23:59:59.999999
Europe/Paris, so that "jusqu'au 13 mars inclus" means until the last instant of the day.

Results are published only after the closing (`ensure_publishable`): a candidature
transmitted after a publication could never be decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from cesp_core.demarches import DEMARCHES

from ..clock import local_date, to_local, to_utc_naive
from ..errors import ApiProblem
from ..models import Campaign, utcnow

__all__ = [
    "CLOSED_MESSAGE",
    "CampaignError",
    "create_campaign",
    "days_left",
    "ensure_campaign_open",
    "ensure_publishable",
    "get_campaign",
    "inclusive_closing",
    "is_closed",
    "is_open",
    "list_campaigns",
    "publishable_from",
]

#: The ASP guide's words, shown on every write refused after the closing date.
CLOSED_MESSAGE = (
    "La date de clôture de l'appel à candidatures est dépassée : tout dossier déposé "
    "hors délai ne sera pas traité."
)


class CampaignError(ValueError):
    """Invalid campaign values; the message is French."""


def create_campaign(
    session: Session,
    *,
    demarche: str,
    year: int,
    label: str,
    opens_at: datetime,
    closes_at: datetime,
) -> Campaign:
    """Create and commit a campaign; aware datetimes (naive ones are read as Paris time)."""
    if demarche not in DEMARCHES:
        known = ", ".join(sorted(DEMARCHES))
        raise CampaignError(f"Démarche inconnue : « {demarche} » (connues : {known}).")
    label = " ".join(label.split())
    if not label:
        raise CampaignError("Le libellé de la campagne est obligatoire.")
    if len(label) > 200:
        raise CampaignError("Le libellé de la campagne fait 200 caractères au plus.")
    if not 2000 <= year <= 2100:
        raise CampaignError("L'année de la campagne doit être comprise entre 2000 et 2100.")
    opens, closes = to_utc_naive(opens_at), to_utc_naive(inclusive_closing(closes_at))
    if closes <= opens:
        raise CampaignError("La date de clôture doit être postérieure à la date d'ouverture.")
    campaign = Campaign(demarche=demarche, year=year, label=label, opens_at=opens, closes_at=closes)
    session.add(campaign)
    session.commit()
    session.refresh(campaign)
    return campaign


def inclusive_closing(value: datetime) -> datetime:
    """The last instant of the minute (no seconds given) or second (no fraction) `value`
    names: "23:59" and "23:59:59" both close at 23:59:59.999999."""
    if value.microsecond:
        return value
    if value.second:
        return value.replace(microsecond=999_999)
    return value.replace(second=59, microsecond=999_999)


def publishable_from(campaign: Campaign) -> datetime:
    """The first whole minute after the closing (naive UTC): results may be published
    from then on (a closing at 23:59:59.999999 gives 00:00 the next day)."""
    after = campaign.closes_at + timedelta(microseconds=1)
    if after.second or after.microsecond:
        after = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return after


def ensure_publishable(campaign: Campaign, tz: str, now: datetime | None = None) -> None:
    """409 `campaign_not_closed` while the campaign still accepts candidatures."""
    now = now or utcnow()
    if now <= campaign.closes_at:
        start = publishable_from(campaign)
        raise ApiProblem(
            409,
            "campaign_not_closed",
            "Les résultats ne peuvent être publiés qu'après la clôture de l'appel à "
            "candidatures : publication possible à partir du "
            f"{to_local(start, tz).strftime('%d/%m/%Y %H:%M')} (heure de Paris).",
            extra={"publishable_from": to_local(start, tz).isoformat()},
        )


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def list_campaigns(session: Session, demarche: str | None = None) -> Sequence[Campaign]:
    """Every campaign (open, future and past), the latest closing first."""
    query = select(Campaign)
    if demarche:
        query = query.where(Campaign.demarche == demarche)
    return session.exec(query.order_by(col(Campaign.closes_at).desc(), col(Campaign.id))).all()


def is_open(campaign: Campaign, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return campaign.opens_at <= now <= campaign.closes_at


def is_closed(campaign: Campaign, now: datetime | None = None) -> bool:
    return (now or utcnow()) > campaign.closes_at


def days_left(
    campaign: Campaign, now: datetime | None = None, tz: str = "Europe/Paris"
) -> int | None:
    """Calendar days (Paris) from today to the closing day; 0 on the last day; None once closed."""
    now = now or utcnow()
    if is_closed(campaign, now):
        return None
    today: date = local_date(now, tz)
    return (local_date(campaign.closes_at, tz) - today).days


def ensure_campaign_open(campaign: Campaign, now: datetime | None = None) -> None:
    """403 for a write outside the campaign's window: `campaign_closed`, `campaign_not_open`."""
    now = now or utcnow()
    if now > campaign.closes_at:
        raise ApiProblem(403, "campaign_closed", CLOSED_MESSAGE)
    if now < campaign.opens_at:
        raise ApiProblem(
            403, "campaign_not_open", "L'appel à candidatures n'est pas encore ouvert."
        )
