"""The only place the client reads Textual's private state (ADR 0023).

Everything else in `cesp_tui` (and `cesp_client`) uses Textual's public API, which
`tests/tui/test_textual_boundary.py` checks. What is left here has no public
equivalent in Textual 8.2, and each read is fenced the same way: a function that
raises `TextualCompatError` when the name is missing or not what it was, and a check
that the feature relying on it runs once, at start, to switch that feature off (and log
why) rather than fail on a key.

- `app_is_busy`, for `cesp_tui.key_order.OrderedKeys` (ADR 0014): whether any message
  pump of the app (the app and every node it registered: `App._registry`) has a message
  queued (`message_queue_size`, public) or a callback due once its current message is
  done (`MessagePump._next_callbacks`). Without them, keys go to Textual's own handling
  (each key to the widget focused when it arrives).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sized
from typing import TYPE_CHECKING, Any

import textual

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

__all__ = [
    "TESTED_WITH",
    "TextualCompatError",
    "app_is_busy",
    "key_order_unavailable",
]

log = logging.getLogger(__name__)

#: The Textual version these reads were written against (pyproject pins it).
TESTED_WITH = "8.2.8"

#: The private attributes read, by name (a test renames them to play another Textual).
REGISTRY = "_registry"  # App: every DOM node registered with the app (a WeakSet)
NEXT_CALLBACKS = "_next_callbacks"  # MessagePump: callbacks due after the current message


class TextualCompatError(RuntimeError):
    """Textual's internals are not what this module reads (another Textual version)."""


def _registered_nodes(app: App[Any]) -> Iterable[MessagePump]:
    registry = getattr(app, REGISTRY, None)
    if registry is None or not isinstance(registry, Iterable):
        raise TextualCompatError(f"App.{REGISTRY} is missing (Textual {textual.__version__})")
    return registry


def _pending_callbacks(pump: MessagePump) -> int:
    callbacks = getattr(pump, NEXT_CALLBACKS, None)
    if callbacks is None or not isinstance(callbacks, Sized):
        raise TextualCompatError(
            f"MessagePump.{NEXT_CALLBACKS} is missing (Textual {textual.__version__})"
        )
    return len(callbacks)


def app_is_busy(app: App[Any]) -> bool:
    """Whether a message waits anywhere in ``app``, or a callback due after one.
    Raises `TextualCompatError` if Textual no longer keeps what this reads."""
    return any(
        pump.message_queue_size or _pending_callbacks(pump)
        for pump in (app, *_registered_nodes(app))
    )


def key_order_unavailable(app: App[Any]) -> str | None:
    """Why `app_is_busy` cannot work on ``app`` (None: it can). Logged once by the
    caller, which then leaves the keys to Textual."""
    try:
        app_is_busy(app)
    except TextualCompatError as error:
        reason = f"keys handed to Textual as they come (no ordering): {error}"
        log.warning("%s", reason)
        return reason
    return None
