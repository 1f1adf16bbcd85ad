"""Login, logout and the current account."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, Request, Response

from ...crud import accounts as crud
from ...models import Account
from ..deps import AuthSessionDep, CurrentAccount, SessionDep, SettingsDep
from ..schemas.accounts import AccountOut, LoginIn, LoginOut
from .accounts import client_ip

router = APIRouter(prefix="/auth", tags=["authentification"])

_PROBLEM = {"content": {"application/problem+json": {}}}


def account_out(account: Account) -> AccountOut:
    assert account.id is not None
    return AccountOut(
        id=account.id,
        username=account.username,
        email=account.email,
        role=account.role,
        status=account.status,
        display_name=account.display_name,
        civilite=account.civilite,
        nom=account.nom,
        prenom=account.prenom,
        date_naissance=account.date_naissance,
        etablissement_nom=account.etablissement_nom,
        finess=account.finess,
        secret_question=account.secret_question,
    )


@router.post(
    "/login",
    response_model=LoginOut,
    responses={401: _PROBLEM, 403: _PROBLEM, 423: _PROBLEM, 429: _PROBLEM},
    summary="Connexion avec l'identifiant (ou l'e-mail) et le mot de passe",
)
def login(body: LoginIn, request: Request, session: SessionDep, settings: SettingsDep) -> LoginOut:
    token, auth, account = crud.login(
        session,
        settings,
        identifier=body.identifier,
        password=body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    return LoginOut(
        token=token,
        expires_at=auth.expires_at.replace(tzinfo=UTC),
        idle_minutes=settings.session_idle_minutes,
        account=account_out(account),
    )


@router.post(
    "/logout",
    status_code=204,
    responses={401: _PROBLEM},
    summary="Déconnexion (le jeton est révoqué)",
)
def logout(auth: AuthSessionDep, session: SessionDep) -> Response:
    crud.logout(session, auth)
    return Response(status_code=204)


@router.get(
    "/me", response_model=AccountOut, responses={401: _PROBLEM}, summary="Le compte connecté"
)
def me(account: CurrentAccount) -> AccountOut:
    return account_out(account)
