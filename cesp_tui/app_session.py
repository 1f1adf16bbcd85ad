"""The app's sessions: log in and out, restore the last session, run the sync engine, the
re-authentication modal, and the sync engine's news passed on to the screen in front.

`SessionMixin` is mixed into `CespApp` (``app.py`` stays small); its handlers are the
app's. Workers do the I/O (HTTP, keyring, the draft store) and post messages; the
handlers here change the state (``session``, ``api``, screens).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import TYPE_CHECKING, Any, cast

from textual.message import Message
from textual.worker import Worker

from cesp_client.api.errors import ApiError, Offline
from cesp_client.events import (
    ConnectionChanged,
    DossierSynced,
    DossierTransmitted,
    PendingCountChanged,
    SaveRefused,
    SessionExpired,
    SyncConflict,
    SyncEvent,
)
from cesp_client.session import (
    Session,
    last_user,
    remember_last_user,
    server_key_for,
)
from cesp_tui.messages import (
    CredentialsFallback,
    LoggedIn,
    LoggedOut,
    OpenFirstDossier,
    PlatformReady,
    SyncRequested,
    UploadCancelRequested,
)
from cesp_tui.workers import run_guarded

if TYPE_CHECKING:
    from textual.screen import Screen

    from cesp_client.api.client import ApiClient
    from cesp_client.sync import SyncEngine
    from cesp_tui.services import ClientApp

__all__ = [
    "ROLE_HOMES",
    "SessionMixin",
    "first_login_campaign",
    "home_screen_for",
    "open_session",
]

NO_CAMPAIGN = (
    "Aucune campagne « {title} » n'est ouverte pour le moment : vous pourrez déposer votre "
    "{noun} dès l'ouverture de la prochaine campagne (« Mes {noun}s », touche n)."
)


@dataclasses.dataclass
class _SessionRestored(Message):
    """The start-up look for a kept session is over (``username`` to prefill)."""

    username: str | None
    message: str | None = None


async def first_login_campaign(
    api: ApiClient, session: Session, has_local_dossiers: bool
) -> tuple[dict[str, Any] | None, str | None] | None:
    """On an applicant's first login (no dossier here nor on the server), the campaign
    to open a dossier in, or why there is none; None when it is not a first login."""
    demarche = session.applicant_demarche
    if demarche is None or has_local_dossiers:
        return None
    listed = await api.list_dossiers(limit=1)
    if listed["total"] > 0:
        return None
    from cesp_core.demarches import get_demarche

    campaigns = [c for c in await api.campaigns(demarche) if c.get("is_open")]
    if not campaigns:
        noun = "candidature" if demarche == "asp" else "demande"
        return None, NO_CAMPAIGN.format(title=get_demarche(demarche).short_title, noun=noun)
    campaigns.sort(key=lambda c: str(c.get("closes_at") or ""))
    return dict(campaigns[0]), None


async def open_session(app: ClientApp, api: ApiClient, identifier: str, password: str) -> LoggedIn:
    """Log in, and find out whether it is the applicant's first login; the password also
    unlocks the local drafts (encrypted at rest). Offline, the password opens the drafts
    kept on this machine, for a session that works offline until the platform answers.
    Raises `ApiError` or `Offline`; the login screen posts the answer to the app."""
    server_key = server_key_for(api.base_url, embedded=app.config.embedded)
    drafts = await asyncio.to_thread(lambda: app.drafts)
    try:
        answer = await api.login(identifier, password)
    except Offline:
        return await _open_offline(app, api, drafts, server_key, identifier, password)
    account = dict(answer["account"])
    session = Session(
        server_url=api.base_url,
        server_key=server_key,
        username=str(account.get("username") or identifier),
        token=answer["token"],
        account=account,
    )
    locked: str | None = None
    from cesp_client.store import keys

    try:
        await asyncio.to_thread(
            keys.unlock_with_password,
            drafts,
            app.tokens,
            (server_key, session.username),
            password,
            verified=True,
        )
    except keys.PasswordChanged:
        locked = "changed"
    except keys.KeyLost:
        locked = "restored"
    if locked is not None:  # the unlock modal comes first, then the home screen
        return LoggedIn(session, drafts_locked=locked, new_password=password)
    has_local = bool(await asyncio.to_thread(drafts.list, session.server_key, session.username))
    first = None
    try:
        first = await first_login_campaign(api, session, has_local)
    except (ApiError, Offline):  # the session is open all the same
        first = None
    campaign, reason = first if first is not None else (None, None)
    return LoggedIn(session, first_campaign=campaign, no_campaign=reason)


async def _open_offline(
    app: ClientApp, api: ApiClient, drafts: Any, server_key: str, identifier: str, password: str
) -> LoggedIn:
    """The platform does not answer: the password opens this machine's drafts (their
    wrapped key is the check), for an offline session without a token (the sync engine
    asks for the password again once the platform answers). Re-raises `Offline` when
    there are no drafts here for ``identifier``."""
    from cesp_client.store import keys
    from cesp_client.store.crypto import WrongPassword

    owner = (server_key, identifier)
    try:
        opened = await asyncio.to_thread(
            keys.unlock_with_password, drafts, app.tokens, owner, password, verified=False
        )
    except WrongPassword as error:
        raise ApiError(401, "drafts_locked", str(error)) from None
    if not opened:
        raise Offline("aucun brouillon de ce compte sur ce poste")
    session = Session(api.base_url, server_key, identifier, "", {"username": identifier})
    return LoggedIn(session, restored=True)


#: The first screen of each staff role, "module:Class" (imported on login); applicants
#: and roles not listed get "Mes demandes" (`HomeScreen`).
ROLE_HOMES: dict[str, str] = {
    "etablissement": "cesp_tui.screens.dossier.home:CandidaturesHomeScreen",
    "agent": "cesp_tui.screens.staff.agent_home:AgentHomeScreen",
    "instructeur": "cesp_tui.screens.staff.jury_home:JuryHomeScreen",
    "support": "cesp_tui.screens.staff.support_home:SupportHomeScreen",
}


def home_screen_for(role: str) -> Screen[Any]:
    """A new instance of the first screen after login for ``role``."""
    import importlib

    target = ROLE_HOMES.get(role)
    if target is None:
        from cesp_tui.screens.dossier.home import HomeScreen

        return HomeScreen()
    module_name, _, class_name = target.partition(":")
    screen_class = getattr(importlib.import_module(module_name), class_name)
    return cast("Screen[Any]", screen_class())


def _prefill(demarche: str, account: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the account already tells, as the server fills a new dossier with it."""
    if demarche == "cesp":
        values = {
            "civilite": account.get("civilite") if account.get("civilite") in ("M", "F") else None,
            "nom_naissance": account.get("nom"),
            "prenoms": account.get("prenom"),
            "date_naissance": account.get("date_naissance"),
        }
        return {"etat_civil": {k: v for k, v in values.items() if v}}
    if demarche == "asp":
        values = {
            "etab_recruteur_nom": account.get("etablissement_nom"),
            "etab_recruteur_finess": account.get("finess"),
        }
        return {"identification": {k: v for k, v in values.items() if v}}
    return {}


