"""Workers that never end the app: a failure becomes one French message.

`work` is Textual's `work` decorator with ``exit_on_error=False`` and the method wrapped:
an unexpected exception is logged and posted as `WorkerFailed` (it bubbles to the app,
whose one handler tells the user what failed and keeps the client running; what was typed
is already in the draft store). `run_guarded` does the same for `run_worker` calls.
Cancellation (`asyncio.CancelledError`, a `BaseException`) passes through untouched.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from inspect import iscoroutinefunction
from typing import Any, TypeVar

from textual import work as textual_work
from textual.dom import DOMNode
from textual.worker import Worker

from cesp_tui.messages import WorkerFailed

__all__ = ["report_failure", "run_guarded", "work"]

log = logging.getLogger("cesp_tui.workers")

F = TypeVar("F", bound=Callable[..., Any])

#: What the user is told when a worker gives no description of its own.
DEFAULT_WHAT = "une opération en arrière-plan"


def report_failure(node: DOMNode, what: str, error: BaseException) -> None:
    """Log ``error`` and post `WorkerFailed` from ``node`` (thread-safe)."""
    log.exception("worker failed: %s", what, exc_info=error)
    node.post_message(WorkerFailed(what, f"{type(error).__name__}: {error}"))


def _guard(method: Callable[..., Any], what: str) -> Callable[..., Any]:
    if iscoroutinefunction(method):

        @functools.wraps(method)
        async def guarded_async(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as error:
                report_failure(self, what, error)
                return None

        return guarded_async

    @functools.wraps(method)
    def guarded(self: DOMNode, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            report_failure(self, what, error)
            return None

    return guarded


def work(
    method: F | None = None,
    *,
    name: str = "",
    group: str = "default",
    exclusive: bool = False,
    description: str | None = None,
    thread: bool = False,
) -> Any:
    """Textual's `work`, guarded (see the module's docstring). ``description`` is French:
    what the user is told failed ("la liste des campagnes")."""

    def decorator(method: F) -> F:
        guarded = _guard(method, description or DEFAULT_WHAT)
        return textual_work(  # type: ignore[no-any-return]
            guarded,
            name=name or method.__name__,
            group=group,
            exit_on_error=False,
            exclusive=exclusive,
            description=description,
            thread=thread,
        )

    if method is None:
        return decorator
    return decorator(method)


def run_guarded(
    node: DOMNode,
    awaitable: Awaitable[Any],
    what: str,
    **kwargs: Any,
) -> Worker[Any]:
    """``node.run_worker(awaitable, ...)`` whose failure is reported, not fatal."""

    async def guarded() -> Any:
        try:
            return await awaitable
        except Exception as error:
            report_failure(node, what, error)
            return None

    return node.run_worker(guarded(), exit_on_error=False, **kwargs)
