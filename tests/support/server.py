"""The real platform on a loopback port (uvicorn in a thread), for API and TUI tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from cesp_server.app import create_app
from cesp_server.settings import Settings

from .postgres import free_port


@dataclass
class ServerHandle:
    url: str
    app: FastAPI
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.engine.dispose()


def start_server(settings: Settings) -> ServerHandle:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    return ServerHandle(f"http://127.0.0.1:{port}", app, settings, server, thread)


def test_settings(
    data_dir: Path, database_url: str = "", smtp_port: int | None = None, **overrides: object
) -> Settings:
    values: dict[str, object] = {"data_dir": data_dir, "database_url": database_url}
    if smtp_port is not None:
        values.update(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_port)
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def restart_server(handle: ServerHandle) -> ServerHandle:
    """The platform again, same settings (data directory, database) and same port, after
    ``handle.stop()``: what a client sees when its server comes back."""
    app = create_app(handle.settings)
    port = int(handle.url.rsplit(":", 1)[1])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=f"uvicorn-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not restart")
        time.sleep(0.02)
    return ServerHandle(handle.url, app, handle.settings, server, thread)
