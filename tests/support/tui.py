"""The real client app for tests: `tui_app` builds `CespApp` from test services (ADR 0028).

* `tui_app(data_dir)`: a memory token store, the draft store of ``data_dir``, and a
  platform at a closed loopback port (the app shows "hors ligne"), or ``server_url`` (the
  real platform of ``tests/support/server.py``), or an embedded ``platform``.
* ``role`` / ``open_id``: once running, the app gets a session (the `LoggedIn` message the
  login screen posts) and shows its home screen, then the dossier ``open_id`` on ``tab``
  (`HomeScreen.open_dossier`, as the first login does). `run_app` runs the app and does
  that; `begun` wraps a snapshot's ``run_before`` the same way.

No test defines an `App` of its own to host the product's screens
(tests/tui/test_no_host_apps.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring.errors
from keyring.backend import KeyringBackend
from textual.app import App
from textual.message import Message
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea
from textual.worker import Worker

from cesp_client.api.client import ApiClient
from cesp_client.config import ClientConfig
from cesp_client.credentials import TokenStore
from cesp_client.embedded import EmbeddedPlatform
from cesp_client.services import ApiFactory, ClientServices
from cesp_client.session import Session, server_key_for
from cesp_client.store import DraftStore
from cesp_client.workspace import Workspace, load_snapshot
from cesp_tui.app import CespApp
from cesp_tui.messages import SyncRequested
from cesp_tui.screens.dossier.dossier import DossierScreen, OpensDossiers

__all__ = [
    "CLOSED_URL",
    "SERVER_KEY",
    "USERNAME",
    "MemoryKeyring",
    "begun",
    "dossier_screen_of",
    "fake",
    "freeze_cursors",
    "freeze_screen_cursors",
    "home_workspace",
    "new_local_dossier",
    "run_app",
    "settle_app",
    "settle_workers",
    "start",
    "sync_requests",
    "test_services",
    "tui_app",
    "until",
]

#: A loopback port nothing listens on (the discard port): the app is offline.
CLOSED_URL = "http://127.0.0.1:9"
#: The local stores' name of that platform (drafts made before the app starts use it).
SERVER_KEY = server_key_for(CLOSED_URL, embedded=False)
USERNAME = "jdurand"

#: Staff roles have no applicant démarche; these do.
_DEMARCHE = {"candidat": "cesp", "etablissement": "asp"}


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (tests and benches only)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError(username)
        del self.passwords[(service, username)]


def fake(api: ApiClient) -> ApiFactory:
    """``new_api`` giving ``api`` (a subclass of `ApiClient` answering some calls itself)
    as the app's client of the platform; the session's own clients (the sync engine's,
    with a token) are real ones."""
    return lambda url, token: api if token is None else ApiClient(url, token)


def test_services(
    data_dir: Path,
    *,
    server_url: str | None = CLOSED_URL,
    platform: EmbeddedPlatform | None = None,
    tokens: TokenStore | None = None,
    new_api: ApiFactory | None = None,
) -> ClientServices:
    """The app's services for a test: tokens in memory (unless ``tokens``), drafts in
    ``data_dir``."""
    config = ClientConfig(
        server_url=None if platform is not None else server_url, data_dir=data_dir
    )
    store = tokens if tokens is not None else TokenStore()  # tests: conftest's keyring
    return ClientServices(
        config=config,
        platform=platform,
        open_tokens=lambda: store,
        open_drafts=lambda: DraftStore(config.drafts_path),
        new_api=new_api or (lambda url, token: ApiClient(url, token)),
    )


@dataclass
class _Plan:
    """What `start` does once the app runs."""

    session: Session | None
    screens: tuple[Callable[[], Screen[Any]], ...] = ()
    open_id: str | None = None
    tab: str | None = None
    field: str | None = None
    campaigns: tuple[dict[str, Any], ...] = ()
    campaign_labels: tuple[tuple[int, str], ...] = ()
    done: bool = False


_PLANS: weakref.WeakKeyDictionary[App[Any], _Plan] = weakref.WeakKeyDictionary()


def tui_app(
    data_dir: Path,
    *,
    server_url: str | None = CLOSED_URL,
    platform: EmbeddedPlatform | None = None,
    tokens: TokenStore | None = None,
    new_api: ApiFactory | None = None,
    role: str | None = None,
    username: str = USERNAME,
    token: str = "",
    account: dict[str, Any] | None = None,
    open_id: str | None = None,
    tab: str | None = None,
    field: str | None = None,
    screen: Callable[[], Screen[Any]] | Sequence[Callable[[], Screen[Any]]] | None = None,
    campaigns: Sequence[dict[str, Any]] = (),
    campaign_labels: Mapping[int, str] | None = None,
    app_class: type[CespApp] = CespApp,
) -> CespApp:
    """The real app over test services. With ``role`` (or ``open_id``), `start` logs
    ``username`` in (``token``: a real one for a real platform) and opens ``open_id``;
    ``screen``: pushed once the app runs (an account screen over the login screen), or
    several, in order; ``campaigns``: windows the session already learnt from the
    platform (``Workspace.campaign_info`` and their labels, as "Mes demandes" keeps
    them), ``campaign_labels`` only labels, both before ``open_id`` opens."""
    services = test_services(
        data_dir, server_url=server_url, platform=platform, tokens=tokens, new_api=new_api
    )
    app = app_class(services)  # a bench's subclass may add probes, never screens
    screens: tuple[Callable[[], Screen[Any]], ...]
    if screen is None:
        screens = ()
    elif isinstance(screen, Sequence):
        screens = tuple(screen)
    else:
        screens = (screen,)
    if role is not None or open_id is not None:
        role = role or "candidat"
        url = server_url or CLOSED_URL
        details = {"username": username, "role": role, **(account or {})}
        session = Session(url, server_key_for(url, embedded=False), username, token, details)
        _PLANS[app] = _Plan(
            session,
            screens,
            open_id,
            tab,
            field,
            tuple(campaigns),
            tuple((campaign_labels or {}).items()),
        )
    elif screens:
        _PLANS[app] = _Plan(None, screens)
    return app


def freeze_cursors(app: App[Any]) -> None:
    """No blinking cursor on the current screen: screenshots are the same on every run."""
    freeze_screen_cursors(app.screen)


def freeze_screen_cursors(screen: Screen[Any]) -> None:
    """No blinking cursor on ``screen``."""
    for widget in screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


def dossier_screen_of(app: App[Any]) -> DossierScreen:
    """The dossier screen in front."""
    screen = app.screen
    assert isinstance(screen, DossierScreen), screen
    return screen


def new_local_dossier(data_dir: Path, demarche: str = "cesp", **kwargs: Any) -> str:
    """A new dossier of ``USERNAME`` in the draft store of ``data_dir``: its id."""
    store = DraftStore(data_dir / "drafts.db")
    try:
        return store.create_local(SERVER_KEY, USERNAME, demarche, 1, **kwargs).id
    finally:
        store.close()


async def start(app: App[Any], pilot: Pilot[Any], timeout: float = 30.0) -> None:
    """The app started, its platform known (or failed to start), then what `tui_app`
    planned: the session, the screens, the dossier open."""
    from cesp_tui.messages import LoggedIn
    from cesp_tui.screens.account.login import LoginScreen

    assert isinstance(app, CespApp)
    # The platform known (ready, or an embedded one that failed to start).
    await until(
        pilot,
        lambda: app.api is not None or app.platform_state == "failed",
        timeout,
        "(platform)",
    )
    await until(pilot, lambda: isinstance(app.screen, LoginScreen), timeout, "(login)")
    await settle_app(app, pilot, timeout)
    plan = _PLANS.get(app)
    if plan is None or plan.done:
        freeze_cursors(app)
        return
    plan.done = True
    if plan.session is not None:
        app.post_message(LoggedIn(plan.session))
        await until(pilot, lambda: app.session is plan.session, timeout, "(session)")
        await until(pilot, lambda: not isinstance(app.screen, LoginScreen), timeout, "(home)")
        await _engine_started(app, pilot)
        await settle_app(app, pilot, timeout)
        workspace = await _session_workspace(app)
        _WORKSPACES[app] = workspace
        workspace.campaign_labels.update(dict(plan.campaign_labels))
        for campaign in plan.campaigns:
            workspace.campaign_info[int(campaign["id"])] = dict(campaign)
            if campaign.get("label"):
                workspace.campaign_labels[int(campaign["id"])] = str(campaign["label"])
        reload = getattr(app.screen, "reload", None)  # "Mes demandes": lists them again
        if (plan.campaigns or plan.campaign_labels) and callable(reload):
            reload()
            await settle_app(app, pilot, timeout)
    for make in plan.screens:
        if make is LoginScreen and plan.session is None:
            continue  # the app's own login screen, in front already
        pushed = make()
        await app.push_screen(pushed)
        # (in the stack: the screen may have pushed a box of its own over it already)
        await until(
            pilot,
            lambda pushed=pushed: any(s is pushed for s in app.screen_stack),
            timeout,
            "(screen)",
        )
        await settle_app(app, pilot, timeout)
    if plan.open_id is not None:
        # What the login said (a dossier in conflict...) was read: the toasts go, as
        # they do before a user opens a dossier (they would stay under its boxes).
        app.clear_notifications()
        home = app.screen
        if isinstance(home, OpensDossiers):
            home.open_dossier(plan.open_id, tab=plan.tab, field=plan.field)
        else:  # a staff home opens platform dossiers only: the local one, as its owner's
            workspace = await _session_workspace(app)
            snapshot = await asyncio.to_thread(load_snapshot, workspace.store, plan.open_id)
            assert snapshot is not None, plan.open_id
            screen = DossierScreen(workspace, snapshot, tab=plan.tab, field=plan.field)
            await app.push_screen(screen)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), timeout, "(dossier)")
        await settle_app(app, pilot, timeout)
    freeze_cursors(app)


_WORKSPACES: weakref.WeakKeyDictionary[App[Any], Workspace] = weakref.WeakKeyDictionary()


async def _engine_started(app: CespApp, pilot: Pilot[Any], timeout: float = 10.0) -> None:
    """Until the session's sync engine has made its first contact (it has said the
    conflicts waiting in the store, counted the changes, and tried a pull first): what
    it says at login is then said before the test goes on, on every run. An engine that
    never gets an answer (no platform at all) is not waited for longer than ``timeout``."""
    with contextlib.suppress(AssertionError):
        await until(
            pilot,
            lambda: app.sync_engine is not None and app.sync_engine.online is not None,
            timeout,
        )


def home_workspace(app: App[Any]) -> Workspace:
    """The session's workspace (its home screen's, when it has one), once `start` has
    logged in: for a screen ``tui_app`` pushes over the home, e.g.
    ``screen=lambda: OnBehalfScreen(home_workspace(app))``."""
    workspace = _WORKSPACES.get(app)
    assert workspace is not None, "no session: log in first (tui_app(role=...))"
    return workspace


async def _session_workspace(app: CespApp) -> Workspace:
    """The workspace of the home screen in front (the one the dossiers it opens share),
    or the session's."""
    workspace = getattr(app.screen, "workspace", None)
    if not isinstance(workspace, Workspace):
        workspace = await asyncio.to_thread(app.workspace)
    assert workspace is not None, "no session"
    return workspace


