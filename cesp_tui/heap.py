"""The garbage collector and the keyboard: full collections when the user pauses.

The client keeps large, permanent structures: the department, country and commune
indexes (35,000 communes, pre-normalised), the démarche definitions, the imported
modules (and, in embedded mode, the server's). CPython's full (generation 2) collection
walks every tracked object; in `bench/bench_tui_keying.py` 13 of them landed on keys,
up to 300 ms each: most of the keying's worst latencies (ADR 0011).

- `freeze_startup_heap` (`gc.freeze()`), once the indexes are built at start: what it
  freezes lives as long as the process, and later collections no longer walk it. Never
  called again: screens come and go, and frozen reference cycles would never be freed.
- `IdleCollector`: automatic full collections are switched off; the app runs them itself
  when no key has come for `IDLE_AFTER` seconds, or, so that memory stays bounded during
  a long uninterrupted keying, once `FORCE_AFTER` younger collections have passed without
  one. Generations 0 and 1 (most garbage, a few milliseconds at most) run as usual.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Protocol

from textual import events

__all__ = [
    "FORCE_AFTER",
    "IDLE_AFTER",
    "CollectsWhenIdle",
    "IdleCollector",
    "freeze_startup_heap",
]

#: Seconds without a key before a full collection may run.
IDLE_AFTER = 0.8
#: Generation-1 collections after which a full one runs, pause or not.
FORCE_AFTER = 100
#: Generation-2 threshold that keeps CPython from starting a full collection by itself.
_NEVER = 1_000_000


class _Timers(Protocol):
    def set_interval(self, interval: float, callback: Any, *, name: str | None = ...) -> Any: ...


def freeze_startup_heap() -> int:
    """Freeze what is alive now; returns how many objects the collector will skip."""
    gc.freeze()
    return gc.get_freeze_count()


class IdleCollector:
    """Runs the full collections of ``app`` in its pauses (see the module's docstring)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._last_key = clock()
        self._thresholds: tuple[int, int, int] | None = None
        #: Full collections run, and how many of them were forced (no pause came).
        self.runs = 0
        self.forced = 0

    def start(self, app: _Timers, every: float = 0.25) -> None:
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            first, second, _third = self._thresholds
            gc.set_threshold(first, second, _NEVER)
        app.set_interval(every, self.tick, name="idle-gc")

    def stop(self) -> None:
        """CPython's own thresholds back (tests, and an app that exits)."""
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None

    def key_pressed(self) -> None:
        self._last_key = self._clock()

    def due(self) -> bool:
        pending = gc.get_count()[2]  # generation-1 collections since the last full one
        if pending >= FORCE_AFTER:
            return True
        return pending > 0 and self._clock() - self._last_key >= IDLE_AFTER

    def tick(self) -> None:
        if not self.due():
            return
        if gc.get_count()[2] >= FORCE_AFTER:
            self.forced += 1
        self.runs += 1
        gc.collect()


class CollectsWhenIdle:
    """App mixin: an `IdleCollector` fed by the app's key events. Call
    `start_idle_collection` on mount and `stop_idle_collection` on unmount."""

    idle_collector: IdleCollector | None = None

    def start_idle_collection(self) -> None:
        self.idle_collector = IdleCollector()
        self.idle_collector.start(self)  # type: ignore[arg-type]

    def stop_idle_collection(self) -> None:
        if self.idle_collector is not None:
            self.idle_collector.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and self.idle_collector is not None:
            self.idle_collector.key_pressed()
        await super().on_event(event)  # type: ignore[misc]
