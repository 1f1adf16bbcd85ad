"""Bodies of the démarche and campaign endpoints.

Dates are answered with the Europe/Paris offset (``2026-03-13T23:59:59+01:00``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cesp_core.demarches import get_demarche

from ...clock import to_local
from ...crud.campaigns import days_left, is_closed, is_open, publishable_from
from ...models import Campaign, utcnow

Scalar = str | bool | int | None


class ChoiceOut(BaseModel):
    value: str
    label: str


class WhenOut(BaseModel):
    ref: str
    op: str
    values: list[str]
    any_of: list[str]


class FieldOut(BaseModel):
    key: str
    label: str
    type: str
    required: bool
    help: str
    choices: list[ChoiceOut]
    visible_if: WhenOut | None
    depends_on: str | None
    max_length: int | None
    min_value: int | None
    max_value: int | None
    default: str | bool | None
    #: A date that may not lie in the past (the ASP's planned Ordre registration).
    not_in_past: bool = False
    #: Filled from the account, never typed ("etablissement_nom", "finess").
    from_account: str | None = None


class TabOut(BaseModel):
    key: str
    label: str
    kind: Literal["form", "pieces", "synthese"]
    help: str
    fields: list[FieldOut]


class PieceTypeOut(BaseModel):
    key: str
    label: str
    formats: list[str]
    required: bool
    required_if: WhenOut | None
    help: str
    max_files: int


class DemarcheOut(BaseModel):
    """A démarche as data: the client draws its screens from it (`Demarche.to_dict()`)."""

    key: str
    title: str
    short_title: str
    tabs: list[TabOut]
    pieces: list[PieceTypeOut]
    certifications: list[ChoiceOut]
    owner_roles: list[str]
    first_tab: str | None
    max_file_bytes: int
    max_dossier_bytes: int


class CampaignOut(BaseModel):
    id: int
    demarche: str
    demarche_title: str
    year: int
    label: str
    opens_at: datetime
    closes_at: datetime = Field(
        description="Dernier instant où les dossiers sont acceptés (inclus), heure de Paris."
    )
    is_open: bool
    is_closed: bool
    days_left: int | None = Field(
        description="Jours calendaires (Paris) jusqu'au jour de clôture ; 0 le dernier jour ; "
        "null une fois la campagne close."
    )
    results_published: bool
    results_published_at: datetime | None
    results_publishable_from: datetime = Field(
        description="Premier instant (heure de Paris) où les résultats peuvent être "
        "publiés : la minute qui suit la clôture."
    )

    @classmethod
    def of(cls, campaign: Campaign, tz: str, now: datetime | None = None) -> CampaignOut:
        now = now or utcnow()
        return cls(
            id=campaign.id or 0,
            demarche=campaign.demarche,
            demarche_title=get_demarche(campaign.demarche).title,
            year=campaign.year,
            label=campaign.label,
            opens_at=to_local(campaign.opens_at, tz),
            closes_at=to_local(campaign.closes_at, tz),
            is_open=is_open(campaign, now),
            is_closed=is_closed(campaign, now),
            days_left=days_left(campaign, now, tz),
            results_published=campaign.results_published_at is not None,
            results_published_at=to_local(campaign.results_published_at, tz)
            if campaign.results_published_at
            else None,
            results_publishable_from=to_local(publishable_from(campaign), tz),
        )


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    demarche: Literal["cesp", "asp"]
    year: int = Field(ge=2000, le=2100)
    label: str = Field(min_length=1, max_length=200)
    opens_at: datetime = Field(description="Sans fuseau : heure de Paris.")
    closes_at: datetime = Field(
        description="Dernier instant accepté, inclus ; sans fuseau : heure de Paris "
        "(« jusqu'au 13 mars inclus » : 2026-03-13T23:59 ou 23:59:59, qui couvrent la "
        "minute ou la seconde entière)."
    )


class PublicationOut(BaseModel):
    campaign: CampaignOut
    decided_dossiers: int = Field(description="Dossiers acceptés ou refusés de la campagne.")
    mails_queued: int = Field(description="Messages envoyés par cette publication (0 ensuite).")
