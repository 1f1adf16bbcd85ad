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

if TYPE_CHECKING:
    from cesp_client.session import Session

__all__ = [
    "CampaignsLoaded",
    "CertificationsChanged",
    "CredentialsFallback",
    "DraftWriteFailed",
    "LoggedIn",
    "LoggedOut",
    "OpenFirstDossier",
    "PiecesChanged",
    "PlatformFailed",
    "PlatformReady",
    "ShowTab",
    "SyncRequested",
    "TransmitRequested",
    "UploadCancelRequested",
    "WorkProgress",
    "WorkerFailed",
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
class OpenFirstDossier(Message):
    """First login of an applicant: open this (new, local) dossier on ``tab``
    ("État civil" for CESP). Posted to the home screen; the dossier screens handle it."""

    dossier_id: str
    demarche: str
    campaign_id: int
    tab: str


@dataclass
class SyncRequested(Message):
    """Something was queued in the draft store: send it now rather than at the next poll
    (screens post it after "Enregistrer"; it bubbles up to the app). ``pull``
    ("Actualiser"): also fetch the platform's copies (another workstation's changes)."""

    pull: bool = False


@dataclass
class UploadCancelRequested(Message):
    """The user stops the upload of ``piece_id`` (Échap on the pieces tab): it bubbles up
    to the app, which asks the sync engine (`SyncEngine.cancel_upload`)."""

    piece_id: str


@dataclass
class WorkProgress(Message):
    """A long task of a worker moved on (an import sent, an export or a PDF written):
    ``done`` of ``total`` (None: not known), ``text`` says what, in French. Posted from
    the worker; the screen's handler updates its `ProgressBar`."""

    job: str
    done: int
    total: int | None
    text: str = ""


@dataclass
class CampaignsLoaded(Message):
    """The platform's campaigns (`cesp_tui.screens.common.campaigns.fetch_campaigns`), or
    why they are unknown: ``error`` is French; ``offline``: the platform did not answer.
    ``purpose`` is what the fetch was for, as the caller named it (e.g. "new": start a
    dossier once they are known)."""

    campaigns: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    offline: bool = False
    purpose: str = ""


@dataclass
class WorkerFailed(Message):
    """A background task failed unexpectedly (`cesp_tui.workers`): ``what`` it was doing
    (French), ``error`` its type and text. One handler, on the app, tells the user."""

    what: str
    error: str


# --- what the views of a dossier ask their screen ---------------------------------------


@dataclass
class PiecesChanged(Message):
    """A piece was added or removed: read the dossier again (``select_type``: put the
    pieces table's cursor on that type)."""

    select_type: str | None = None


@dataclass
class ShowTab(Message):
    """Show ``tab`` with the cursor on ``field`` (the synthesis's "Aller au champ")."""

    tab: str
    field: str | None = None


@dataclass
class CertificationsChanged(Message):
    """The boxes ticked on the synthesis or the "Confirmer" screen."""

    ticked: list[str]


@dataclass
class TransmitRequested(Message):
    """ "Transmettre ma demande" confirmed: the screen queues the transmission."""
