"""The sync engine's news, as screens and widgets follow it.

The engine reports plain events (`cesp_client.events`); the app keeps what it needs and
publishes each on its `sync_news` signal (Textual's public `Signal`). A screen or widget
that mixes in `FollowsSyncNews` subscribes on mount and gets each event in a method named
after it: ``news_dossier_synced(event)`` for `DossierSynced`, and so on (`NEWS_METHODS`).
Nothing is copied from screen to screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from textual.dom import DOMNode
from textual.signal import Signal

from cesp_client.events import (
    ConnectionChanged,
    DossiersPulled,
    DossierSynced,
    DossierTransmitted,
    PendingCountChanged,
    SaveRefused,
    SessionExpired,
    SyncConflict,
    SyncEvent,
    SyncFailed,
    SyncProgress,
    UploadCancelled,
    UploadProgress,
)

__all__ = [
    "NEWS_METHODS",
    "FollowsSyncNews",
    "SyncNewsSource",
    "app_sync_state",
    "report_pending",
    "sync_news_of",
]

#: Event type -> the method of a follower that takes it.
NEWS_METHODS: dict[type[SyncEvent], str] = {
    ConnectionChanged: "news_connection_changed",
    PendingCountChanged: "news_pending_count_changed",
    SyncFailed: "news_sync_failed",
    SessionExpired: "news_session_expired",
    SyncConflict: "news_sync_conflict",
    SaveRefused: "news_save_refused",
    DossierSynced: "news_dossier_synced",
    DossierTransmitted: "news_dossier_transmitted",
    DossiersPulled: "news_dossiers_pulled",
    SyncProgress: "news_sync_progress",
    UploadProgress: "news_upload_progress",
    UploadCancelled: "news_upload_cancelled",
}


@runtime_checkable
class SyncNewsSource(Protocol):
    sync_news: Signal[SyncEvent]
    #: Whether the platform answered last (None: not known yet).
    online: bool | None
    #: Changes of the session's account that wait for the server.
    pending: int


def sync_news_of(app: Any) -> Signal[SyncEvent] | None:
    """The app's news signal (None for a host app without one)."""
    return app.sync_news if isinstance(app, SyncNewsSource) else None


def app_sync_state(app: Any) -> tuple[bool | None, int] | None:
    """(online, pending) as the app knows them now (None for a host app without news)."""
    return (app.online, app.pending) if isinstance(app, SyncNewsSource) else None


def report_pending(node: DOMNode, count: int) -> None:
    """A screen counted the account's waiting changes in the store (after a save, a
    transmission, a deletion): the app keeps the number and every status line shows it,
    as when the sync engine counts (ADR 0031). The engine is woken to count again: its
    count, taken after this one, has the last word (a count read in a thread may be
    older than one the engine said meanwhile). A host app without news: the screen's own
    status lines show it."""
    app = node.app
    if isinstance(app, SyncNewsSource):
        app.pending = count
        app.sync_news.publish(PendingCountChanged(count))
        request_sync = getattr(app, "request_sync", None)
        if callable(request_sync):
            request_sync()
        return
    from cesp_tui.widgets.status_line import StatusLine

    for line in node.screen.query(StatusLine):
        line.pending = count


class FollowsSyncNews:
    """Mixin for a screen or widget: subscribes to the app's `sync_news` on mount and hands
    each event to its ``news_*`` method, when it has one."""

    def on_mount(self) -> None:
        assert isinstance(self, DOMNode)
        news = sync_news_of(self.app)
        if news is not None:
            news.subscribe(self, self.sync_news_received)

    def sync_news_received(self, event: SyncEvent) -> None:
        method: Callable[[Any], object] | None = getattr(
            self, NEWS_METHODS.get(type(event), ""), None
        )
        if method is not None:
            method(event)
