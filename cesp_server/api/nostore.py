"""``Cache-Control: no-store`` on every JSON answer of the API.

Answers carry personal data (dossiers, accounts) or tokens (login, link checks): no proxy
or client cache may keep them. A pure ASGI middleware (no buffering, so the streamed piece
downloads are untouched) adds the header to any ``application/json`` or
``application/problem+json`` response that does not set its own ``Cache-Control``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_JSON_TYPES = (b"application/json", b"application/problem+json")


class NoStoreMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next(
                    (value for name, value in headers if name.lower() == b"content-type"), b""
                )
                if b"cache-control" not in names and content_type.startswith(_JSON_TYPES):
                    headers.append((b"cache-control", b"no-store"))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_header)
