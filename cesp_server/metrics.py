"""Prometheus metrics (prometheus-client), off unless ``CESP_METRICS_ENABLED=true``.

- ``cesp_http_requests_total{method,route,status}`` and
  ``cesp_http_request_duration_seconds{method,route}``: by route *template*
  (``/api/v1/dossiers/{dossier_id}``), never by raw path, so the label set stays small;
- ``cesp_piece_upload_bytes_total``: bytes of the pieces stored;
- ``cesp_outbox_backlog``: mails not yet sent, read from the database at each scrape.

Several workers: when ``PROMETHEUS_MULTIPROC_DIR`` is set (``cesp-server serve --workers
N`` sets it to a fresh directory), each worker writes its samples there and a scrape of any
worker adds them up (prometheus-client's multi-process mode). Served at ``/metrics``,
with ``Authorization: Bearer <CESP_METRICS_TOKEN>`` required when a token is set.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["UPLOAD_BYTES", "MetricsMiddleware", "metrics_endpoint"]

REQUESTS = Counter(
    "cesp_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "cesp_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UPLOAD_BYTES = Counter("cesp_piece_upload_bytes_total", "Bytes of pieces stored")


def _route_template(scope: Scope) -> str:
    """The matched route's template: each path parameter's value put back as ``{name}``."""
    if scope.get("route") is None:
        return "<unmatched>"  # never a raw path: the label set stays bounded
    template = str(scope.get("path", ""))
    for name, value in (scope.get("path_params") or {}).items():
        template = template.replace(f"/{value}", f"/{{{name}}}", 1)
    return template


class MetricsMiddleware:
    """Counts and times every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - started)


class _Backlog(Collector):
    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from sqlalchemy import func, select

        from .models.outbox import OutboxMail

        with self.engine.connect() as conn:
            count = conn.execute(
                select(func.count()).where(OutboxMail.sent_at.is_(None))  # type: ignore[union-attr]
            ).scalar_one()
        yield GaugeMetricFamily("cesp_outbox_backlog", "Mails waiting to be sent", value=count)


def _registry(engine: Any) -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY, UPLOAD_BYTES):
            registry.register(collector)
    registry.register(_Backlog(engine))
    return registry


def metrics_endpoint(request: Request) -> Response:
    settings = request.app.state.settings
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    output = generate_latest(_registry(request.app.state.engine))
    return Response(output, media_type=CONTENT_TYPE_LATEST)
