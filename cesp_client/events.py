"""What the sync engine reports: plain dataclasses, no Textual.

The engine calls its ``post`` callback with one of these; the Textual shell publishes
them on the app's ``sync_news`` signal (`cesp_tui.app.CespApp.sync_news`), which the
screens that show dossiers subscribe to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cesp_core.problems import Problem

__all__ = [
    "ConnectionChanged",
    "DossierSynced",
    "DossierTransmitted",
    "DossiersPulled",
    "PendingCountChanged",
    "SaveRefused",
    "SessionExpired",
    "SyncConflict",
    "SyncEvent",
    "SyncFailed",
    "SyncProgress",
    "UploadCancelled",
    "UploadProgress",
]


class SyncEvent:
    """Base of the engine's news."""


@dataclass
class ConnectionChanged(SyncEvent):
    """The platform became reachable (``online``) or not."""

    online: bool


@dataclass
class PendingCountChanged(SyncEvent):
    """How many local changes wait for the server."""

    count: int


@dataclass
class SyncFailed(SyncEvent):
    """A change was refused or could not be sent; ``message`` is French."""

    message: str
    dossier_id: str | None = None


@dataclass
class SessionExpired(SyncEvent):
    """The server refused the session token (expired, revoked): the re-authentication
    modal opens over the current screen; the sync engine waits for it."""

    detail: str


@dataclass
class SyncConflict(SyncEvent):
    """The server's copy of ``tab`` changed since this client read it, and differs from
    the local values: show both field by field (`cesp_client.sync.resolve_conflict` records
    the choice). ``server_version`` is the server's current version; ``base`` the tab as
    this client last synced it (what neither side had changed yet: a field changed on one
    side only is not a question)."""

    dossier_id: str
    tab: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    server_version: int
    base: dict[str, Any] = field(default_factory=dict)


@dataclass
class SaveRefused(SyncEvent):
    """The server refused a change for good (invalid values, dossier read-only, campaign
    closed, file refused...): show it loudly. ``tab`` None: the dossier as a whole
    (creation, transmission, deletion). ``kind`` is the operation (`OpKind`)."""

    dossier_id: str
    tab: str | None
    detail: str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "save_tab"


@dataclass
class DossierSynced(SyncEvent):
    """An operation of a dossier reached the server (``kind``: `OpKind` value, or
    ``"pull"`` when a newer server copy was taken); ``problems`` of a saved tab."""

    dossier_id: str
    kind: str
    version: int | None = None
    tab: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class DossierTransmitted(SyncEvent):
    """The server confirmed the transmission: ``numero`` and the receipt."""

    dossier_id: str
    numero: str
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass
class DossiersPulled(SyncEvent):
    """The server's dossiers were fetched: ids new here, ids with a newer server copy."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@dataclass
class UploadProgress(SyncEvent):
    """A piece is being sent: ``sent`` of its ``total`` bytes handed to the network
    (after each chunk; ``sent == total``: the platform is checking it)."""

    dossier_id: str
    piece_id: str
    filename: str
    sent: int
    total: int


@dataclass
class UploadCancelled(SyncEvent):
    """The user stopped a piece's upload (`SyncEngine.cancel_upload`): the file is
    withdrawn from the dossier, nothing of it stays on the platform."""

    dossier_id: str
    piece_id: str
    filename: str


@dataclass
class SyncProgress(SyncEvent):
    """A pass of the engine with several changes to send (the first sync of many
    drafts): ``sent`` of ``total`` handled; ``active`` False once the pass ended
    (everything sent, or offline: the rest waits for the next pass)."""

    sent: int
    total: int
    active: bool = True
