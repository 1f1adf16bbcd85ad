"""The status line: online or not, how many changes wait, and a short message."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from cesp_tui.messages import ConnectionChanged, PendingCountChanged, SyncFailed

__all__ = ["FollowsConnection", "StatusLine", "pending_text"]


def pending_text(count: int) -> str:
    if count <= 0:
        return "tout est envoyé"
    if count == 1:
        return "1 modification en attente"
    return f"{count} modifications en attente"


class StatusLine(Widget):
    """One line above the footer. ``online`` None: not known yet (connecting)."""

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
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._timer: Timer | None = None
        self.message: str = ""
        self.message_is_error = False

    def compose(self) -> ComposeResult:
        yield Static("", classes="status-connection", markup=False)
        yield Static("", classes="status-pending", markup=False)
        yield Static("", classes="status-message", markup=False)

    def on_mount(self) -> None:
        self.watch_online(self.online)
        self.watch_pending(self.pending)

    def watch_online(self, online: bool | None) -> None:
        label = self.query_one(".status-connection", Static)
        text = {True: "● en ligne", False: "○ hors ligne", None: "… connexion"}[online]
        label.update(text)
        label.set_class(online is True, "-online")
        label.set_class(online is False, "-offline")

    def watch_pending(self, pending: int) -> None:
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
        label = self.query_one(".status-message", Static)
        label.update(text)
        label.set_class(error and bool(text), "-error")
        if text and timeout is not None and not error:
            self._timer = self.set_timer(timeout, self.clear_message)

    def clear_message(self) -> None:
        self.show_message("")


class FollowsConnection:
    """Screen mixin: its `StatusLine` follows the sync engine's news about the connection,
    the number of waiting changes and failed sends (copies the app gives the screens:
    they stop here)."""

    def on_pending_count_changed(self, message: PendingCountChanged) -> None:
        message.stop()
        self.query_one(StatusLine).pending = message.count  # type: ignore[attr-defined]

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        message.stop()
        self.query_one(StatusLine).online = message.online  # type: ignore[attr-defined]

    def on_sync_failed(self, message: SyncFailed) -> None:
        message.stop()
        self.query_one(StatusLine).show_message(message.message)  # type: ignore[attr-defined]
