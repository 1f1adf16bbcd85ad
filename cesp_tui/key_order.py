"""`OrderedKeys`: each key reaches the field the previous keys left the cursor in.

Textual hands a key to the widget focused *when the key arrives*; the key then bubbles
through the widgets' message queues, and a move it causes (Tab reaching the app's
binding, Enter reaching the form, a date or a radio choice that moves on by itself)
happens a few messages later. Keys that arrive together (a burst over SSH, a paste
through the terminal, a fast typist, `tmux send-keys`) were therefore all handed to the
field the first one was typed in: "Du<Tab>Je" gave "DuJe" in "Nom de naissance". The
app now hands a key over only once the previous one has been dealt with: every message
queue of the app empty (the cursor moved, the form applied its rules), or at most
`SETTLE_LIMIT` later, so that a widget that never rests cannot hold keys back.

A key typed more than `SETTLE_LIMIT` after the previous one is handed over at once,
with no check at all: only keys that follow each other closely are held.

Whether the app has settled is read from Textual's private state, through
`cesp_tui.textual_compat` (ADR 0023); checked on the first key: if that Textual does not
keep it, the mixin steps aside (and says so in the log), and keys go to Textual as they
come.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from textual import events

from cesp_tui.textual_compat import app_is_busy, key_order_unavailable

if TYPE_CHECKING:
    from textual.app import App

__all__ = ["CALM_ROUNDS", "SETTLE_LIMIT", "OrderedKeys"]

#: The longest a key waits for the previous one's consequences (seconds).
SETTLE_LIMIT = 0.1
#: Rounds of the event loop in a row with no message queued anywhere: a handler that
#: took its message off its queue and awaits something is only seen through its next
#: message, so one empty look is not enough.
CALM_ROUNDS = 3


class OrderedKeys:
    """App mixin (before `App` in the bases): keys handed over one at a time."""

    _held_keys: list[events.Key] | None = None
    _handed_at = -1.0
    _calm = 0
    #: Why keys are not ordered (None: they are); worked out on the first key.
    key_order_off: str | None = None
    _key_order_checked = False

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._keys_ordered():
            if self._held_keys is not None:
                self._held_keys.append(event)
            elif time.monotonic() - self._handed_at < SETTLE_LIMIT:
                # The previous key may still be on its way: this one waits for it.
                self._held_keys = [event]
                self._calm = 0
                self._keys_app().call_later(self._release_when_settled)
            else:
                await self._hand_over(event)
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _hand_over(self, key: events.Key) -> None:
        self._handed_at = time.monotonic()
        await super().on_event(key)  # type: ignore[misc]

    async def _release_when_settled(self) -> None:
        app = self._keys_app()
        waited = time.monotonic() - self._handed_at
        self._calm = self._calm + 1 if self._settled(app) else 0
        if self._calm < CALM_ROUNDS and waited < SETTLE_LIMIT:
            # Check again once the other tasks have run: the app's own loop goes through
            # its whole queue without yielding, so a `call_later` alone would spin here.
            asyncio.get_running_loop().call_soon(app.call_later, self._release_when_settled)
            return
        held = self._held_keys or []
        await self._hand_over(held[0])
        if len(held) > 1:
            self._held_keys = held[1:]
            self._calm = 0
            app.call_later(self._release_when_settled)
        else:
            self._held_keys = None

    def _keys_ordered(self) -> bool:
        if not self._key_order_checked:
            self._key_order_checked = True
            self.key_order_off = key_order_unavailable(self._keys_app())
            if self.key_order_off is not None:
                self._keys_app().log.warning(self.key_order_off)
        return self.key_order_off is None

    @staticmethod
    def _settled(app: App[Any]) -> bool:
        """No message waiting anywhere in the app, nor a callback due after one."""
        return not app_is_busy(app)

    def _keys_app(self) -> App[Any]:
        return self  # type: ignore[return-value]
