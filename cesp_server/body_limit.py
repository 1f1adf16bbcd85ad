"""A cap on every request body that is not a file upload, before anything parses it.

Pure ASGI: the body is counted as it arrives (``Content-Length`` or chunked alike) and kept
in memory only up to `Settings.max_body_bytes`; past it, the request gets 413 with a
French problem and the application never sees it. Within the cap the body is handed on
unchanged. The two upload routes (a piece, an import file) are left alone: they stream
their bodies to disk under their own caps (`cesp_server.files.receive_upload`).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import problem_response

__all__ = ["UPLOAD_ROUTES", "BodyLimitMiddleware"]

#: POST routes whose bodies stream to disk under their own caps.
UPLOAD_ROUTES = (
    re.compile(r"/api/v1/dossiers/[^/]+/pieces/[^/]+/?$"),
    re.compile(r"/api/v1/imports/dossiers/?$"),
)


def _kib(size: int) -> str:
    return f"{size // 1024} Kio" if size >= 1024 else f"{size} octets"


def is_upload(scope: Scope) -> bool:
    if scope.get("method") != "POST":
        return False
    path = scope.get("path", "")
    return any(pattern.search(path) for pattern in UPLOAD_ROUTES)


class BodyLimitMiddleware:
    """413 for a non-upload body over `max_bytes`, counted before the app reads it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_upload(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away before its body ended: nothing to answer.
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        chunks.clear()
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "body_too_large",
            "Requête trop volumineuse : le corps dépasse la taille maximale autorisée "
            f"({_kib(self.max_bytes)}).",
            headers={"Connection": "close"},
            extra={"max_body_bytes": self.max_bytes},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    headers: Any = scope.get("headers") or ()
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None
