"""Platform endpoints of the hospital ("établissement") side of the ASP démarche that
`ApiClient` does not wrap, and the campaign window (closing date, days left) both
démarches show.

Async functions taking the `ApiClient`; refusals raise `ApiError` (French ``detail``), an
unreachable platform `Offline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cesp_core.timefmt import format_moment

if TYPE_CHECKING:
    from .client import ApiClient

__all__ = [
    "CLOSED_MESSAGE",
    "CampaignWindow",
    "fetch_campaign_window",
    "list_candidatures",
    "signup_etablissement",
    "window_of",
]

#: The ASP guide's words for a write after the closing date (the server says the same:
#: 403 ``campaign_closed``).
CLOSED_MESSAGE = (
    "La date de clôture de l'appel à candidatures est dépassée : tout dossier déposé "
    "hors délai ne sera pas traité."
)


async def signup_etablissement(
    api: ApiClient,
    *,
    etablissement_nom: str,
    finess: str,
    email: str,
    password: str,
    password_confirmation: str,
) -> str:
    """``POST /accounts/etablissement``: the platform's message (202, the same for a known
    address); the confirmation mail gives the identifiant. 422 ``invalid_fields`` with a
    problem per field (``etablissement_nom``, ``finess``, ``email``, ``password``,
    ``password_confirmation``)."""
    answer = await api.request_json(
        "POST",
        "/accounts/etablissement",
        json={
            "etablissement_nom": etablissement_nom,
            "finess": finess,
            "email": email,
            "password": password,
            "password_confirmation": password_confirmation,
        },
    )
    return str((answer or {}).get("message") or "")


async def list_candidatures(
    api: ApiClient, *, campaign_id: int | None = None, page: int = 100
) -> list[dict[str, Any]]:
    """Every dossier of the account on the platform (all pages), as ``GET /dossiers``
    summarises them (numéro, state, ``complete``, ``missing``, ``applicant_name``...)."""
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        answer = await api.list_dossiers(campaign_id=campaign_id, limit=page, offset=offset)
        batch = [dict(item) for item in answer.get("items") or []]
        items.extend(batch)
        offset += len(batch)
        if not batch or offset >= int(answer.get("total") or 0):
            return items


def _parse(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CampaignWindow:
    """What the client tells of a campaign's window (from ``GET /campaigns``)."""

    campaign_id: int
    label: str
    closes_at: datetime | None
    #: Paris calendar days until the closing day (0: the last day); None once closed.
    days_left: int | None
    #: The platform said so when asked (the client's clock also closes it, `closed`).
    is_closed: bool
    #: The platform's campaign as it came (``GET /campaigns``).
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, campaign: dict[str, Any]) -> CampaignWindow:
        days = campaign.get("days_left")
        return cls(
            campaign_id=int(campaign.get("id") or 0),
            label=str(campaign.get("label") or ""),
            closes_at=_parse(campaign.get("closes_at")),
            days_left=int(days) if isinstance(days, int) else None,
            is_closed=bool(campaign.get("is_closed")),
            raw=dict(campaign),
        )

    def closed(self, now: datetime | None = None) -> bool:
        """Past its closing instant (by the platform's word or this computer's clock)."""
        if self.is_closed:
            return True
        if self.closes_at is None:
            return False
        return (now or datetime.now(UTC)) > self.closes_at

    def closing_date(self) -> str:
        """``13/03/2026 à 23:59`` in Paris time (`cesp_core.timefmt`), "" when unknown."""
        return format_moment(self.closes_at) if self.closes_at else ""

    def days_text(self, now: datetime | None = None) -> str:
        """``clôture le 13/03/2026 à 23:59 (12 jours restants)``, ``... (dernier jour)``,
        ``close depuis le 13/03/2026 à 23:59``."""
        date = self.closing_date()
        if not date:
            return ""
        if self.closed(now):
            return f"close depuis le {date}"
        days = self.days_left
        if days is None:
            return f"clôture le {date}"
        if days <= 0:
            return f"clôture le {date} (dernier jour)"
        if days == 1:
            return f"clôture le {date} (1 jour restant)"
        return f"clôture le {date} ({days} jours restants)"

    def closed_banner(self) -> str:
        """The read-only banner of a dossier of a closed campaign."""
        date = self.closing_date()
        since = f" le {date}" if date else ""
        return f"Campagne close{since} : lecture seule. {CLOSED_MESSAGE}"


async def fetch_campaign_window(
    api: ApiClient | None, campaign_id: int | None
) -> CampaignWindow | None:
    """The campaign's window as the platform tells it now (None: unknown, offline)."""
    from .errors import ApiError, Offline

    fetch = getattr(api, "campaign", None)  # (a client without it: nothing known)
    if fetch is None or campaign_id is None:
        return None
    try:
        campaign = await fetch(int(campaign_id))
    except (ApiError, Offline):
        return None
    return CampaignWindow.of(dict(campaign))


def window_of(
    campaigns: dict[int, dict[str, Any]], campaign_id: int | None
) -> CampaignWindow | None:
    """The window of a campaign the client already learnt (``Workspace.campaign_info``)."""
    if campaign_id is None or campaign_id not in campaigns:
        return None
    return CampaignWindow.of(campaigns[campaign_id])
