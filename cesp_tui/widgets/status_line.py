"""The status line: online or not, how many changes wait, and a short message."""

from __future__ import annotations

from collections import deque

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from cesp_client.events import ConnectionChanged, PendingCountChanged, SyncFailed, SyncProgress
from cesp_tui.sync_news import FollowsSyncNews, app_sync_state

__all__ = ["StatusLine", "pending_text"]


def pending_text(count: int) -> str:
    if count <= 0:
        return "tout est envoyé"
    if count == 1:
        return "1 modification en attente"
    return f"{count} modifications en attente"


class StatusLine(FollowsSyncNews, Widget):
    """One line above the footer. ``online`` None: not known yet (connecting).

    It follows the sync engine's news itself (`FollowsSyncNews`): the connection, the
    number of waiting changes, failed sends (only those of ``dossier_id`` when given)."""

    DEFAULT_CSS = """
    StatusLine {
        layout: horizontal;
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
        & > Static {
            width: auto;
            height: 1;
            text-wrap: nowrap;
        }
        & > .status-connection {
            &.-online { color: $text-success; }
            &.-offline { color: $text-warning; text-style: bold; }
        }
        & > .status-pending {
            margin: 0 0 0 2;
            &.-waiting { color: $text-warning; }
        }
        & > .status-sync-bar {
            display: none;
            width: auto;
            height: 1;
            margin: 0 0 0 1;
            & > Bar { width: 12; }
        }
        &.-syncing > .status-sync-bar { display: block; }
        & > .status-keys {
            width: auto;
            color: $text-muted;
            margin: 0 1 0 1;
        }
        & > .status-message {
            width: 1fr;
            margin: 0 0 0 2;
            text-overflow: ellipsis;
            &.-error {
                background: $error;
                color: $text;
                text-style: bold;
                padding: 0 1;
            }
        }
    }
    """

    online: reactive[bool | None] = reactive(None)
    pending: reactive[int] = reactive(0)

    def __init__(
        self,
        *,
        dossier_id: str | None = None,
        screen_keys: dict[str, str] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.dossier_id = dossier_id
        #: Keys of the screen named here rather than in its footer: binding id -> a word
        #: (the agent's Ctrl+G, Ctrl+B, Ctrl+O, which the footer has no room for).
        self.screen_keys = dict(screen_keys or {})
        self._timer: Timer | None = None
        self.message: str = ""
        self.message_is_error = False
        #: What the line said lately, oldest first (a message may be replaced within a
        #: second by the platform's answer; support and tests read what was said).
        self.said: deque[str] = deque(maxlen=20)
        #: A pass with many changes is being sent (`SyncProgress`).
        self.syncing = False

    def compose(self) -> ComposeResult:
        yield Static("", classes="status-connection", markup=False)
        yield Static("", classes="status-pending", markup=False)
        yield ProgressBar(classes="status-sync-bar", show_eta=False, show_percentage=False)
        yield Static("", classes="status-message", markup=False)
        yield Static("", classes="status-keys", markup=False)

    def on_mount(self) -> None:
        state = app_sync_state(self.app)
        if state is not None:
            self.online, self.pending = state
        self.watch_online(self.online)
        self.watch_pending(self.pending)
        self.show_standing_notice()
        self.show_global_keys()

    def show_global_keys(self) -> None:
        """Help and the command palette, at the right end (after the screen's keys of
        `screen_keys`): the footers keep their width for the screen's own keys (the
        user's keymap is followed)."""
        # With the screen's own keys there is no room left at 80 columns (with "○ hors
        # ligne  12 modifications en attente") for F1's and Ctrl+P's: both keys still
        # work everywhere, and F1 lists every key.
        app_keys = {"app.help": "aide", "app.command_palette": "commandes"}
        wanted = {**self.screen_keys} if self.screen_keys else app_keys
        found: dict[str, str] = {}
        for node, binding, _enabled, _tip in self.screen.active_bindings.values():
            mine = node is self.app or binding.id in self.screen_keys
            if binding.id in wanted and mine:
                found[binding.id] = f"{self.app.get_key_display(binding)} {wanted[binding.id]}"
        text = " · ".join(found[key] for key in wanted if key in found)
        self.query_one(".status-keys", Static).update(text)

    def show_standing_notice(self) -> None:
        """The app's standing notice (no keyring), for the time it has left."""
        standing = getattr(self.app, "standing_notice", None)
        said = standing() if callable(standing) else None
        if said is not None and not self.message_is_error:
            text, seconds = said
            self.show_message(text, timeout=seconds)

    def news_pending_count_changed(self, event: PendingCountChanged) -> None:
        self.pending = event.count

    def news_sync_progress(self, event: SyncProgress) -> None:
        """A pass with many changes (the first sync of many drafts): ``envoi 3/40`` and
        a small bar, until the pass ends."""
        self.syncing = event.active
        self.set_class(event.active, "-syncing")
        self.query_one(".status-pending", Static).display = event.active or not self.message
        if event.active:
            self.query_one(".status-pending", Static).update(f"envoi {event.sent}/{event.total}")
            self.query_one(".status-sync-bar", ProgressBar).update(
                total=max(event.total, 1), progress=event.sent
            )
        else:
            self.watch_pending(self.pending)

    def news_connection_changed(self, event: ConnectionChanged) -> None:
        self.online = event.online

    def news_sync_failed(self, event: SyncFailed) -> None:
        if self.dossier_id is None or event.dossier_id in (None, self.dossier_id):
            self.show_message(event.message)

    def watch_online(self, online: bool | None) -> None:
        label = self.query_one(".status-connection", Static)
        text = {True: "● en ligne", False: "○ hors ligne", None: "… connexion"}[online]
        label.update(text)
        label.set_class(online is True, "-online")
        label.set_class(online is False, "-offline")

    def watch_pending(self, pending: int) -> None:
        if self.syncing:
            return  # "envoi 3/40" until the pass ends
        label = self.query_one(".status-pending", Static)
        label.update(pending_text(pending))
        label.set_class(pending > 0, "-waiting")

    def show_message(self, text: str, *, error: bool = False, timeout: float | None = 5.0) -> None:
        """Show ``text``. An ``error`` is loud and stays until replaced (a failed save must
        not go unnoticed); other messages fade after ``timeout`` seconds (None: stay)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.message, self.message_is_error = text, error
        if text:
            self.said.append(text)
        label = self.query_one(".status-message", Static)
        label.update(text)
        label.set_class(error and bool(text), "-error")
        # The global keys and the pending count give their room to a message while it
        # is shown (a pass being sent keeps its "envoi 3/40"): at 80 columns the count
        # cut "« État civil » enregistré sur ce p…".
        self.query_one(".status-keys", Static).display = not text
        self.query_one(".status-pending", Static).display = not text or self.syncing
        if text and timeout is not None and not error:
            self._timer = self.set_timer(timeout, self.clear_message)

    def clear_message(self) -> None:
        self.show_message("")
