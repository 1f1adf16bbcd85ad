"""Dependencies shared by the routes: settings, database session, current account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine, bindparam
from sqlmodel import Session, col, select

from cesp_core.lifecycle import Role

from ..db import pool_capacity
from ..errors import PENDING_CHECK_KEY, ApiProblem
from ..models import Account, AccountStatus, AuthSession, utcnow
from ..security import hash_token
from ..settings import Settings


# `async def` for the dependencies that never block: FastAPI runs a plain `def` in the
# threadpool, a round trip per request for nothing.
async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's session, once the engine's pool is sure to have a connection for it.

    Sync dependencies and routes run in the threadpool (40 threads). A request keeps its
    connection from its first query until this dependency exits, and in between it waits
    for a thread again (next dependency, route, response validation); threads waiting for
    a connection while every connection waits for a thread is a deadlock that lasts the
    pool timeout (30 s) and ends in 500s. At most `pool_capacity` requests hold a session
    at once: the others wait here, on the event loop, holding neither, in arrival order.

    A session whose transaction is over (committed, or ended by `release` in the route's
    worker thread) holds no connection: it is closed here without a thread.
    """
    slots = _session_slots(request)
    async with slots.semaphore:
        session = Session(request.app.state.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            if not session.in_transaction():
                # No connection held (the route committed, or ended its transaction with
                # `release`): closing only forgets the objects, no thread needed.
                session.close()
            else:
                # Returning the connection may talk to the server (PostgreSQL rollback):
                # in a thread, with a limiter of its own so that it never waits behind
                # the routes, and shielded so that a client hanging up cannot leak it.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(session.close, limiter=slots.close_limiter)


def release(session: Session) -> None:
    """End the request's transaction and give its connection back, in the calling thread.

    For a route that has finished with the database while still in its worker thread:
    `get_db` then closes the session on the event loop, without a threadpool round trip.
    The loaded objects stay usable (`expire_on_commit=False`); the session starts a new
    transaction if it is used again.
    """
    if session.in_transaction():
        session.commit()


class _Slots:
    def __init__(self, capacity: int) -> None:
        self.semaphore = anyio.Semaphore(capacity)
        self.close_limiter = anyio.CapacityLimiter(capacity)
        self.loop = asyncio.get_running_loop()


def _session_slots(request: Request) -> _Slots:
    """The app's admission semaphore (one per event loop: tests may run several)."""
    slots: _Slots | None = getattr(request.app.state, "session_slots", None)
    if slots is None or slots.loop is not asyncio.get_running_loop():
        slots = _Slots(pool_capacity(request.app.state.engine))
        request.app.state.session_slots = slots
    return slots


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_db)]

_bearer = HTTPBearer(auto_error=False, description="Jeton de session opaque")

#: How often `last_seen_at` is written back (avoids a write per request).
_TOUCH_EVERY = timedelta(seconds=60)


def _unauthenticated(detail: str = "Connectez-vous pour continuer.") -> ApiProblem:
    return ApiProblem(401, "unauthenticated", detail, headers={"WWW-Authenticate": "Bearer"})


#: The session and its account in one statement, built once: building an ORM statement
#: (coercions, cache key) costs more CPU than SQLite takes to run it.
_AUTH_LOOKUP = (
    select(AuthSession, Account)
    .join(Account, col(Account.id) == AuthSession.account_id)
    .where(col(AuthSession.token_hash) == bindparam("token_hash"))
)

#: Where the request's authentication is kept (the request's session's `info`): the
#: session and the account dependencies share it, the look-up runs once per request.
_AUTH_KEY = "auth"


