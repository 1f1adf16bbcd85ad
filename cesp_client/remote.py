"""A dossier read from the platform for a staff member (jury, support, agent).

Staff do not keep other people's dossiers in their draft store: they read the
platform's copy and see it through the same `DossierScreen` as its owner (same tabs,
same rules, same messages), read-only. `snapshot_from_server` turns the API's dossier
document into the `DossierSnapshot` that screen takes, without touching the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cesp_client.store import LocalDossier, LocalPiece, PieceState
from cesp_client.workspace import DossierSnapshot

if TYPE_CHECKING:
    from cesp_client.api.client import ApiClient, Dossier

__all__ = ["fetch_snapshot", "snapshot_from_server"]


def _pieces(dossier_id: str, pieces: list[dict[str, Any]]) -> list[LocalPiece]:
    return [
        LocalPiece(
            id=str(piece["id"]),
            dossier_id=dossier_id,
            piece_type=str(piece.get("piece_type") or ""),
            path="",
            filename=str(piece.get("filename") or ""),
            size=int(piece.get("size") or 0),
            sha256=str(piece.get("sha256") or ""),
            server_id=str(piece["id"]),
            state=PieceState.UPLOADED,
        )
        for piece in pieces
    ]


def snapshot_from_server(dossier: Dossier, server_key: str, viewer: str) -> DossierSnapshot:
    """The platform's dossier as a read-only snapshot (``viewer``: who looks at it)."""

    campaign = dossier.get("campaign") or {}
    data = {tab: dict(values) for tab, values in (dossier.get("data") or {}).items()}
    local = LocalDossier(
        id=str(dossier["id"]),
        server_url=server_key,
        account_username=viewer,
        demarche=str(dossier["demarche"]),
        campaign_id=campaign.get("id"),
        numero=dossier.get("numero"),
        state=str(dossier.get("state") or "brouillon"),
        server_version=dossier.get("version"),
        data=data,
        saved_tabs=list(dossier.get("saved_tabs") or []),
        dirty_tabs=[],
        certifications=list(dossier.get("certifications") or []),
        server_data={tab: dict(values) for tab, values in data.items()},
    )
    pieces = [dict(p) for p in dossier.get("pieces") or []]
    return DossierSnapshot(local, _pieces(local.id, pieces), [], remote=True)


async def fetch_snapshot(api: ApiClient, dossier_id: str, server_key: str, viewer: str) -> Any:
    """Read the dossier (with its pieces) from the platform. Raises `ApiError`/`Offline`."""
    dossier = await api.get_dossier(dossier_id)
    if not dossier.get("pieces"):
        dossier = dict(dossier)  # type: ignore[assignment]
        dossier["pieces"] = list(await api.pieces(dossier_id))
    return snapshot_from_server(dossier, server_key, viewer)
