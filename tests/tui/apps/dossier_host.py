"""A small app hosting "Mes demandes" and the dossier screens over a draft store of its own
(no login, no sync engine), for Pilot tests and snapshots of the pure UI parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.signal import Signal
from textual.widgets import Input, TextArea

from cesp_client.store import DraftStore, DraftWriter
from cesp_client.workspace import Workspace
from cesp_tui.heap import CollectsWhenIdle
from cesp_tui.key_order import OrderedKeys
from cesp_tui.palette import SinglePalette
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen

SERVER_KEY = "local"
USERNAME = "jdurand"


def freeze_cursors(app: App[Any]) -> None:
    """No blinking cursor anywhere on the current screen (stable screenshots)."""
    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


class DossierHostApp(SinglePalette, OrderedKeys, CollectsWhenIdle, App[None]):
    """Starts on "Mes demandes" (``open_id``: then opens that dossier on ``tab``)."""

    CSS = "Screen { layout: vertical; }"

    def __init__(
        self,
        data_dir: Path,
        *,
        role: str = "candidat",
        api: Any = None,
        open_id: str | None = None,
        tab: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__()
        self.store = DraftStore(data_dir / "drafts.db")
        self.writer = DraftWriter(self.store)
        self.workspace = Workspace(
            store=self.store,
            writer=self.writer,
            server_key=SERVER_KEY,
            username=USERNAME,
            role=role,
            applicant_demarche="cesp" if role == "candidat" else None,
            api=api,
        )
        self.open_id = open_id
        self.tab = tab
        self.field = field
        self.sync_requests = 0
        # As `CespApp`: the sync engine's news on a public signal the screens follow.
        self.sync_news: Signal[Any] = Signal(self, "sync-news")
        self.online: bool | None = None
        self.pending = 0

    def on_mount(self) -> None:
        self.start_idle_collection()  # as the client does (cesp_tui.heap)
        home = HomeScreen(self.workspace)
        self.push_screen(home)
        if self.open_id is not None:
            home.open_dossier(self.open_id, tab=self.tab, field=self.field)

    def on_sync_requested(self) -> None:
        self.sync_requests += 1

    async def on_unmount(self) -> None:
        self.stop_idle_collection()
        self.writer.close()
        self.store.close()

    @property
    def dossier_screen(self) -> DossierScreen:
        screen = self.screen
        assert isinstance(screen, DossierScreen), screen
        return screen


class SyncedHostApp(DossierHostApp):
    """The same screens with the real sync engine and API client, talking to a platform
    on loopback. Like the client's app: the engine's news is published on
    ``sync_news`` and `SyncRequested` wakes the engine."""

    def __init__(
        self,
        data_dir: Path,
        server_url: str,
        token: str,
        username: str,
        *,
        open_id: str | None = None,
        tab: str | None = None,
    ) -> None:
        from cesp_client.api import ApiClient

        api = ApiClient(server_url, token)
        super().__init__(data_dir, api=api, open_id=open_id, tab=tab)
        self.workspace.username = username
        self.api = api
        self.engine: Any = None
        self.received: list[Any] = []

    def on_mount(self) -> None:
        from cesp_client.sync import SyncEngine

        self.engine = SyncEngine(
            self.store,
            self.api,
            server_key=SERVER_KEY,
            username=self.workspace.username,
            post=self.receive,
            poll_interval=0.2,
        )
        self.run_worker(self.engine.run(), group="sync", name="sync-engine")
        # (Textual calls DossierHostApp.on_mount too: it pushes "Mes demandes".)

    def on_sync_requested(self) -> None:  # (the base class's handler counts it)
        if self.engine is not None:
            self.engine.wake()

    def receive(self, event: Any) -> None:
        """The engine's ``post``: kept for the tests' asserts, then published."""
        self.received.append(event)
        self.sync_news.publish(event)

    async def on_unmount(self) -> None:
        if self.engine is not None:
            self.engine.stop()
        await self.api.aclose()
        # (Textual calls DossierHostApp.on_unmount too: it closes the store.)


def empty_dossier_app(
    data_dir: Path, tab: str = "etat_civil", field: str | None = None
) -> DossierHostApp:
    """The host app opening a new, empty CESP dossier of its own store on ``tab``."""
    store = DraftStore(data_dir / "drafts.db")
    dossier_id = store.create_local(SERVER_KEY, USERNAME, "cesp", 1).id
    store.close()
    return DossierHostApp(data_dir, open_id=dossier_id, tab=tab, field=field)