#: The "no keyring" notice as the status line says it (issue 13: once, in plain words,
#: in the status line, not a toast over the field being keyed).
KEYRING_NOTICE = "Session non mémorisée (pas de trousseau système)"
#: How long the status lines say it: the status line of each screen opened meanwhile
#: (the home screen, the first dossier opening on its own) takes it up for what is left.
KEYRING_NOTICE_SECONDS = 30.0


class SessionMixin:
    """Sessions and sync for `CespApp` (see the module's docstring)."""

    #: The logged-in user (None: logged out).
    session: Session | None
    #: The platform's client (None until the platform answers); it carries the token.
    api: ApiClient | None
    #: The sync engine of the session (None when logged out).
    sync_engine: SyncEngine | None
    #: Conflicts announced and not yet resolved, by (dossier id, tab).
    conflicts: dict[tuple[str, str], SyncConflict]
    #: What Ctrl+Q said about the changes not sent yet (printed on exit).
    quit_message: str | None

    def init_sessions(self) -> None:
        self.quit_message = None
        self.session = None
        self.api = None
        self.sync_engine = None
        self.conflicts = {}
        self._restore_done = False
        self._notice: tuple[str, float] | None = None

    @property
    def _app(self) -> Any:
        return self

    @property
    def server_key(self) -> str | None:
        app = self._app
        url = app.server_url
        if url is None:
            return None
        return server_key_for(url, embedded=app.config.embedded)

    # --- platform and start-up ---------------------------------------------------------

    def sessions_platform_ready(self, message: PlatformReady) -> None:
        """The platform answers at ``message.url``: a client for it, and the last session
        back if its token is still accepted."""

        if self.api is None or self.api.base_url != message.url.rstrip("/"):
            old = self.api
            self.api = self._app.services.new_api(message.url, None)
            if old is not None:
                run_guarded(
                    self._app,
                    old.aclose(),
                    "la fermeture de l'ancienne connexion",
                    group="api-close",
                )
        if self.session is None and not self._restore_done:
            run_guarded(
                self._app,
                self._restore(),
                "la reprise de la session précédente",
                group="session-restore",
                exclusive=True,
            )

    async def _restore(self) -> None:
        app = self._app
        key = self.server_key
        api = self.api
        if key is None or api is None:
            return
        username = await asyncio.to_thread(last_user, app.config.data_dir, key)
        if not username:
            app.post_message(_SessionRestored(None))
            return
        token = await asyncio.to_thread(app.tokens.load, key, username)
        notice = app.tokens.take_notice()
        if notice:
            app.post_message(CredentialsFallback(notice))
        if not token:
            app.post_message(_SessionRestored(username))
            return
        probe = app.services.new_api(api.base_url, token)
        try:
            account = await probe.me()
        except Offline:
            # Local-first: work offline with the kept session; the engine retries.
            session = Session(api.base_url, key, username, token, {"username": username})
            app.post_message(
                LoggedIn(session, restored=True, drafts_locked=await self._unlock(session))
            )
            return
        except ApiError:
            await asyncio.to_thread(app.tokens.delete, key, username)
            app.post_message(
                _SessionRestored(
                    username, "Votre session précédente a expiré : saisissez votre mot de passe."
                )
            )
            return
        finally:
            await probe.aclose()
        session = Session(api.base_url, key, str(account.get("username") or username), token)
        session.account = dict(account)
        app.post_message(
            LoggedIn(session, restored=True, drafts_locked=await self._unlock(session))
        )

    async def _unlock(self, session: Session) -> str | None:
        """A restored session opens its drafts with the key in the keyring; "restored"
        when it is not there (the unlock modal asks for the password)."""
        from cesp_client.store import keys

        app = self._app
        drafts = await asyncio.to_thread(lambda: app.drafts)
        owner = (session.server_key, session.username)
        opened = await asyncio.to_thread(keys.unlock_from_keyring, drafts, app.tokens, owner)
        return None if opened else "restored"

    def on__session_restored(self, message: _SessionRestored) -> None:
        self._restore_done = True
        from cesp_tui.screens.account.login import LoginScreen

        screen = self._app.screen
        if isinstance(screen, LoginScreen):
            current = screen.query_one("#identifier").value  # type: ignore[attr-defined]
            if not current and message.username:
                screen.prefill(message.username, message.message, "info")
            elif message.message:
                screen.show_banner(message.message, "info")

    def on_credentials_fallback(self, message: CredentialsFallback) -> None:
        """No keyring: said in the status line (`standing_notice`), not in a toast."""
        from cesp_tui.widgets.status_line import StatusLine

        self._notice = (KEYRING_NOTICE, time.monotonic() + KEYRING_NOTICE_SECONDS)
        for line in self._app.screen.query(StatusLine):
            line.show_standing_notice()

    def standing_notice(self) -> tuple[str, float] | None:
        """A notice the status lines say while it lasts: its text and the seconds left
        (None: nothing to say). It is said once: no screen opened after it ends says it."""
        if self._notice is None:
            return None
        text, until = self._notice
        left = until - time.monotonic()
        if left <= 0:
            self._notice = None
            return None
        return text, left

    # --- logging in and out ------------------------------------------------------------

    def on_logged_in(self, message: LoggedIn) -> None:
        app = self._app
        self._restore_done = True
        session = message.session
        if message.drafts_locked is not None:
            self._ask_unlock(message)
            return
        self.session = session
        if self.api is not None:
            self.api.token = session.token
        self.conflicts = {}
        run_guarded(
            app,
            self._keep_session(session),
            "l'enregistrement de la session",
            group="session-keep",
            exclusive=True,
        )
        self._start_sync(session)
        run_guarded(
            app,
            self._go_home(message),
            "l'ouverture de l'écran d'accueil",
            group="session-home",
            exclusive=True,
        )

    def _ask_unlock(self, message: LoggedIn) -> None:
        """The drafts stay locked: the unlock modal first, then the session goes on."""
        from cesp_tui.screens.account.unlock import UnlockModal

        session = message.session
        owner = (session.server_key, session.username)
        modal = UnlockModal(
            owner, message.drafts_locked or "restored", new_password=message.new_password
        )

        def unlocked(opened: bool | None) -> None:
            if opened:
                self._app.post_message(
                    dataclasses.replace(message, drafts_locked=None, new_password=None)
                )
            else:
                self._app.run_worker(self._logout(session), group="session-logout", exclusive=True)

        self._app.push_screen(modal, unlocked)

    async def _keep_session(self, session: Session) -> None:
        app = self._app
        await asyncio.to_thread(
            app.tokens.save, session.server_key, session.username, session.token
        )
        await asyncio.to_thread(
            remember_last_user, app.config.data_dir, session.server_key, session.username
        )
        notice = app.tokens.take_notice()
        if notice:
            app.post_message(CredentialsFallback(notice))

    async def _go_home(self, message: LoggedIn) -> None:
        from cesp_core.demarches import get_demarche

        app = self._app
        while len(app.screen_stack) > 1:  # the bottom one is Textual's blank default
            await app.pop_screen()
        session = message.session
        await app.push_screen(home_screen_for(session.role))
        if message.first_campaign is not None and session.applicant_demarche:
            campaign = message.first_campaign
            demarche_key = str(campaign.get("demarche") or session.applicant_demarche)
            demarche = get_demarche(demarche_key)
            drafts = await asyncio.to_thread(lambda: app.drafts)
            dossier = await asyncio.to_thread(
                drafts.create_local,
                session.server_key,
                session.username,
                demarche_key,
                int(campaign["id"]),
                data=_prefill(demarche_key, session.account),
            )
            tab = demarche.first_tab or demarche.tabs[0].key
            app.screen.post_message(
                OpenFirstDossier(dossier.id, demarche_key, int(campaign["id"]), tab)
            )
            if self.sync_engine is not None:
                self.sync_engine.wake()
        elif message.no_campaign:
            app.notify(message.no_campaign, title="Campagnes", severity="warning", timeout=20)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.session is not None
        return True

    async def action_quit(self) -> None:
        """Ctrl+Q: close the client; with changes not sent yet, say how many and that
        they leave at the next login (kept in ``quit_message``, printed on exit)."""
        app = self._app
        session = self.session
        waiting = 0
        if session is not None and "drafts" in app.__dict__:
            owner = (session.server_key, session.username)
            waiting = await asyncio.to_thread(app.drafts.unsent_count, owner)
        if waiting:
            changes = (
                "1 modification en attente sera envoyée"
                if waiting == 1
                else f"{waiting} modifications en attente seront envoyées"
            )
            self.quit_message = f"{changes} à votre prochaine connexion."
            app.exit(message=self.quit_message)
            return
        app.exit()

    def action_logout(self) -> None:
        """Ctrl+L: revoke the session on the server, forget its token here. With changes
        not sent yet, a question first (how many; they leave at the next login)."""
        if self.session is None:
            return
        run_guarded(
            self._app,
            self._ask_logout(self.session),
            "la déconnexion",
            group="session-logout-ask",
            exclusive=True,
        )

    async def _ask_logout(self, session: Session) -> None:
        from cesp_tui.screens.common.confirm import ConfirmModal

        app = self._app
        waiting = 0
        if "drafts" in app.__dict__:
            owner = (session.server_key, session.username)
            waiting = await asyncio.to_thread(app.drafts.unsent_count, owner)
        if not waiting:
            self._start_logout(session)
            return
        if waiting == 1:
            question = "1 modification n'est pas encore envoyée à la plateforme."
            detail = "Elle reste sur ce poste et sera envoyée à votre prochaine connexion."
        else:
            question = f"{waiting} modifications ne sont pas encore envoyées à la plateforme."
            detail = "Elles restent sur ce poste et seront envoyées à votre prochaine connexion."
        detail += "\nEntrée : se déconnecter · Échap : rester connecté."

        def answered(yes: bool | None) -> None:
            if yes and self.session is session:
                self._start_logout(session)

        app.push_screen(
            ConfirmModal(
                question,
                detail,
                yes="Se déconnecter",
                no="Rester connecté",
                default_yes=True,
                title="Se déconnecter ?",
            ),
            answered,
        )

    def _start_logout(self, session: Session) -> None:
        run_guarded(
            self._app,
            self._logout(session),
            "la déconnexion",
            group="session-logout",
            exclusive=True,
        )

    async def _logout(self, session: Session) -> None:
        app = self._app
        self._stop_sync()
        api = self.api
        if api is not None:
            api.token = session.token
            try:
                await api.logout()
            except (ApiError, Offline):
                api.token = None  # revoked or unreachable: forgotten here all the same
        await asyncio.to_thread(app.tokens.delete, session.server_key, session.username)
        from cesp_client.store import keys

        drafts = await asyncio.to_thread(lambda: app.drafts)
        owner = (session.server_key, session.username)
        waiting = await asyncio.to_thread(drafts.unsent_count, owner)  # locked or not
        await asyncio.to_thread(app.flush_drafts)  # what was typed is written before locking
        # The drafts lock again: the next session needs the password (or the keyring).
        await asyncio.to_thread(keys.lock, drafts, app.tokens, owner)
        text = "Vous êtes déconnecté."
        if waiting == 1:
            text += " 1 modification en attente sera envoyée à votre prochaine connexion."
        elif waiting > 1:
            text += (
                f" {waiting} modifications en attente seront envoyées à votre prochaine connexion."
            )
        app.post_message(LoggedOut(text))

    def on_logged_out(self, message: LoggedOut) -> None:
        from cesp_tui.screens.account.login import LoginScreen

        app = self._app
        username = self.session.username if self.session else None
        self.session = None
        self.conflicts = {}
        app.pending = 0
        while len(app.screen_stack) > 1:  # the bottom one is Textual's blank default
            app.pop_screen()
        app.push_screen(LoginScreen(username=username, banner=message.message, banner_kind="info"))

    # --- session expiry --------------------------------------------------------------------

    def _session_expired(self, message: SessionExpired) -> None:
        from cesp_tui.screens.account.reauth import ReauthModal

        app = self._app
        if self.session is None or isinstance(app.screen, ReauthModal):
            return
        app.push_screen(ReauthModal(self.session.username, message.detail), self._reauthed)

    def _reauthed(self, token: str | None) -> None:
        session = self.session
        if session is None:
            return
        if token is None:  # the user chose to log out (in the modal: no second question)
            self._start_logout(session)
            return
        session.token = token
        if self.api is not None:
            self.api.token = token
        if self.sync_engine is not None:
            self.sync_engine.resume(token)
        run_guarded(
            self._app,
            self._keep_session(session),
            "l'enregistrement de la session",
            group="session-keep",
            exclusive=True,
        )

    # --- the sync engine -------------------------------------------------------------------

    def _start_sync(self, session: Session) -> None:
        self._stop_sync()
        run_guarded(
            self._app,
            self._run_sync(session),
            "la synchronisation",
            group="sync",
            exclusive=True,
            name="sync",
        )

    def _stop_sync(self) -> None:
        if self.sync_engine is not None:
            self.sync_engine.stop()
            self.sync_engine = None
        self._app.workers.cancel_group(self._app, "sync")

    async def _run_sync(self, session: Session) -> None:
        from cesp_client.sync import SyncEngine

        app = self._app
        drafts = await asyncio.to_thread(lambda: app.drafts)
        client = app.services.new_api(session.server_url, session.token)
        engine = SyncEngine(
            drafts,
            client,
            server_key=session.server_key,
            username=session.username,
            post=self.receive_sync_event,
        )
        if session.applicant_demarche is None:
            # Staff read every dossier of the platform: the store keeps only those they
            # keyed themselves (an agent's paper dossiers; nothing for support or jury,
            # who read the platform's copy).
            engine.pull_params = {"created_by": "me"}
        self.sync_engine = engine
        try:
            await engine.run()
        finally:
            if self.sync_engine is engine:
                self.sync_engine = None
            await client.aclose()

    def request_sync(self) -> None:
        """Send what waits now (after a save, or to retry at once)."""
        if self.sync_engine is not None:
            self.sync_engine.wake()

    def on_upload_cancel_requested(self, message: UploadCancelRequested) -> None:
        """Échap on the pieces tab: the engine stops that upload (its news follows)."""
        if self.sync_engine is not None:
            self.sync_engine.cancel_upload(message.piece_id)

    def on_sync_requested(self, message: SyncRequested) -> None:
        if message.pull and self.sync_engine is not None:
            self.sync_engine.wake(pull=True)
            return
        self.request_sync()

    # --- the engine's news: the app's state first, then the `sync_news` signal ------------

    def receive_sync_event(self, event: SyncEvent) -> None:
        """The engine's ``post`` (called on the app's event loop): the app keeps its state
        (online, pending count, conflicts, the session's expiry), then publishes the
        event on `CespApp.sync_news`, which the screens that show dossiers follow."""
        app = self._app
        match event:
            case ConnectionChanged(online=online):
                app.online = online
            case PendingCountChanged(count=count):
                app.pending = count
            case SessionExpired():
                self._session_expired(event)
            case SaveRefused():
                detail = event.detail
                details = [p.message for p in event.problems if p.message != detail][:3]
                if details:
                    detail += "\n" + "\n".join(f"• {text}" for text in details)
                app.notify(detail, title="Refusé par la plateforme", severity="error", timeout=30)
            case SyncConflict():
                self.conflicts[(event.dossier_id, event.tab)] = event
            case DossierSynced(tab=tab) if tab is not None:
                self.conflicts.pop((event.dossier_id, tab), None)
            case DossierTransmitted():
                if event.receipt.get("demarche") == "asp" or event.numero.startswith("ASP-"):
                    app.notify(
                        f"Votre candidature n° {event.numero} est transmise : un accusé de "
                        "réception est envoyé à l'établissement recruteur.",
                        title="Candidature transmise",
                        timeout=15,
                    )
                else:
                    app.notify(
                        f"Votre demande n° {event.numero} est transmise : un e-mail de "
                        "confirmation vous est envoyé.",
                        title="Demande transmise",
                        timeout=15,
                    )
        app.sync_news.publish(event)

    # --- shutdown ---------------------------------------------------------------------------

    async def sessions_shutdown(self) -> None:
        if self.sync_engine is not None:
            self.sync_engine.stop()
        worker: Worker[Any]
        for worker in list(self._app.workers):
            if worker.group == "sync":
                worker.cancel()
        if self.api is not None:
            await self.api.aclose()
