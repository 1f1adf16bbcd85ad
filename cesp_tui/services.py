"""Typed access to what the client app holds, for screens (ADR 0028).

Screens run under `cesp_tui.app.CespApp` only (tests build the real app too,
``tests/support/tui.py``). They reach its state through `client_app(self.app)`, typed by
the `ClientApp` protocol, rather than reading attributes by name (``getattr``); this
module does not import the app (the app imports the screens).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from cesp_client.config import ClientConfig
from cesp_client.workspace import Workspace

if TYPE_CHECKING:
    from textual.signal import Signal

    from cesp_client.api.client import ApiClient
    from cesp_client.credentials import TokenStore
    from cesp_client.embedded import EmbeddedPlatform
    from cesp_client.events import SyncEvent
    from cesp_client.services import ClientServices
    from cesp_client.session import Session
    from cesp_client.store import DraftStore

__all__ = ["ClientApp", "client_app", "maildir_of", "workspace_of"]


class ClientApp(Protocol):
    """What screens read from `CespApp` (its public state)."""

    services: ClientServices
    config: ClientConfig
    platform: EmbeddedPlatform | None
    #: "starting", "ready" or "failed".
    platform_state: str
    server_url: str | None
    platform_error: str | None
    online: bool | None
    pending: int
    session: Session | None
    api: ApiClient | None
    sync_news: Signal[SyncEvent]

    @property
    def tokens(self) -> TokenStore: ...

    @property
    def drafts(self) -> DraftStore: ...

    def workspace(self) -> Workspace | None: ...

    def request_sync(self) -> None: ...


def client_app(app: Any) -> ClientApp:
    """``app`` as the client app; a `TypeError` for any other app (no host apps)."""
    if not hasattr(app, "services"):
        raise TypeError(f"{type(app).__name__} is not the client app (CespApp)")
    return cast(ClientApp, app)


def workspace_of(app: Any) -> Workspace | None:
    """The app's workspace, or None before login; opens the draft store on first use:
    call from a worker."""
    return client_app(app).workspace()


def maildir_of(app: Any) -> Path | None:
    """The embedded platform's Maildir (None with a shared platform)."""
    client = client_app(app)
    platform = client.platform
    if platform is None:
        return None
    path = platform.maildir_path
    if path is None:  # not started yet: where it will be
        path = Path(client.config.platform_dir) / "maildir"
    return path
