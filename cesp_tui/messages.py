"""Domain messages: what workers report to the app and screens.

Workers (platform start, keyring, sync, store) never touch widgets: they post one of
these (``post_message`` is thread-safe) and a handler changes the state. Widget-level
messages (``FilterSelect.Changed``, ``TabForm.FieldChanged``...) live with their widgets,
as in Textual itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.message import Message

from cesp_core.problems import Problem

if TYPE_CHECKING:
    from cesp_tui.session import Session

__all__ = [
    "ConnectionChanged",
    "CredentialsFallback",
    "DossierSynced",
    "DossierTransmitted",
    "DossiersPulled",
    "DraftWriteFailed",
    "LoggedIn",
    "LoggedOut",
    "OpenFirstDossier",
    "PendingCountChanged",
    "PlatformFailed",
    "PlatformReady",
    "SaveRefused",
    "SessionExpired",
    "SyncConflict",
    "SyncFailed",
    "SyncRequested",
]


@dataclass
class PlatformReady(Message):
    """The platform answers at ``url`` (embedded: ``maildir`` is its local mailbox)."""

    url: str
    embedded: bool
    maildir: Path | None = None


@dataclass
class PlatformFailed(Message):
    """The embedded platform could not start; ``reason`` is French, for the user."""

    reason: str


@dataclass
class ConnectionChanged(Message):
    """The platform became reachable (``online``) or not."""

    online: bool


@dataclass
class PendingCountChanged(Message):
    """How many local changes wait for the server."""

    count: int


@dataclass
class SyncFailed(Message):
    """A change was refused or could not be sent; ``message`` is French."""

    message: str
    dossier_id: str | None = None


@dataclass
class DraftWriteFailed(Message):
    """A field could not be written to the local store (disk full, permissions...)."""

    message: str


@dataclass
class CredentialsFallback(Message):
    """No usable system keyring: tokens are kept for this session only."""

    reason: str


# --- sessions and sync ---------------------------------------------------------------------


@dataclass
class LoggedIn(Message):
    """A user is logged in (``restored``: from the token kept in the keyring).

    ``first_campaign`` is set on an applicant's first login (no dossier yet, here or on
    the server): the open campaign of their démarche (id, label...), to open a dossier
    at once; ``no_campaign`` says why there is none (French) when none is open.
    """

    session: Session
    restored: bool = False
    first_campaign: dict[str, Any] | None = None
    no_campaign: str | None = None
    #: The local drafts are still locked: "restored" (no key in the keyring) or "changed"
    #: (the password changed; ``new_password`` then re-wraps the key). See UnlockModal.
    drafts_locked: str | None = None
    new_password: str | None = field(default=None, repr=False)


@dataclass
class LoggedOut(Message):
    """The session ended (logout); ``message`` is French, for the user (may be empty)."""

    message: str = ""


@dataclass
class SessionExpired(Message):
    """The server refused the session token (expired, revoked): the re-authentication
    modal opens over the current screen; the sync engine waits for it."""

    detail: str


@dataclass
class OpenFirstDossier(Message):
    """First login of an applicant: open this (new, local) dossier on ``tab``
    ("État civil" for CESP). Posted to the home screen; the dossier screens handle it."""

    dossier_id: str
    demarche: str
    campaign_id: int
    tab: str


@dataclass
class SyncConflict(Message):
    """The server's copy of ``tab`` changed since this client read it, and differs from
    the local values: show both field by field (`cesp_tui.sync.resolve_conflict` records
    the choice). ``server_version`` is the server's current version."""

    dossier_id: str
    tab: str
    mine: dict[str, Any]
    theirs: dict[str, Any]
    server_version: int


@dataclass
class SaveRefused(Message):
    """The server refused a change for good (invalid values, dossier read-only, campaign
    closed, file refused...): show it loudly. ``tab`` None: the dossier as a whole
    (creation, transmission, deletion). ``kind`` is the operation (`OpKind`)."""

    dossier_id: str
    tab: str | None
    detail: str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "save_tab"


@dataclass
class DossierSynced(Message):
    """An operation of a dossier reached the server (``kind``: `OpKind` value, or
    ``"pull"`` when a newer server copy was taken); ``problems`` of a saved tab."""

    dossier_id: str
    kind: str
    version: int | None = None
    tab: str | None = None
    problems: list[Problem] = field(default_factory=list)


@dataclass
class DossierTransmitted(Message):
    """The server confirmed the transmission: ``numero`` and the receipt."""

    dossier_id: str
    numero: str
    receipt: dict[str, Any] = field(default_factory=dict)


@dataclass
class DossiersPulled(Message):
    """The server's dossiers were fetched: ids new here, ids with a newer server copy."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


@dataclass
class SyncRequested(Message):
    """Something was queued in the draft store: send it now rather than at the next poll
    (screens post it after "Enregistrer"; it bubbles up to the app)."""
