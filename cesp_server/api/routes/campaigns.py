"""Campaigns: public list and detail; creation by an admin; publication of results."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request

from cesp_core.lifecycle import Role

from ...crud import campaigns as crud
from ...crud.decisions import publish_results
from ...errors import ApiProblem
from ...mail.outbox import kick
from ...models import Account
from ..deps import CurrentAccount, SessionDep, SettingsDep, require_roles
from ..problems import problem_responses
from ..schemas.campaigns import CampaignIn, CampaignOut, PublicationOut

router = APIRouter(prefix="/campaigns", tags=["campagnes"])

CampaignId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Admin = Annotated[Account, Depends(require_roles(Role.ADMIN))]


@router.get(
    "",
    response_model=list[CampaignOut],
    summary="Les campagnes, ouvertes et passées",
    responses=problem_responses(auth=False),
)
def list_campaigns(
    session: SessionDep, settings: SettingsDep, demarche: Literal["cesp", "asp"] | None = None
) -> list[CampaignOut]:
    return [CampaignOut.of(c, settings.timezone) for c in crud.list_campaigns(session, demarche)]


@router.get(
    "/{campaign_id}",
    response_model=CampaignOut,
    summary="Une campagne",
    responses=problem_responses(404, auth=False),
)
def read_campaign(
    campaign_id: CampaignId, session: SessionDep, settings: SettingsDep
) -> CampaignOut:
    campaign = crud.get_campaign(session, campaign_id)
    if campaign is None:
        raise ApiProblem(404, "campaign_not_found", "Campagne introuvable.")
    return CampaignOut.of(campaign, settings.timezone)


@router.post(
    "",
    response_model=CampaignOut,
    status_code=201,
    summary="Créer une campagne",
    description="Réservé aux administrateurs. `closes_at` est le dernier instant "
    "accepté, inclus (heure de Paris quand aucun fuseau n'est donné).",
    responses=problem_responses(403),
)
def create_campaign(
    body: CampaignIn, session: SessionDep, settings: SettingsDep, _admin: Admin
) -> CampaignOut:
    try:
        campaign = crud.create_campaign(
            session,
            demarche=body.demarche,
            year=body.year,
            label=body.label,
            opens_at=body.opens_at,
            closes_at=body.closes_at,
        )
    except crud.CampaignError as exc:
        raise ApiProblem(422, "invalid_campaign", str(exc)) from None
    return CampaignOut.of(campaign, settings.timezone)


@router.post(
    "/{campaign_id}/publish",
    response_model=PublicationOut,
    summary="Publier les résultats d'une campagne",
    description="Réservé aux instructeurs, après la clôture de la campagne (409 "
    "`campaign_not_closed` avant, avec `publishable_from`). Informe par e-mail le "
    "titulaire de chaque dossier décidé (ASP : les deux établissements partenaires) ; une "
    "seconde publication ne change rien et n'envoie rien.",
    responses=problem_responses(403, 404, 409),
)
def publish(
    campaign_id: CampaignId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: CurrentAccount,
) -> PublicationOut:
    campaign, decided, mails = publish_results(
        session, account, campaign_id=campaign_id, settings=settings
    )
    if mails:
        kick(request.app)
    return PublicationOut(
        campaign=CampaignOut.of(campaign, settings.timezone),
        decided_dossiers=decided,
        mails_queued=mails,
    )
