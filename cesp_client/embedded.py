"""The embedded platform: `cesp_server` in-process, under uvicorn, on a loopback port.

With no server configured, the client starts the whole platform in a daemon thread with
SQLite and a Maildir outbox in ``<data_dir>/platform`` (DESIGN.md, "The embedded
default"). `cesp_server` (FastAPI, SQLAlchemy, pydantic...) is imported inside `start`,
which the app runs in a thread worker: the first screen shows before the platform is up.

Logs of the platform go to ``<data_dir>/platform/server.log``, never to the terminal
(Textual owns it).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

__all__ = ["EmbeddedPlatform", "EmbeddedStartError"]

HOST = "127.0.0.1"
_LOGGERS = ("cesp_server", "uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy")


class EmbeddedStartError(RuntimeError):
    """The embedded platform did not start; the message is French, for the user."""


def _configure_logging(log_path: Path) -> None:
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_cesp_embedded", False)]:
            logger.removeHandler(old)
            old.close()
        handler._cesp_embedded = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


class EmbeddedPlatform:
    """One in-process platform; `start` blocks until it answers (call it from a worker)."""

    def __init__(self, *, log_to_file: bool = True) -> None:
        #: Send the platform's logs to ``<data_dir>/server.log`` only (what the client
        #: wants: the terminal belongs to Textual); tests leave logging alone.
        self.log_to_file = log_to_file
        self.data_dir: Path | None = None
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._app: Any = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def maildir_path(self) -> Path | None:
        """The Maildir of the local outbox (for the "Boîte mail locale" screen)."""
        if self._app is not None:
            return Path(self._app.state.settings.resolved_maildir)
        return self.data_dir / "maildir" if self.data_dir is not None else None

    def start(self, data_dir: Path, *, timeout: float = 30.0) -> str:
        """Start the platform with its data in ``data_dir``; return its base URL."""
        if self.running and self.url is not None:
            return self.url
        data_dir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data_dir.mkdir(exist_ok=True, mode=0o700)
        self.data_dir = data_dir
        if self.log_to_file:
            _configure_logging(data_dir / "server.log")

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, 0))  # a free port, kept: no race with another process
        port = sock.getsockname()[1]
        url = f"http://{HOST}:{port}"

        try:
            import uvicorn

            from cesp_server.app import create_app
            from cesp_server.settings import Settings

            settings = Settings(
                data_dir=data_dir,
                database_url="",
                mail_backend="maildir",
                public_url=url,
            )
            app = create_app(settings)
            from cesp_server.local_seed import ensure_open_campaigns

            ensure_open_campaigns(app.state.engine)
        except Exception as error:
            sock.close()
            logging.getLogger("cesp_server").exception("embedded platform: start failed")
            raise EmbeddedStartError(
                f"La plateforme locale n'a pas pu démarrer : {error}"
            ) from error

        config = uvicorn.Config(
            app,
            host=HOST,
            port=port,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="cesp-platform", daemon=True
        )
        self._app, self._server, self._thread = app, server, thread
        thread.start()

        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive():
                raise EmbeddedStartError(
                    "La plateforme locale s'est arrêtée au démarrage "
                    f"(voir {data_dir / 'server.log'})."
                )
            if time.monotonic() > deadline:
                self.stop()
                raise EmbeddedStartError(f"La plateforme locale ne répond pas après {timeout:g} s.")
            time.sleep(0.01)
        self.url = url
        return url

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to finish, wait for it, release the database."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout)
        if self._app is not None:
            engine = getattr(self._app.state, "engine", None)
            if engine is not None:
                engine.dispose()
        self._server = self._thread = None
        self.url = None
