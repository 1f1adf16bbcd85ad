"""The platform's HTTP API, seen from the client (httpx).

`ApiClient` (and httpx with it) is imported on first use: the first screen shows sooner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError, Offline

if TYPE_CHECKING:
    from .client import ApiClient, parse_emailed_link

__all__ = ["ApiClient", "ApiError", "Offline", "parse_emailed_link"]


def __getattr__(name: str) -> Any:
    if name in ("ApiClient", "parse_emailed_link"):
        from . import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
