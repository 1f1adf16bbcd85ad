"""Domain messages: what workers report to the app and screens.

Workers (platform start, keyring, sync, store) never touch widgets: they post one of
these (``post_message`` is thread-safe) and a handler changes the state. Widget-level
messages (``FilterSelect.Changed``, ``TabForm.FieldChanged``...) live with their widgets,
as in Textual itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

__all__ = [
    "ConnectionChanged",
    "CredentialsFallback",
    "DraftWriteFailed",
    "PendingCountChanged",
    "PlatformFailed",
    "PlatformReady",
    "SyncFailed",
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