def _authenticate(
    session: Session, settings: Settings, credentials: HTTPAuthorizationCredentials | None
) -> tuple[AuthSession, Account]:
    """The request's live session and its account; 401 otherwise (revoked, expired, idle).

    Looked up once per request; `last_seen_at` is written back at most once a minute.
    The account stays referenced from the session's `info` (the identity map only holds
    weak references).
    """
    found: tuple[AuthSession, Account] | None = session.info.get(_AUTH_KEY)
    if found is not None:
        return found
    if credentials is None or not credentials.credentials:
        raise _unauthenticated()
    row = session.exec(
        _AUTH_LOOKUP, params={"token_hash": hash_token(credentials.credentials)}
    ).first()
    if row is None:
        raise _unauthenticated()
    auth, account = row[0], row[1]
    now = utcnow()
    if auth.revoked_at is not None:
        raise _unauthenticated()
    idle_limit = auth.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if now >= auth.expires_at or now >= idle_limit:
        raise ApiProblem(
            401,
            "session_expired",
            "Votre session a expiré : reconnectez-vous, votre saisie est conservée.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if now - auth.last_seen_at >= _TOUCH_EVERY:
        auth.last_seen_at = now
        session.add(auth)
        session.commit()
    session.info[_AUTH_KEY] = (auth, account)
    return auth, account


CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_auth_session(
    session: SessionDep, settings: SettingsDep, credentials: CredentialsDep
) -> AuthSession:
    return _authenticate(session, settings, credentials)[0]


AuthSessionDep = Annotated[AuthSession, Depends(get_auth_session)]


def get_current_account(
    session: SessionDep, settings: SettingsDep, credentials: CredentialsDep
) -> Account:
    """The authenticated, active account: the session check and the account's status in
    one dependency (one threadpool hop, one statement)."""
    account = _authenticate(session, settings, credentials)[1]
    if account.status != AccountStatus.ACTIVE:
        raise _unauthenticated()
    return account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


class PendingAccount:
    """The checks of `CurrentAccount` (and of a role guard), run later, in the worker
    thread of the route: the route's one threadpool round trip covers the session
    look-up, the dossier and the write, instead of one for the account and one for
    the route.

    The refusals keep their order: a missing token is refused at once (no database
    needed); when the request's parameters or body are invalid, FastAPI refuses them
    before the route runs, and the validation handler asks `refusal` first (a 401 or a
    403 comes before a 422, as with `CurrentAccount`).
    """

    def __init__(
        self,
        engine: Engine,
        session: Session,
        settings: Settings,
        credentials: HTTPAuthorizationCredentials | None,
        guard: Callable[[Account], None] | None = None,
    ) -> None:
        self._engine = engine
        self._session = session
        self._settings = settings
        self._credentials = credentials
        self._guard = guard
        self._account: Account | None = None

    def _check(self, session: Session) -> Account:
        account = _authenticate(session, self._settings, self._credentials)[1]
        if account.status != AccountStatus.ACTIVE:
            raise _unauthenticated()
        if self._guard is not None:
            self._guard(account)
        return account

    def account(self) -> Account:
        """The checked account (blocking: call it from the route's worker thread)."""
        if self._account is None:
            self._account = self._check(self._session)
        return self._account

    async def refusal(self) -> ApiProblem | None:
        """What the checks refuse, for a request refused before its route ran (the
        request's session is closed by then: a session of its own, in a thread)."""
        if self._account is not None:
            return None

        def check() -> ApiProblem | None:
            with Session(self._engine, expire_on_commit=False) as session:
                try:
                    self._check(session)
                except ApiProblem as problem:
                    return problem
            return None

        return await anyio.to_thread.run_sync(check)


def pending_account_dependency(
    guard: Callable[[Account], None] | None = None,
) -> Callable[..., Awaitable[PendingAccount]]:
    """A dependency giving a `PendingAccount` (with `guard`, e.g. the writers' role check)."""

    async def _pending(
        request: Request, session: SessionDep, settings: SettingsDep, credentials: CredentialsDep
    ) -> PendingAccount:
        if credentials is None or not credentials.credentials:
            raise _unauthenticated()
        pending = PendingAccount(request.app.state.engine, session, settings, credentials, guard)
        request.scope[PENDING_CHECK_KEY] = pending
        return pending

    return _pending


#: The account of a read route, checked in the route's worker thread (`PendingAccount`).
PendingReader = Annotated[PendingAccount, Depends(pending_account_dependency())]


def require_roles(*roles: Role) -> Callable[[Account], Account]:
    """A dependency that lets only `roles` through (403 with a French message otherwise)."""
    allowed = {r.value for r in roles}

    async def _check(account: CurrentAccount) -> Account:
        if account.role not in allowed:
            raise ApiProblem(403, "forbidden_role", "Votre rôle ne permet pas cette action.")
        return account

    return _check
