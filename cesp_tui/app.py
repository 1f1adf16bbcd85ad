"""`CespApp`: the terminal client's application object (screens do the work)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from cesp_client.config import ClientConfig
from cesp_client.embedded import EmbeddedPlatform, EmbeddedStartError
from cesp_client.events import ConnectionChanged, SyncEvent
from cesp_client.services import ClientServices
from cesp_client.workspace import Workspace
from cesp_tui.app_session import SessionMixin
from cesp_tui.heap import CollectsWhenIdle
from cesp_tui.key_order import OrderedKeys
from cesp_tui.messages import DraftWriteFailed, PlatformFailed, PlatformReady, WorkerFailed
from cesp_tui.palette import SinglePalette
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.textual_compat import alt_digits_as_keys, keep_non_breaking_spaces
from cesp_tui.workers import work

if TYPE_CHECKING:  # imported on first use: the first screen shows sooner
    from cesp_client.credentials import TokenStore
    from cesp_client.store import DraftStore, DraftWriter

HEALTH_PATH = "/api/v1/health"


class CespApp(
    SinglePalette, OrderedKeys, CollectsWhenIdle, SessionMixin, App[None], inherit_bindings=False
):
    """Holds the configuration, the platform connection state and the local store;
    sessions and the sync engine come from `SessionMixin` (``app_session.py``).

    Textual's own app bindings (English "Quit", Ctrl+C's hint) are not inherited: the
    same keys are declared here in French."""

    CSS_PATH = "app.tcss"
    TITLE = "CESP"
    SUB_TITLE = "Dossiers de candidature"

    BINDINGS: ClassVar[list[BindingType]] = [
        # Shown in F1 and the palette, not in the footers: at 80 columns they need the room.
        Binding("ctrl+q", "quit", "Quitter", id="app.quit", priority=True, show=False),
        Binding("ctrl+c", "help_quit", "Quitter ?", show=False, system=True, id="app.help_quit"),
        Binding("f1", "help", "Aide", show=False, id="app.help"),  # named by the status line
        Binding(
            "ctrl+p",
            "command_palette",
            "Commandes",
            id="app.command_palette",
            priority=True,
            show=False,  # the footer shows it once, at its right end
        ),
        Binding("ctrl+l", "logout", "Se déconnecter", show=False, id="app.logout"),  # palette, F1
        # One meaning on every screen, logged in or not (ADR 0026).
        Binding("f4", "mailbox", "Boîte aux lettres locale", show=False, id="app.mailbox"),
    ]

    #: "starting", "ready" or "failed".
    platform_state: reactive[str] = reactive("starting")
    #: The platform's base URL once known.
    server_url: reactive[str | None] = reactive(None)
    #: Whether the platform answered last time we asked (None: not known yet).
    online: reactive[bool | None] = reactive(None)
    #: Why the embedded platform did not start (French).
    platform_error: reactive[str | None] = reactive(None)
    #: Changes of the session's account that wait for the server.
    pending: reactive[int] = reactive(0)

    def __init__(self, services: ClientServices) -> None:
        """The only way to build the app: the product's services come from
        `ClientServices.from_config`, the tests' from ``tests/support/tui.py``."""
        super().__init__()
        #: What the app reads from outside (ADR 0028).
        self.services: ClientServices = services
        alt_digits_as_keys()  # Alt+1…7 change tab in xterm/tmux too (textual_compat)
        keep_non_breaking_spaces()  # no line break inside « » or before ":" (same)
        #: The sync engine's news (`cesp_client.events`), published once the app has
        #: taken what it keeps (`SessionMixin.receive_sync_event`); screens subscribe.
        self.sync_news: Signal[SyncEvent] = Signal(self, "sync-news")
        self.init_sessions()
        self._indexes_warming = False
        self.config: ClientConfig = services.config
        self.platform: EmbeddedPlatform | None = services.platform

    def on_mount(self) -> None:
        # The user's keys (client.toml [keymap], ADR 0026): footer, palette, F1 follow.
        if self.config.keymap:
            self.set_keymap(dict(self.config.keymap))
        # Pushed rather than the default screen: Textual reads a screen's CSS_PATH on push.
        self.push_screen(LoginScreen())
        self.start_idle_collection()  # full GC in the user's pauses (cesp_tui.heap)
        # The first screen first: the platform's start (about 1.5 s of imports) and the
        # lists' indexes (0.4 s) would share the interpreter with its first paint; they
        # start once it is painted, the indexes once the platform answers (bench_tui_startup.py).
        self.call_after_refresh(self.start_background)

    def start_background(self) -> None:
        """What the client needs soon but not for its first paint."""
        if self.platform is not None:
            self.start_platform()  # then the indexes (`on_platform_ready` / `_failed`)
        else:
            assert self.config.server_url is not None
            self.post_message(PlatformReady(self.config.server_url, embedded=False))

    async def on_unmount(self) -> None:
        self.stop_idle_collection()
        await self.sessions_shutdown()
        if "draft_writer" in self.__dict__:
            await asyncio.to_thread(self.draft_writer.close)
        if self.platform is not None:
            await asyncio.to_thread(self.platform.stop)

    # --- local store ---------------------------------------------------------------------

    @cached_property
    def tokens(self) -> TokenStore:
        """Session tokens (system keyring, or memory only); its calls block: use workers."""
        return self.services.open_tokens()

    @cached_property
    def drafts(self) -> DraftStore:
        """The local draft store (opened on first use, from a worker ideally)."""
        return self.services.open_drafts()

    @cached_property
    def draft_writer(self) -> DraftWriter:
        """Writes field changes in order, off the UI thread."""
        from cesp_client.store import DraftWriter

        def failed(error: BaseException) -> None:
            self.post_message(DraftWriteFailed(f"Saisie non enregistrée sur ce poste : {error}"))

        return DraftWriter(self.drafts, on_error=failed)

    def flush_drafts(self, timeout: float = 5.0) -> bool:
        """Wait until what was typed is in the draft store (blocks: call from a worker);
        False on timeout."""
        if "draft_writer" not in self.__dict__:  # nothing typed yet
            return True
        return self.draft_writer.flush(timeout)

    def workspace(self) -> Workspace | None:
        """The logged-in user's local side (None before login). Opens the draft store on
        first use: call from a worker."""
        session = self.session
        if session is None:
            return None
        return Workspace(
            store=self.drafts,
            writer=self.draft_writer,
            server_key=session.server_key,
            username=session.username,
            role=session.role or "candidat",
            applicant_demarche=session.applicant_demarche,
            api=self.api,
        )

    # --- workers: they post messages, handlers change state ------------------------------

    @work(thread=True, group="startup", description="la préparation des listes")
    def warm_indexes(self) -> None:
        """Build the department/commune/country indexes before the first keystroke, then
        take them (and the rest of the start-up heap) out of the collector's sight."""
        from cesp_tui.heap import freeze_startup_heap
        from cesp_tui.widgets.filter_select import warm_indexes

        warm_indexes()
        freeze_startup_heap()

    @work(
        thread=True,
        exclusive=True,
        group="platform",
        description="le démarrage de la plateforme locale",
    )
    def start_platform(self) -> None:
        assert self.platform is not None
        try:
            url = self.platform.start(self.config.platform_dir)
        except EmbeddedStartError as error:
            self.post_message(PlatformFailed(str(error)))
            return
        self.post_message(PlatformReady(url, embedded=True, maildir=self.platform.maildir_path))

    @work(
        thread=True, exclusive=True, group="health", description="la vérification de la connexion"
    )
    def check_platform(self, url: str) -> None:
        import httpx

        try:
            response = httpx.get(url + HEALTH_PATH, timeout=5.0)
            online = response.status_code == 200
        except httpx.HTTPError:
            online = False
        self.call_from_thread(self.receive_sync_event, ConnectionChanged(online))
        # The lists' indexes once the platform has answered (they would slow its answer).
        self.call_from_thread(self._warm_indexes_once)

    def on_platform_ready(self, message: PlatformReady) -> None:
        self.server_url = message.url
        self.platform_state = "ready"
        self.platform_error = None
        self.check_platform(message.url)
        self.sessions_platform_ready(message)

    def on_platform_failed(self, message: PlatformFailed) -> None:
        self.platform_state = "failed"
        self.platform_error = message.reason
        self.online = False
        self.notify(message.reason, title="Plateforme locale", severity="error", timeout=15)
        self._warm_indexes_once()

    def _warm_indexes_once(self) -> None:
        if not self._indexes_warming:
            self._indexes_warming = True
            self.warm_indexes()

    def action_help_quit(self) -> None:
        """Ctrl+C copies in a text field; elsewhere, say in French how to quit."""
        self.notify("Ctrl+Q pour quitter le client (les brouillons restent).", title="Quitter ?")

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """Any worker's unexpected failure (`cesp_tui.workers`): said once, in French; the
        client keeps running and what was typed stays in the draft store."""
        self.notify(
            f"Échec de {message.what} ({message.error}). Le client reste ouvert ; vos "
            "saisies sont conservées sur ce poste. Réessayez, ou signalez-le au support.",
            title="Erreur inattendue",
            severity="error",
            timeout=20,
        )

    def on_draft_write_failed(self, message: DraftWriteFailed) -> None:
        self.notify(message.message, title="Brouillon", severity="error", timeout=15)

    # --- actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        """F1: show or hide the keys (in French: `cesp_tui.widgets.keys_help`)."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_show_help_panel(self) -> None:
        """Textual's help panel, its key table in French (`CespHelpPanel`)."""
        from cesp_tui.widgets.keys_help import CespHelpPanel

        if not self.screen.query("HelpPanel"):
            self.screen.mount(CespHelpPanel())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "mailbox":
            from cesp_tui.screens.account.account_base import mailbox_path

            # Asked for every footer, the first one included: the mailbox's module (and
            # the HTTP client it imports, 0.1 s) is loaded when the mailbox first opens.
            opened = sys.modules.get("cesp_tui.screens.account.mailbox")
            if opened is not None and isinstance(self.screen, opened.MailboxScreen):
                return False
            return mailbox_path(self) is not None
        return super().check_action(action, parameters)

    def action_mailbox(self) -> None:
        """F4: the embedded platform's local mailbox, from any screen."""
        from cesp_tui.screens.account.account_base import mailbox_path
        from cesp_tui.screens.account.mailbox import MailboxScreen

        path = mailbox_path(self)
        if path is not None and not isinstance(self.screen, MailboxScreen):
            self.push_screen(MailboxScreen(path))

    def get_key_display(self, binding: Binding) -> str:
        """Textual's key display, but the dossier's tab keys named with the screen's
        number of tabs ("Alt+1…6" on an ASP candidature, not CESP's "Alt+1…7")."""
        if binding.id == "dossier.tab_1":
            from cesp_tui.widgets.tab_header import NumberedTabs, tab_keys_display

            if isinstance(self.screen, NumberedTabs):
                return tab_keys_display(self.screen.tab_count)
        return super().get_key_display(binding)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Aide", "Afficher ou masquer les touches et l'aide", self.action_help)
        yield SystemCommand(
            "Thème", "Changer les couleurs de l'interface", self.action_change_theme
        )
        yield SystemCommand(
            "Capture d'écran",
            "Enregistrer une image SVG de l'écran (pour le support)",
            lambda: self.set_timer(0.1, self.deliver_screenshot),
        )
        if self.check_action("mailbox", ()):
            yield SystemCommand(
                "Boîte aux lettres locale (F4)",
                "Les e-mails de la plateforme locale : codes et liens",
                self.action_mailbox,
            )
        if self.session is not None:
            yield SystemCommand(
                "Se déconnecter (Ctrl+L)", "Fermer la session sur ce poste", self.action_logout
            )
        yield SystemCommand(
            "Quitter", "Fermer le client (les brouillons restent)", self.action_quit
        )
        yield from self.screen_key_commands(screen)

    def screen_key_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action the screen's footer offers now (Mes demandes, Enregistrer,
        Transmettre, Nouvelle demande…), in French with its key: the palette lists every
        action, not only the app's (issue 13). The app's own keys are listed above, the
        tabs by the dossier's provider (`cesp_tui.commands`)."""
        from functools import partial

        from cesp_tui.widgets.keys_help import french_description

        seen: set[str] = set()
        for node, binding, enabled, _tooltip in screen.active_bindings.values():
            if node is self or binding.system or not binding.show or not enabled:
                continue
            if binding.action.startswith("goto("):
                continue  # "Onglet N : …" (DossierCommands)
            description = french_description(node, binding)
            if description and description == binding.description and binding.tooltip:
                description = binding.tooltip  # the footer's short word, named in full
            if not description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.get_key_display(binding)
            yield SystemCommand(
                f"{description} ({key})",
                "Action de l'écran",
                partial(self.run_action, binding.action, node),
            )