_SYNC_REQUESTS: weakref.WeakKeyDictionary[App[Any], list[SyncRequested]] = (
    weakref.WeakKeyDictionary()
)


def sync_requests(app: App[Any]) -> int:
    """How many times a screen asked the app to sync (`SyncRequested`), under `run_app`."""
    return len(_SYNC_REQUESTS.get(app, []))


@contextlib.asynccontextmanager
async def run_app(
    app: App[Any], size: tuple[int, int] | None = (80, 24), **kwargs: Any
) -> AsyncIterator[Pilot[Any]]:
    """``app.run_test(size=size)``, then `start`; counts `SyncRequested` messages."""
    seen: list[SyncRequested] = []
    _SYNC_REQUESTS[app] = seen

    def hook(message: Message) -> None:
        if isinstance(message, SyncRequested):
            seen.append(message)

    async with app.run_test(size=size, message_hook=hook, **kwargs) as pilot:
        await start(app, pilot)
        yield pilot


def begun(
    run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A snapshot's ``run_before``: `start` first, then ``run_before``."""

    async def before(pilot: Pilot[Any]) -> None:
        await start(pilot.app, pilot)
        if run_before is not None:
            result = run_before(pilot)
            if result is not None:
                await result

    return before


# --- waiting, never sleeping ----------------------------------------------------------------


def not_sync(worker: Worker[Any]) -> bool:
    """True for the sync engine's worker, which runs for the app's whole life."""
    return worker.group == "sync"


async def settle_workers(
    app: App[Any],
    pilot: Pilot[Any],
    ignore: Callable[[Worker[Any]], bool] = not_sync,
    rounds: int = 50,
) -> None:
    """Wait until three rounds in a row find no worker busy (workers start workers); the
    sync engine's worker and those ``ignore`` picks are not waited for."""
    quiet = 0
    for _ in range(rounds):
        busy = [w for w in app.workers if not not_sync(w) and not ignore(w) and not w.is_finished]
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
