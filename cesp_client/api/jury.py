"""The jury's endpoints (instructeur role), kept out of `ApiClient`.

Every function takes the session's `ApiClient` and calls the platform through
`ApiClient.request_json`; refusals raise `ApiError` (French ``detail``), an unreachable
platform `Offline`. See docs/api-dossiers.md ("Decisions", "Publication").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict, cast

if TYPE_CHECKING:
    from .client import ApiClient

__all__ = [
    "JURY_STATES",
    "Decision",
    "Publication",
    "download_piece",
    "get_decision",
    "jury_dossiers",
    "publish_results",
    "record_decision",
    "start_instruction",
]

#: The states a jury works on (drafts are not theirs to see).
JURY_STATES: tuple[str, ...] = ("transmis", "en_instruction", "accepte", "refuse")
#: The platform's page size cap for ``GET /dossiers``.
PAGE = 200


class Decision(TypedDict, total=False):
    decision: str  # "accepte" | "refuse"
    decision_label: str
    comment: str
    decided_at: str
    published: bool


class Publication(TypedDict, total=False):
    campaign: dict[str, Any]
    decided_dossiers: int
    mails_queued: int


async def jury_dossiers(
    api: ApiClient, campaign_id: int, *, q: str | None = None, limit: int = 2000
) -> list[dict[str, Any]]:
    """The campaign's transmitted, instructed and decided dossiers (summaries of
    ``GET /dossiers``, every page up to ``limit``), drafts left out."""
    found: list[dict[str, Any]] = []
    offset = 0
    while len(found) < limit:
        page = await api.request_json(
            "GET",
            "/dossiers",
            params={"campaign_id": campaign_id, "q": q or None, "limit": PAGE, "offset": offset},
        )
        items = list(page.get("items") or [])
        found.extend(dict(item) for item in items if item.get("state") in JURY_STATES)
        offset += len(items)
        if not items or offset >= int(page.get("total") or 0):
            break
    return found[:limit]


async def start_instruction(api: ApiClient, dossier_id: str) -> dict[str, Any]:
    """transmis -> en instruction; the dossier document."""
    return cast(
        dict[str, Any], await api.request_json("POST", f"/dossiers/{dossier_id}/instruction")
    )


async def record_decision(
    api: ApiClient, dossier_id: str, decision: str, comment: str = ""
) -> Decision:
    """``decision``: "accepte" or "refuse"; changeable until the results are published."""
    return cast(
        Decision,
        await api.request_json(
            "PUT",
            f"/dossiers/{dossier_id}/decision",
            json={"decision": decision, "comment": comment},
        ),
    )


async def get_decision(api: ApiClient, dossier_id: str) -> Decision:
    """The decision (404 ``decision_not_published`` for the owner before publication)."""
    return cast(Decision, await api.request_json("GET", f"/dossiers/{dossier_id}/decision"))


async def publish_results(api: ApiClient, campaign_id: int) -> Publication:
    """Publish once: the owners are mailed (ASP: both partner establishments)."""
    return cast(Publication, await api.request_json("POST", f"/campaigns/{campaign_id}/publish"))


def free_path(directory: Path, filename: str) -> Path:
    """``directory/filename``, or ``name (2).ext``... when it exists already."""
    name = Path(filename).name or "piece"
    candidate = directory / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while candidate.exists():
        candidate = directory / f"{stem} ({number}){suffix}"
        number += 1
    return candidate


async def download_piece(
    api: ApiClient,
    dossier_id: str,
    piece_type: str,
    piece_id: str,
    filename: str,
    directory: Path,
) -> Path:
    """Save one piece of a platform dossier into ``directory`` (created); returns the
    file written (never overwrites: ``name (2).pdf``)."""
    import asyncio

    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    target = await asyncio.to_thread(free_path, directory, filename)
    return await api.download_piece(dossier_id, piece_type, piece_id, target)
