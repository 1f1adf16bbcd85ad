"""The back-office agent's endpoints (paper dossiers), kept out of `ApiClient`.

Every function takes the session's `ApiClient` and calls the platform through
`ApiClient.request_json`; refusals raise `ApiError` (French ``detail``, ``problems``), an
unreachable platform `Offline`. See docs/api-back-office.md ("Paper dossiers and their
claim").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from .client import ApiClient

__all__ = [
    "PAGE",
    "Applicant",
    "agent_queue",
    "create_paper_dossier",
    "new_claim_link",
]

#: The platform's page size cap for ``GET /dossiers``.
PAGE = 200


class Applicant(TypedDict):
    """The applicant who sent a paper dossier (``date_naissance``: ISO or jj/mm/aaaa)."""

    email: str
    civilite: str
    nom: str
    prenom: str
    date_naissance: str


async def create_paper_dossier(
    api: ApiClient, dossier_id: str, campaign_id: int, applicant: Applicant
) -> dict[str, Any]:
    """``POST /dossiers`` with ``applicant``: the dossier (201, or 200 on a replay with the
    same id). 409 ``applicant_has_dossier`` when the applicant already has one in the
    campaign, 422 ``invalid_fields`` (tab ``applicant``)."""
    answer = await api.request_json(
        "POST",
        "/dossiers",
        json={"id": dossier_id, "campaign_id": campaign_id, "applicant": dict(applicant)},
    )
    return dict(answer or {})


async def agent_queue(
    api: ApiClient, *, state: str | None = "brouillon", limit: int = 1000
) -> list[dict[str, Any]]:
    """The dossiers this account keyed (``GET /dossiers?created_by=me``), latest first as
    the platform lists them; each summary carries ``missing`` and ``problem_count``."""
    items: list[dict[str, Any]] = []
    offset = 0
    while len(items) < limit:
        page = await api.request_json(
            "GET",
            "/dossiers",
            params={
                "created_by": "me",
                "state": state,
                "limit": min(PAGE, limit - len(items)),
                "offset": offset,
            },
        )
        batch = list((page or {}).get("items") or [])
        items.extend(dict(item) for item in batch)
        offset += len(batch)
        if not batch or offset >= int((page or {}).get("total") or 0):
            break
    return items


async def new_claim_link(api: ApiClient, dossier_id: str) -> dict[str, Any]:
    """``POST /dossiers/{id}/claim-link``: a new claim link mailed to the applicant."""
    answer = await api.request_json("POST", f"/dossiers/{dossier_id}/claim-link")
    return dict(answer or {})
