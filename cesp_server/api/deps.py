"""Dependencies shared by the routes: settings, database session, current account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cesp_core.lifecycle import Role

from ..db import pool_capacity
from ..errors import ApiProblem
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
    """
    slots = _session_slots(request)
    async with slots.semaphore:
        session = Session(request.app.state.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            # Returning the connection may talk to the server (PostgreSQL rollback): in a
            # thread, with a limiter of its own so that it never waits behind the routes,
            # and shielded so that a client hanging up cannot leak the connection.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close, limiter=slots.close_limiter)


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


def get_auth_session(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthSession:
    if credentials is None or not credentials.credentials:
        raise _unauthenticated()
    # The account comes with the session (one query) and stays referenced from the
    # session's `info` (the identity map only holds weak references), so that
    # `get_current_account` finds it there instead of selecting it again.
    row = session.exec(
        select(AuthSession, Account)
        .join(Account, col(Account.id) == AuthSession.account_id)
        .where(AuthSession.token_hash == hash_token(credentials.credentials))
    ).first()
    auth = row[0] if row is not None else None
    session.info["auth_account"] = row[1] if row is not None else None
    now = utcnow()
    if auth is None or auth.revoked_at is not None:
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
    return auth


AuthSessionDep = Annotated[AuthSession, Depends(get_auth_session)]


def get_current_account(session: SessionDep, auth: AuthSessionDep) -> Account:
    account = session.get(Account, auth.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        raise _unauthenticated()
    return account


CurrentAccount = Annotated[Account, Depends(get_current_account)]


def require_roles(*roles: Role) -> Callable[[Account], Account]:
    """A dependency that lets only `roles` through (403 with a French message otherwise)."""
    allowed = {r.value for r in roles}

    async def _check(account: CurrentAccount) -> Account:
        if account.role not in allowed:
            raise ApiProblem(403, "forbidden_role", "Votre rôle ne permet pas cette action.")
        return account

    return _check
