"""Support and back-office endpoints: search, history, mails, diagnostic, import, export.

Functions over an `ApiClient` (they keep these endpoints out of ``client.py``). Refusals
raise `ApiError` (French ``detail``), an unreachable platform `Offline`; an import the
server refuses (422 ``import_refused`` / ``import_file_invalid``) comes back as an
`ImportOutcome` with its report, not as an exception: the report is what the agent reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from cesp_client.api.errors import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from cesp_client.api.client import ApiClient
    from cesp_client.api.transfer import Progress

__all__ = [
    "IMPORT_REFUSALS",
    "ImportOutcome",
    "client_version",
    "diagnostic",
    "dossier_history",
    "dossier_mails",
    "export_dossiers",
    "export_dossiers_to",
    "import_dossiers",
    "search_dossiers",
]

#: 422 codes of an import that carry a report (nothing was imported).
IMPORT_REFUSALS = frozenset({"import_refused", "import_file_invalid"})


def client_version() -> str:
    """The installed client's version (``0.1.0``), "inconnue" outside an install."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cesp")
    except PackageNotFoundError:
        return "inconnue"


async def search_dossiers(
    api: ApiClient,
    q: str | None,
    *,
    campaign_id: int | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """``GET /dossiers?q=``: name, e-mail, NIR or numéro (staff: every dossier). The
    summaries carry no NIR nor IBAN."""
    listed = await api.list_dossiers(
        q=(q or "").strip() or None,
        campaign_id=campaign_id,
        state=state,
        limit=limit,
        offset=offset,
    )
    return dict(listed)


async def dossier_history(api: ApiClient, dossier_id: str) -> list[dict[str, Any]]:
    """Who did what when (field keys, never values)."""
    return await api.history(dossier_id)


async def dossier_mails(api: ApiClient, dossier_id: str) -> list[dict[str, Any]]:
    """Every mail sent about the dossier or to its owner, latest first (secrets masked)."""
    return cast(
        list[dict[str, Any]], await api.request_json("GET", f"/dossiers/{dossier_id}/mails")
    )


async def diagnostic(api: ApiClient, dossier_id: str) -> dict[str, Any]:
    """The server's diagnostic bundle (NIR and IBAN masked), with this client's version."""
    version = client_version()
    params = {"client_version": version} if version != "inconnue" else None
    bundle = cast(
        dict[str, Any],
        await api.request_json("GET", f"/dossiers/{dossier_id}/diagnostic", params=params),
    )
    versions = dict(bundle.get("versions") or {})
    versions["client"] = version
    bundle["versions"] = versions
    bundle["client"] = {"name": "cesp-tui", "version": version, "server_url": api.base_url}
    return bundle


@dataclass
class ImportOutcome:
    """The line-by-line report of an import (``accepted``: the server created what it
    lists; otherwise nothing at all was imported)."""

    report: dict[str, Any]
    accepted: bool
    detail: str = ""
    #: File-level problems (``import_file_invalid``).
    file_problems: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [dict(line) for line in self.report.get("lines") or []]


def _content_type(filename: str) -> str:
    return "application/json" if filename.lower().endswith(".json") else "text/csv"


async def import_dossiers(
    api: ApiClient,
    campaign_id: int,
    content: bytes,
    filename: str,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    sent_all: Callable[[], None] | None = None,
) -> ImportOutcome:
    """Send a CSV or JSON file's ``content`` (streamed: ``progress(sent, total)`` in
    bytes, ``sent_all()`` once the platform may have it whole). A file the platform
    refuses (nothing imported) is an `ImportOutcome` with ``accepted=False``; other
    refusals (role, closed campaign, size) raise `ApiError`.

    The platform checks the lines and imports all or nothing once the whole file has
    arrived: stopping the call before ``sent_all`` changes nothing on the platform."""
    try:
        response = await api.send_file(
            "/imports/dossiers",
            content,
            filename,
            _content_type(filename),
            params={"campaign_id": campaign_id, "dry_run": "true" if dry_run else "false"},
            progress=progress,
            sent_all=sent_all,
        )
    except ApiError as error:
        if error.status == 422 and error.code in IMPORT_REFUSALS:
            return ImportOutcome(
                dict(error.body),
                accepted=False,
                detail=error.detail,
                file_problems=[p.message for p in error.problems],
            )
        raise
    report = cast(dict[str, Any], response.json())
    return ImportOutcome(report, accepted=True)


async def export_dossiers(
    api: ApiClient,
    *,
    fmt: str = "csv",
    campaign_id: int | None = None,
    state: str | None = None,
    q: str | None = None,
    demarche: str = "cesp",
    unmasked: bool = False,
) -> bytes:
    """The export file's bytes (CSV with BOM and ``;``, or JSON)."""
    response = await api.request_raw(
        "GET",
        "/exports/dossiers",
        params=_export_params(fmt, campaign_id, state, q, demarche, unmasked),
    )
    return response.content


def _export_params(
    fmt: str,
    campaign_id: int | None,
    state: str | None,
    q: str | None,
    demarche: str,
    unmasked: bool,
) -> dict[str, Any]:
    return {
        "format": fmt,
        "demarche": demarche,
        "campaign_id": campaign_id,
        "state": state,
        "q": q,
        "unmasked": "true" if unmasked else None,
    }


async def export_dossiers_to(
    api: ApiClient,
    destination: Path,
    *,
    fmt: str = "csv",
    campaign_id: int | None = None,
    state: str | None = None,
    q: str | None = None,
    demarche: str = "cesp",
    unmasked: bool = False,
    progress: Progress | None = None,
) -> Path:
    """The export written to ``destination`` as it arrives (``progress(received,
    total)`` in bytes), through a temporary file renamed at the end: cancelled or
    failed, it leaves no half file (`ApiClient.download`)."""
    return await api.download(
        "/exports/dossiers",
        destination,
        params=_export_params(fmt, campaign_id, state, q, demarche, unmasked),
        progress=progress,
    )
