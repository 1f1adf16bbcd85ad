"""Wait until an app's workers are done and their messages handled — never by sleeping.

Workers start other workers (workspace -> rows, campaigns -> rows again), so a fixed
number of rounds is not enough on a loaded machine: wait until three rounds in a row
find nothing busy. Long-lived workers (the sync engine, a DirectoryTree's loader) are
left out by `ignore`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.worker import Worker


def not_sync(worker: Worker[Any]) -> bool:
    """True for the sync engine's worker, which runs for the app's whole life."""
    return worker.group == "sync"


async def settle_workers(
    app: App[Any],
    pilot: Pilot[Any],
    ignore: Callable[[Worker[Any]], bool] = not_sync,
    rounds: int = 50,
) -> None:
    quiet = 0
    for _ in range(rounds):
        busy = [w for w in app.workers if not ignore(w) and not w.is_finished]
        if busy:
            quiet = 0
            # a worker replaced by an exclusive one ends cancelled: that is fine
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        else:
            quiet += 1
            if quiet >= 3:
                return
        await pilot.pause()


async def until(
    pilot: Pilot[Any], condition: Callable[[], object], timeout: float = 30.0, what: str = ""
) -> None:
    """Wait, in rounds of the app's message loop, until ``condition()`` is true: for what
    happens outside the app's workers (the sync engine, the platform, the mails)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"condition not reached in time {what}".strip()
        await pilot.pause(0.05)


async def settle_app(app: App[Any], pilot: Pilot[Any], timeout: float = 30.0) -> None:
    """Wait until the app's workers are done (the sync engine's endless loop aside), with
    a deadline rather than a number of rounds."""
    deadline = time.monotonic() + timeout
    while True:
        busy = [w for w in app.workers if not not_sync(w) and not w.is_finished]
        if not busy:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"workers still running: {busy}")
        await asyncio.wait(
            [asyncio.ensure_future(w.wait()) for w in busy], timeout=deadline - time.monotonic()
        )
        await pilot.pause()
    await pilot.pause()
