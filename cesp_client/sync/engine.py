"""The sync engine: moves what waits in the draft store to the server, and back.

It runs in an async worker of the app (`SyncEngine.run`) and never touches a widget: it
calls ``post`` with the events of `cesp_client.events` (plain dataclasses; the Textual shell
publishes them on the app's ``sync_news`` signal).

- Operations (`PendingOp`) are sent in order per dossier: ``create`` (POST with the
  client's UUID), ``save_tab`` (PUT with ``If-Match`` and the values saved),
  ``upload`` / ``delete_piece``, ``transmit`` (with the op's idempotency key), ``delete``.
  Success: ``op_done`` with the server's version and copy.
- 412 (someone else changed the dossier): the server's copy is fetched and compared tab by
  tab with the copy this client last had (three-way): a tab the server did not change is
  simply re-sent with the new version; a tab changed on both sides, differently, is parked
  and `SyncConflict` posted (never overwritten silently); `resolve_conflict` (the merge
  screen) unparks it.
- No answer: offline; `ConnectionChanged(False)`, then the platform is probed with an
  exponential backoff with jitter (1 s doubling up to 60 s; `wake` probes at once) until it
  answers again.
- 401 (session expired or revoked): the engine pauses and posts `SessionExpired`; `resume`
  with the new token carries on. Nothing local is lost.
- A definitive refusal (422, 409, 403, 404, 413, 415): `SaveRefused`, loud; the op is
  dropped (the tab is dirty again: "Enregistrer" resends it once corrected) or, for a
  creation, parked.
- 5xx and 429: retried later (the store's backoff, or ``Retry-After``).
- `pull` brings the account's dossiers from the server: new ones, and newer server
  copies of the tabs that have no local change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from cesp_client.api.client import ApiClient, Dossier
from cesp_client.api.errors import ApiError, Offline
from cesp_client.events import (
    ConnectionChanged,
    DossiersPulled,
    DossierSynced,
    DossierTransmitted,
    PendingCountChanged,
    SaveRefused,
    SessionExpired,
    SyncConflict,
    SyncEvent,
    SyncFailed,
    SyncProgress,
    UploadCancelled,
    UploadProgress,
)
from cesp_client.store import DraftStore, LocalDossier, OpKind, PendingOp, PieceState
from cesp_client.store.models import utcnow
from cesp_core.demarches import get_demarche
from cesp_core.demarches.model import TabKind
from cesp_core.problems import Problem

from . import local
from .three_way import three_way

__all__ = ["SyncEngine", "reconnect_delay"]

log = logging.getLogger("cesp_client.sync")

P = ParamSpec("P")
T = TypeVar("T")

RECONNECT_BASE_SECONDS = 1.0
HEALTH_INTERVAL_SECONDS = 5.0
RECONNECT_MAX_SECONDS = 60.0
#: A pass with at least this many changes to send reports its progress (`SyncProgress`).
PROGRESS_MIN_OPS = 3


def reconnect_delay(attempt: int, *, base: float = 1.0, cap: float = 60.0) -> float:
    """1 s, 2 s, 4 s ... capped, each drawn in [50 %, 100 %] of it (clients never retry
    in step after a platform restart)."""
    ceiling = min(cap, base * 2 ** max(attempt, 0))
    return random.uniform(ceiling / 2, ceiling)


class _Paused(Exception):
    """The session expired while sending: stop this pass."""


class _WentOffline(Exception):
    """The platform stopped answering while sending: stop this pass."""


def _values(data: Mapping[str, Any] | None, tab: str) -> dict[str, Any]:
    return dict((data or {}).get(tab) or {})


class SyncEngine:
    """Sends one account's queued operations; see the module's docstring."""

    def __init__(
        self,
        store: DraftStore,
        client: ApiClient,
        *,
        server_key: str,
        username: str,
        post: Callable[[SyncEvent], object],
        poll_interval: float = 1.0,
        pull_interval: float = 300.0,
        health_interval: float = HEALTH_INTERVAL_SECONDS,
        reconnect_base: float = RECONNECT_BASE_SECONDS,
        reconnect_max: float = RECONNECT_MAX_SECONDS,
    ) -> None:
        self.store = store
        self.client = client
        self.server_key = server_key
        self.username = username
        self.post = post
        self.poll_interval = poll_interval
        self.pull_interval = pull_interval
        #: Idle with nothing to send: the platform is probed this often, so going
        #: offline is noticed within seconds.
        self.health_interval = health_interval
        self._last_contact: float | None = None
        self._pull_asked = False
        self.reconnect_base = reconnect_base
        self.reconnect_max = reconnect_max
        #: True / False once known; None before the first answer.
        self.online: bool | None = None
        #: Waiting for a new login (`resume`).
        self.paused = False
        self._wake = asyncio.Event()
        self._resumed = asyncio.Event()
        self._resumed.set()
        self._stopped = False
        self._pending: int | None = None
        self._reconnect_attempts = 0
        self._last_pull: float | None = None
        self._loop_running = False
        #: Extra filters of the pull's ``GET /dossiers`` (an agent: ``created_by=me``,
        #: not every dossier of the platform).
        self.pull_params: dict[str, str] = {}
        #: Uploads in flight, by piece id (`cancel_upload`), and those the user stopped.
        self._uploads: dict[str, asyncio.Task[Any]] = {}
        self._cancelled_uploads: set[str] = set()

    # --- control (from the app, on the event loop) -------------------------------------

    def wake(self, *, pull: bool = False) -> None:
        """Something was queued, or the user asks to retry: do not wait for the next poll.
        ``pull`` ("Actualiser"): also fetch the platform's copies after sending."""
        if pull:
            self._pull_asked = True
        # Something may have been queued meanwhile and a screen counted it: the next
        # count is said even if it equals the last one said (the status line's number is
        # the store's, ADR 0031).
        self._pending = None
        self._wake.set()

    def resume(self, token: str) -> None:
        """A new login after `SessionExpired`: carry on with ``token``."""
        self.client.token = token
        self.paused = False
        self._resumed.set()
        self._wake.set()

    def cancel_upload(self, piece_id: str) -> bool:
        """Stop the upload of ``piece_id`` now (the user's "Annuler l'envoi"): the body
        stops mid-way, so the platform keeps nothing of it, and the piece is withdrawn
        from the dossier (`UploadCancelled`). False when it is not being sent."""
        task = self._uploads.get(piece_id)
        if task is None or task.done():
            return False
        self._cancelled_uploads.add(piece_id)
        task.cancel()
        return True

    @property
    def uploading(self) -> list[str]:
        """The pieces being sent now."""
        return [key for key, task in self._uploads.items() if not task.done()]

    def stop(self) -> None:
        self._stopped = True
        self._resumed.set()
        self._wake.set()

    # --- helpers -------------------------------------------------------------------------

    async def _db(self, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A store call, off the event loop (SQLite may wait on a lock)."""
        return await asyncio.to_thread(func, *args, **kwargs)

    def _emit(self, message: SyncEvent) -> None:
        self.post(message)

    async def _count_pending(self) -> None:
        count = await self._db(local.pending_count, self.store, self.server_key, self.username)
        if count != self._pending:
            self._pending = count
            self._emit(PendingCountChanged(count))

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._emit(ConnectionChanged(online))
        if online:
            self._reconnect_attempts = 0

    async def _call(self, func: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """An API call: `Offline` → offline; 401 → paused, `SessionExpired`."""
        try:
            result = await func(*args, **kwargs)
        except Offline as error:
            self._set_online(False)
            raise _WentOffline(error.reason) from error
        except ApiError as error:
            self._set_online(True)
            self._touch()
            if error.auth_expired:
                if not self.paused:
                    self.paused = True
                    self._resumed.clear()
                    self._emit(SessionExpired(error.detail))
                raise _Paused(error.detail) from error
            raise
        self._set_online(True)
        self._touch()
        return result

    def _touch(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._last_contact = asyncio.get_running_loop().time()

    # --- the loop --------------------------------------------------------------------------

    async def run(self) -> None:
        """Run until `stop` (or the worker is cancelled)."""
        self._loop_running = True
        try:
            await self.announce_parked()
            await self._count_pending()
            await self.pull_quietly()
            while not self._stopped:
                if self.paused:
                    await self._resumed.wait()
                    if self._stopped:
                        break
                    await self.pull_quietly()
                    continue
                if self.online is False:
                    await self._reconnect()
                    continue
                await self.run_once()
                if self._pull_asked and not (self.paused or self.online is False):
                    self._pull_asked = False
                    await self.pull_quietly()
                if self.paused or self.online is False or self._stopped:
                    continue
                await self._idle()
        finally:
            self._loop_running = False

    async def _idle(self) -> None:
        """Sleep until the next op is due, a `wake`, or the poll interval (the screens
        write the store directly: polling finds what they queued)."""
        timeout = self.poll_interval
        due = await self._db(local.next_due, self.store, self.server_key, self.username)
        if due is not None:
            timeout = max(0.0, min(timeout, (due - utcnow()).total_seconds()))
        loop = asyncio.get_running_loop()
        if self._last_pull is not None and loop.time() - self._last_pull >= self.pull_interval:
            await self.pull_quietly()
        elif self._last_contact is None or loop.time() - self._last_contact >= (
            self.health_interval
        ):
            await self._probe()
            if self.online is False:
                return
        await self._wait_wake(timeout)

    async def _probe(self) -> None:
        """A light health check when idle: offline is noticed with nothing to send."""
        try:
            await self._call(self.client.health)
        except (_WentOffline, _Paused):
            pass
        except ApiError as error:
            log.debug("sync: health probe answered %s", error.status)

    async def _wait_wake(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)
        self._wake.clear()

    async def _reconnect(self) -> None:
        """Offline: wait (backoff with jitter, or a `wake`), then ask the platform."""
        delay = reconnect_delay(
            self._reconnect_attempts, base=self.reconnect_base, cap=self.reconnect_max
        )
        self._reconnect_attempts += 1
        await self._wait_wake(delay)
        if self._stopped:
            return
        try:
            await self.client.health()
        except (Offline, ApiError):
            await self._count_pending()
            return
        self._set_online(True)
        await self.pull_quietly()

    async def run_once(self, *, limit: int = 1000) -> int:
        """Send every operation due now (in order per dossier); returns how many were
        handled. Stops early when offline or paused."""
        handled = 0
        folded = await self._db(
            local.fold_into_conflicts, self.store, self.server_key, self.username
        )
        for op in folded:
            await self._announce(op)
        total = 0
        shown = False
        try:
            while handled < limit and not self._stopped:
                ops = await self._db(local.due_ops, self.store, self.server_key, self.username)
                if not ops:
                    break
                waiting = await self._db(
                    local.sendable_count, self.store, self.server_key, self.username
                )
                total = max(total, handled + max(waiting, len(ops)))
                shown = shown or total >= PROGRESS_MIN_OPS
                for op in ops:
                    if shown:
                        self._emit(SyncProgress(handled, total))
                    await self._process(op)
                    handled += 1
        except (_Paused, _WentOffline):
            pass
        finally:
            if shown:
                self._emit(SyncProgress(handled, max(total, handled), active=False))
            await self._count_pending()
        return handled

    # --- one operation ----------------------------------------------------------------

    async def _process(self, op: PendingOp) -> None:
        assert op.id is not None
        dossier = await self._db(self.store.op_start, op.id, op.dossier_id)
        if dossier is None:  # deleted meanwhile: the op was dropped
            return
        try:
            handler = {
                OpKind.CREATE: self._create,
                OpKind.SAVE_TAB: self._save_tab,
                OpKind.UPLOAD: self._upload,
                OpKind.DELETE_PIECE: self._delete_piece,
                OpKind.TRANSMIT: self._transmit,
                OpKind.DELETE: self._delete,
            }[OpKind(op.kind)]
            await handler(op, dossier)
        except (_Paused, _WentOffline) as stop:
            await self._db(self.store.op_failed, op.id, str(stop), timedelta(0))
            raise
        except ApiError as error:
            await self._refused_or_retry(op, dossier, error)
        except asyncio.CancelledError:
            await asyncio.shield(self._db(self.store.op_failed, op.id, "annulé", timedelta(0)))
            raise
        except Exception as error:  # a bug must not stop the queue: retry later, say it
            log.exception("sync: %s of %s failed", op.kind, op.dossier_id)
            await self._db(self.store.op_failed, op.id, f"{type(error).__name__}: {error}")
            self._emit(
                SyncFailed(f"Envoi impossible ({type(error).__name__}) : nouvel essai plus tard.")
            )

    async def _refused_or_retry(
        self, op: PendingOp, dossier: LocalDossier, error: ApiError
    ) -> None:
        assert op.id is not None
        if error.transient:
            backoff = error.retry_after
            await self._db(
                self.store.op_failed,
                op.id,
                f"{error.status} {error.code}",
                timedelta(seconds=backoff) if backoff is not None else None,
            )
            self._emit(SyncFailed(error.detail, dossier.id))
            return
        if error.status == 412 and op.kind == OpKind.SAVE_TAB:
            await self._db(self.store.op_failed, op.id, "412", timedelta(0))
            await self._reconcile(dossier.id)
            return
        # A definitive refusal.
        tab = op.tab
        if op.kind == OpKind.CREATE:
            await self._db(local.park_op, self.store, op.id, f"{local.REFUSED}: {error.detail}")
        else:
            await self._db(local.drop_op, self.store, op.id)
        if op.kind == OpKind.SAVE_TAB and tab:
            await self._db(local.mark_tab_dirty, self.store, dossier.id, tab)
        if op.kind == OpKind.UPLOAD:
            tab = self._pieces_tab(dossier)
            piece_id = str(op.payload.get("piece_id") or "")
            if await self._db(local.piece, self.store, piece_id) is not None:
                await self._db(
                    self.store.set_piece_state, piece_id, PieceState.REFUSED, error=error.detail
                )
        if error.status in (409, 412) and op.kind != OpKind.CREATE:
            await self._refresh_quietly(dossier.id)
        self._emit(SaveRefused(dossier.id, tab, error.detail, error.problems, kind=op.kind))

    @staticmethod
    def _pieces_tab(dossier: LocalDossier) -> str | None:
        try:
            demarche = get_demarche(dossier.demarche)
        except (KeyError, ValueError):
            return None
        return next((t.key for t in demarche.tabs if t.kind is TabKind.PIECES), None)

    async def _create(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None
        campaign_id = op.payload.get("campaign_id") or dossier.campaign_id
        if campaign_id is None:
            raise ApiError(422, "campaign_missing", "Ce dossier n'est rattaché à aucune campagne.")
        answer = await self._call(self.client.create_dossier, dossier.id, int(campaign_id))
        if answer["id"] != dossier.id:
            # One dossier per applicant and campaign: another one exists on the server.
            await self._db(local.park_op, self.store, op.id, f"{local.REFUSED}: dossier existant")
            self._emit(
                SaveRefused(
                    dossier.id,
                    None,
                    f"Un dossier existe déjà pour cette campagne sur la plateforme "
                    f"(n° {answer.get('numero', '?')}), créé depuis un autre poste : "
                    "reprenez-le depuis « Mes demandes ». Ce brouillon reste sur ce poste.",
                    kind=op.kind,
                )
            )
            await self.pull_quietly()
            return
        current = await self._db(
            self.store.op_done,
            op.id,
            answer["version"],
            answer.get("data") or {},
            numero=answer.get("numero"),
            state=answer.get("state"),
        )
        # The server fills what the account tells (identity...): take it where nothing
        # was typed here.
        for tab, theirs in (answer.get("data") or {}).items():
            mine = _values(current.data if current else {}, tab)
            merged = {**theirs, **mine}
            if merged != mine:
                await self._db(
                    local.replace_tab, self.store, dossier.id, tab, merged, keep_dirty=True
                )
        self._emit(DossierSynced(dossier.id, op.kind, answer["version"]))

    async def _save_tab(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None and op.tab is not None
        tab = op.tab
        if dossier.server_version is None:  # its creation has not reached the server
            await self._db(self.store.op_failed, op.id, "dossier pas encore créé")
            return
        values = op.payload.get("values")
        if not isinstance(values, dict):
            values = _values(dossier.data, tab)
        answer = await self._call(
            self.client.save_tab, dossier.id, tab, values, dossier.server_version
        )
        saved = dict(answer.get("values") or values)
        server_data = {k: dict(v) for k, v in (dossier.server_data or {}).items()}
        server_data[tab] = saved
        current = await self._db(self.store.op_done, op.id, answer["version"], server_data)
        # The server normalises (upper-case names, trimmed spaces...): take its values
        # when nothing was typed in that tab since.
        if (
            current is not None
            and saved != values
            and tab not in current.dirty_tabs
            and _values(current.data, tab) == values
            and not await self._db(local.tab_has_pending_save, self.store, dossier.id, tab)
        ):
            await self._db(local.replace_tab, self.store, dossier.id, tab, saved)
        problems = [Problem.from_dict(p) for p in answer.get("problems") or []]
        self._emit(DossierSynced(dossier.id, op.kind, answer["version"], tab, problems))

    async def _upload(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None
        piece_id = str(op.payload.get("piece_id") or "")
        piece = await self._db(local.piece, self.store, piece_id)
        if piece is None:  # removed before it was sent
            await self._db(local.drop_op, self.store, op.id)
            return
        path = Path(piece.path)
        if not piece.path or not path.is_file():
            raise ApiError(
                404,
                "local_file_missing",
                f"Le fichier « {piece.filename} » n'est plus sur ce poste : ajoutez-le à nouveau.",
            )
        await self._db(self.store.set_piece_state, piece_id, PieceState.UPLOADING)

        def progress(sent: int, total: int | None) -> None:
            self._emit(
                UploadProgress(dossier.id, piece_id, piece.filename, sent, total or piece.size)
            )

        task = asyncio.ensure_future(
            self._call(
                self.client.upload_piece,
                dossier.id,
                piece.piece_type,
                path,
                piece.filename,
                progress=progress,
            )
        )
        self._uploads[piece_id] = task
        try:
            answer = await task
        except (_Paused, _WentOffline):
            await self._db(self.store.set_piece_state, piece_id, PieceState.PENDING)
            raise
        except asyncio.CancelledError:
            if piece_id not in self._cancelled_uploads:
                raise  # the engine itself stops: the upload is sent again later
            await asyncio.shield(self._withdraw(op, piece_id))
            self._emit(UploadCancelled(dossier.id, piece_id, piece.filename))
            return
        finally:
            self._uploads.pop(piece_id, None)
            self._cancelled_uploads.discard(piece_id)
        await self._db(
            self.store.set_piece_state, piece_id, PieceState.UPLOADED, server_id=str(answer["id"])
        )
        await self._db(self.store.op_done, op.id)
        self._emit(DossierSynced(dossier.id, op.kind, None, self._pieces_tab(dossier)))

    async def _withdraw(self, op: PendingOp, piece_id: str) -> None:
        """An upload the user stopped: the piece leaves the dossier. `remove_piece` sees
        the upload in flight and queues a deletion found by content (had the body
        arrived whole just before the cancel, the platform's copy goes too); then the
        upload itself is dropped."""
        assert op.id is not None
        await self._db(self.store.remove_piece, piece_id)
        await self._db(local.drop_op, self.store, op.id)

    async def _delete_piece(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None
        payload = op.payload
        piece_type = str(payload.get("piece_type") or "")
        server_id = payload.get("server_id")
        if not server_id:  # the upload's fate was unknown: find it by its content
            pieces = await self._call(self.client.pieces, dossier.id)
            server_id = next(
                (
                    p["id"]
                    for p in pieces
                    if p.get("sha256") == payload.get("sha256")
                    and p.get("piece_type") == piece_type
                ),
                None,
            )
        if server_id:
            try:
                await self._call(self.client.delete_piece, dossier.id, piece_type, str(server_id))
            except ApiError as error:
                if error.status != 404:
                    raise
        await self._db(self.store.op_done, op.id)
        self._emit(DossierSynced(dossier.id, op.kind, None, self._pieces_tab(dossier)))

    async def _transmit(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None
        certifications = list(op.payload.get("certifications") or dossier.certifications)
        answer = await self._call(
            self.client.transmit,
            dossier.id,
            certifications,
            op.idempotency_key,
            dossier.server_version,
        )
        await self._db(
            self.store.op_done,
            op.id,
            answer.get("version"),
            numero=answer.get("numero"),
            state=answer.get("state"),
        )
        self._emit(
            DossierTransmitted(
                dossier.id, str(answer.get("numero") or ""), answer.get("receipt") or {}
            )
        )

    async def _delete(self, op: PendingOp, dossier: LocalDossier) -> None:
        assert op.id is not None
        try:
            await self._call(self.client.delete_dossier, dossier.id)
        except ApiError as error:
            if error.status != 404:
                raise
        await self._db(self.store.op_done, op.id)
        self._emit(DossierSynced(dossier.id, op.kind))

    # --- the server's copy -------------------------------------------------------------

    async def _reconcile(self, dossier_id: str, server: Dossier | None = None) -> bool:
        """Take the server's copy of a dossier, tab by tab (three-way, see the module's
        docstring). Returns True when the server had a newer copy."""
        if server is None:
            server = await self._call(self.client.get_dossier, dossier_id)
        dossier = await self._db(self.store.get, dossier_id)
        if dossier is None:
            return False
        version = int(server["version"])
        server_data: dict[str, dict[str, Any]] = {
            k: dict(v) for k, v in (server.get("data") or {}).items()
        }
        newer = dossier.server_version is None or version > dossier.server_version
        ops = await self._db(self.store.ops, dossier_id)
        saves: dict[str, list[PendingOp]] = {}
        for op in ops:
            if op.kind == OpKind.SAVE_TAB and op.tab:
                saves.setdefault(op.tab, []).append(op)
        base = dossier.server_data or {}
        conflicts: list[SyncConflict] = []
        merged_tabs: dict[
            str, tuple[dict[str, Any], bool, bool, dict[str, Any], dict[str, Any]]
        ] = {}
        for tab in sorted(set(server_data) | set(base)):
            theirs = server_data.get(tab, {})
            base_tab = _values(base, tab)
            if theirs == base_tab:
                continue  # the server did not change this tab
            tab_ops = saves.get(tab, [])
            local_tab = _values(dossier.data, tab)
            dirty = tab in dossier.dirty_tabs
            if not tab_ops and (not dirty or local_tab == base_tab):
                await self._db(local.replace_tab, self.store, dossier_id, tab, theirs)
                continue
            mine = dict(tab_ops[-1].payload.get("values") or {}) if tab_ops else local_tab
            if all(theirs.get(k) == v for k, v in mine.items()):
                # Both sides agree: nothing left to send for this tab.
                for op in tab_ops:
                    if op.id is not None and not op.in_flight:
                        await self._db(local.drop_op, self.store, op.id)
                if not dirty:
                    await self._db(local.replace_tab, self.store, dossier_id, tab, theirs)
                continue
            merge = three_way(base_tab, mine, theirs)
            if not merge.conflicts:
                # Changed here and there, on different fields: both are kept, no question.
                merged_tabs[tab] = (merge.merged, bool(tab_ops), dirty, local_tab, base_tab)
                continue
            for op in tab_ops:
                if op.id is not None and not op.in_flight:
                    await self._db(
                        local.park_op,
                        self.store,
                        op.id,
                        f"{local.CONFLICT}: version {version}",
                        base=base_tab,
                    )
            conflicts.append(SyncConflict(dossier_id, tab, mine, theirs, version, base_tab))
        await self._db(
            self.store.apply_server_copy,
            dossier_id,
            version=version,
            data=server_data,
            saved_tabs=server.get("saved_tabs"),
            state=server.get("state"),
            numero=server.get("numero"),
        )
        await self._db(
            local.record_server_pieces, self.store, dossier_id, server.get("pieces") or []
        )
        for tab, (merged, queued, dirty, local_tab, base_tab) in merged_tabs.items():
            await self._db(
                self._take_merge, dossier_id, tab, merged, queued, dirty, local_tab, base_tab
            )
        for conflict in conflicts:
            self._emit(conflict)
        return newer

    def _take_merge(
        self,
        dossier_id: str,
        tab: str,
        merged: dict[str, Any],
        queued: bool,
        dirty: bool,
        local_tab: dict[str, Any],
        base_tab: dict[str, Any],
    ) -> None:
        """A tab changed on both sides, on different fields (blocking, in a thread):
        the saved values merged with the server's are queued again (with its version);
        what was typed and not saved yet stays typed, on top of the server's fields."""
        store = self.store
        if queued:
            local.resolve_conflict(store, dossier_id, tab, merged)
        else:
            local.replace_tab(store, dossier_id, tab, merged)
        if dirty:
            dossier = store.get(dossier_id)
            theirs = _values(dossier.server_data if dossier else None, tab)
            typed = three_way(base_tab, local_tab, theirs)
            local.replace_tab(store, dossier_id, tab, typed.merged, keep_dirty=True)
            local.mark_tab_dirty(store, dossier_id, tab)

    async def _refresh_quietly(self, dossier_id: str) -> None:
        with contextlib.suppress(ApiError, _WentOffline, _Paused):
            await self._reconcile(dossier_id)

    async def pull(self) -> DossiersPulled:
        """Fetch the account's dossiers: create the ones this client does not have,
        take newer server copies (tab by tab). Raises on network trouble."""
        summaries: list[dict[str, Any]] = []
        offset = 0
        while True:
            if self.pull_params:
                params = {**self.pull_params, "limit": 200, "offset": offset}
                page = await self._call(self.client.request_json, "GET", "/dossiers", params=params)
            else:
                page = await self._call(self.client.list_dossiers, limit=200, offset=offset)
            items = list(page["items"])
            summaries.extend(items)  # type: ignore[arg-type]
            offset += len(items)
            if not items or offset >= page["total"]:
                break
        new: list[str] = []
        updated: list[str] = []
        for summary in summaries:
            dossier_id = str(summary["id"])
            mine = await self._db(self.store.get, dossier_id)
            if mine is None:
                server = await self._call(self.client.get_dossier, dossier_id)
                await self._db(self._adopt, server)
                new.append(dossier_id)
                continue
            if (mine.server_url, mine.account_username) != (self.server_key, self.username):
                continue
            if (
                mine.server_version is None
                or int(summary["version"]) > mine.server_version
                or summary.get("state") != mine.state
            ) and await self._reconcile(dossier_id):
                updated.append(dossier_id)
        loop = asyncio.get_running_loop()
        self._last_pull = loop.time()
        message = DossiersPulled(new, updated)
        if new or updated:
            self._emit(message)
            for dossier_id in updated:
                self._emit(DossierSynced(dossier_id, "pull"))
        await self._count_pending()
        return message

    def _adopt(self, server: Dossier) -> None:
        data = {k: dict(v) for k, v in (server.get("data") or {}).items()}
        campaign = server.get("campaign") or {}
        self.store.create_local(
            self.server_key,
            self.username,
            server["demarche"],
            campaign.get("id"),
            dossier_id=server["id"],
            data=data,
            server_version=int(server["version"]),
            numero=server.get("numero"),
            state=server.get("state") or "brouillon",
        )
        self.store.apply_server_copy(
            server["id"],
            version=int(server["version"]),
            data=data,
            saved_tabs=server.get("saved_tabs") or [],
        )
        local.record_server_pieces(self.store, server["id"], list(server.get("pieces") or []))

    async def pull_quietly(self) -> None:
        """`pull`, where trouble only changes the connection state."""
        try:
            await self.pull()
        except (_WentOffline, _Paused):
            pass
        except ApiError as error:
            log.warning("sync: pull refused: %s", error)

    async def announce_parked(self) -> None:
        """Post again the conflicts that wait for a merge (after a restart)."""
        parked = await self._db(local.parked_ops, self.store, self.server_key, self.username)
        for op in parked:
            await self._announce(op)

    async def _announce(self, op: PendingOp) -> None:
        """`SyncConflict` for a save parked on a conflict."""
        if op.kind != OpKind.SAVE_TAB or not op.tab:
            return
        if not (op.last_error or "").startswith(local.CONFLICT):
            return
        dossier = await self._db(self.store.get, op.dossier_id)
        if dossier is None:
            return
        self._emit(
            SyncConflict(
                dossier.id,
                op.tab,
                dict(op.payload.get("values") or {}),
                _values(dossier.server_data, op.tab),
                dossier.server_version or 0,
                dict(op.payload.get("base") or {}),
            )
        )
