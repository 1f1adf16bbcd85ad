"""Dependencies shared by the routes: settings, database session, current account."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session, select

from cesp_core.lifecycle import Role

from ..errors import ApiProblem
from ..models import Account, AccountStatus, AuthSession, utcnow
from ..security import hash_token
from ..settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_db(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


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
    auth = session.exec(
        select(AuthSession).where(AuthSession.token_hash == hash_token(credentials.credentials))
    ).first()
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

    def _check(account: CurrentAccount) -> Account:
        if account.role not in allowed:
            raise ApiProblem(403, "forbidden_role", "Votre rôle ne permet pas cette action.")
        return account

    return _check
