"""Account creation and passwords: CESP sign-up (code, link, "Mon compte"), établissement
accounts, forgotten password, password change."""

from __future__ import annotations

from datetime import UTC

from fastapi import APIRouter, BackgroundTasks, Request

from ...crud import accounts as crud
from ...mail.outbox import kick
from ...models import LinkPurpose
from ..deps import AuthSessionDep, CurrentAccount, SessionDep, SettingsDep
from ..schemas.accounts import (
    ChangePasswordIn,
    EmailIn,
    EtablissementIn,
    ForgotIn,
    LinkCheckIn,
    LinkInfo,
    Message,
    PasswordSetupIn,
    ResetIn,
    SetupOut,
    SignupIn,
    VerifyIn,
    VerifyOut,
)

router = APIRouter(prefix="/accounts", tags=["comptes"])

_PROBLEM = {"content": {"application/problem+json": {}}}


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def deliver_soon(background: BackgroundTasks, request: Request) -> None:
    """Send the mails just committed, after the response (the outbox keeps them anyway)."""
    background.add_task(kick, request.app)


@router.post(
    "/signup",
    status_code=202,
    response_model=Message,
    responses={422: _PROBLEM, 429: _PROBLEM},
    summary="Inscription CESP, étape 1 : informations générales",
)
def signup(
    body: SignupIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    data = crud.SignupData(**body.model_dump())
    crud.signup(session, settings, data, client_ip(request))
    deliver_soon(background, request)
    return Message(message=crud.SIGNUP_ACCEPTED)


@router.post(
    "/signup/resend",
    status_code=202,
    response_model=Message,
    responses={422: _PROBLEM, 429: _PROBLEM},
    summary="Renvoyer un code de vérification",
)
def resend(
    body: EmailIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    crud.resend_code(session, settings, body.email, client_ip(request))
    deliver_soon(background, request)
    return Message(message=crud.SIGNUP_ACCEPTED)


@router.post(
    "/signup/verify",
    response_model=VerifyOut,
    responses={400: _PROBLEM, 410: _PROBLEM, 422: _PROBLEM, 429: _PROBLEM},
    summary="Inscription CESP, étape 2 : le code à 4 chiffres",
)
def verify(
    body: VerifyIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> VerifyOut:
    account = crud.verify_code(session, settings, body.email, body.code, client_ip(request))
    deliver_soon(background, request)
    if account.role == "etablissement":
        return VerifyOut(
            message="Adresse vérifiée : le compte de l'établissement est actif. Connectez-vous "
            f"avec votre adresse e-mail (ou l'identifiant « {account.username} ») et le mot "
            "de passe choisi ; un e-mail de confirmation vous est envoyé.",
            identifiant=account.username,
        )
    return VerifyOut(
        message="Adresse vérifiée. Trois e-mails vous sont envoyés : « Nouvelle habilitation », "
        "« Initialisation mdp via lien éphémère » (le lien pour choisir votre mot de passe, "
        f"valable {settings.link_ttl_minutes} minutes) et « Identifiant de connexion ».",
        identifiant=account.username,
    )


def _link_info(session: SessionDep, token: str, purpose: LinkPurpose) -> LinkInfo:
    link, account = crud.link_info(session, token, purpose)
    reset = purpose == LinkPurpose.RESET_PASSWORD
    return LinkInfo(
        identifiant=account.username,
        has_secret_question=reset and bool(account.secret_answer_hash),
        secret_question=account.secret_question if reset and account.secret_answer_hash else None,
        expires_at=link.expires_at.replace(tzinfo=UTC),
    )


# Tokens travel in POST bodies only, never in a path or a query string (access logs).
@router.post(
    "/password/setup/check",
    response_model=LinkInfo,
    responses={400: _PROBLEM, 410: _PROBLEM},
    summary="Vérifier un lien d'initialisation du mot de passe (jeton dans le corps)",
)
def setup_info(body: LinkCheckIn, session: SessionDep) -> LinkInfo:
    return _link_info(session, body.token, LinkPurpose.SET_PASSWORD)


@router.post(
    "/password/setup",
    response_model=SetupOut,
    responses={400: _PROBLEM, 410: _PROBLEM, 422: _PROBLEM},
    summary="Mon compte : mot de passe et question secrète (lien éphémère)",
)
def setup(body: PasswordSetupIn, session: SessionDep, settings: SettingsDep) -> SetupOut:
    account = crud.setup_password(
        session,
        settings,
        token=body.token,
        password=body.password,
        confirmation=body.password_confirmation,
        question=body.secret_question,
        answer=body.secret_answer,
    )
    return SetupOut(
        message="Votre compte est créé : connectez-vous avec votre identifiant et "
        "votre mot de passe.",
        identifiant=account.username,
    )


@router.post(
    "/etablissement",
    status_code=202,
    response_model=Message,
    responses={422: _PROBLEM, 429: _PROBLEM},
    summary="Compte établissement (Assistant Spécialiste Partagé)",
)
def etablissement(
    body: EtablissementIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    data = crud.EtablissementData(**body.model_dump())
    crud.signup_etablissement(session, settings, data, client_ip(request))
    deliver_soon(background, request)
    return Message(message=crud.ETABLISSEMENT_ACCEPTED)


@router.post(
    "/password/forgot",
    status_code=202,
    response_model=Message,
    responses={422: _PROBLEM, 429: _PROBLEM},
    summary="Mot de passe oublié",
)
def forgot(
    body: ForgotIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    crud.forgot_password(session, settings, body.identifier, client_ip(request))
    deliver_soon(background, request)
    return Message(message=crud.FORGOT_ACCEPTED)


@router.post(
    "/password/reset/check",
    response_model=LinkInfo,
    responses={400: _PROBLEM, 410: _PROBLEM},
    summary="Vérifier un lien de réinitialisation : le compte a-t-il une question secrète ?",
)
def reset_info(body: LinkCheckIn, session: SessionDep) -> LinkInfo:
    return _link_info(session, body.token, LinkPurpose.RESET_PASSWORD)


@router.post(
    "/password/reset",
    response_model=Message,
    responses={400: _PROBLEM, 410: _PROBLEM, 422: _PROBLEM, 423: _PROBLEM},
    summary="Choisir un nouveau mot de passe avec le lien reçu",
)
def reset(
    body: ResetIn,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    crud.reset_password(
        session,
        settings,
        token=body.token,
        secret_answer=body.secret_answer,
        password=body.password,
        confirmation=body.password_confirmation,
    )
    deliver_soon(background, request)
    return Message(
        message="Votre mot de passe est modifié : connectez-vous avec le nouveau. "
        "Toutes vos sessions ouvertes ont été fermées."
    )


@router.post(
    "/me/password",
    response_model=Message,
    responses={400: _PROBLEM, 401: _PROBLEM, 422: _PROBLEM, 423: _PROBLEM},
    summary="Changer son mot de passe",
)
def change_password(
    body: ChangePasswordIn,
    request: Request,
    background: BackgroundTasks,
    account: CurrentAccount,
    auth: AuthSessionDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Message:
    crud.change_password(
        session,
        settings,
        account,
        auth,
        current=body.current_password,
        new=body.new_password,
        confirmation=body.new_password_confirmation,
    )
    deliver_soon(background, request)
    return Message(message="Votre mot de passe est modifié. Vos autres sessions ont été fermées.")
