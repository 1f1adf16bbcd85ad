"""Accounts: CESP sign-up with an e-mailed code, établissement accounts, login, sessions,
password set-up, reset and change, staff accounts.

Every refusal is an `ApiProblem` with a stable `code` and a French `detail`. The functions
commit themselves (counters and lockouts must survive the refusal they cause); the routes
kick the mail deliverer afterwards.

Anti-enumeration: sign-up, établissement sign-up, resend and forgotten-password answer
the same whether the address is known or not, and spend one Argon2id computation on
every path; login answers `bad_credentials`, and after repeated failures the same growing
wait (`throttle`), for a known and an unknown identifier alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cesp_core import timefmt
from cesp_core.lifecycle import Role
from cesp_core.problems import MISSING, Problem
from cesp_core.validators import (
    normalize_email,
    parse_date,
    password_problems,
    validate_birth_date,
    validate_email,
    validate_finess,
    validate_organisation_name,
    validate_person_name,
)
from cesp_core.validators.finess import compact_finess
from cesp_core.validators.password import secret_answer_problem

from ..errors import ApiProblem
from ..limits import LIMITS
from ..mail.outbox import queue_mail
from ..models import (
    Account,
    AccountStatus,
    AuthSession,
    LinkPurpose,
    LinkToken,
    VerificationCode,
    utcnow,
)
from ..security import (
    burn_time,
    hash_answer,
    hash_secret,
    hash_token,
    needs_rehash,
    new_code,
    new_token,
    verify_answer,
    verify_secret,
)
from ..settings import Settings
from . import throttle
from .ratelimit import enforce, hit

TAB = "compte"
STAFF_ROLES = (Role.AGENT, Role.SUPPORT, Role.INSTRUCTEUR, Role.ADMIN)

SIGNUP_ACCEPTED = (
    "Si cette adresse peut être utilisée, un e-mail vient de lui être envoyé : saisissez le "
    "code à 4 chiffres qu'il contient. Pensez à regarder dans le dossier des indésirables "
    "(spam) ; sans message d'ici quelques minutes, vérifiez l'adresse saisie."
)
ETABLISSEMENT_ACCEPTED = SIGNUP_ACCEPTED
FORGOT_ACCEPTED = (
    "Si un compte correspond, un e-mail contenant un lien de réinitialisation valable "
    "quelques minutes vient d'être envoyé à son adresse. Votre mot de passe ne vous sera "
    "jamais envoyé par e-mail."
)


def _invalid(problems: list[Problem]) -> ApiProblem:
    return ApiProblem(
        422,
        "invalid_fields",
        "Certains champs sont à corriger : voyez le détail sous chaque champ.",
        problems=problems,
    )


# --- look-ups and names ------------------------------------------------------------------


def find_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normalize_email(email))).first()


def find_by_identifier(session: Session, identifier: str) -> Account | None:
    """By username (case-insensitive) or, when it has an @, by e-mail address."""
    ident = identifier.strip()
    if not ident:
        return None
    account = session.exec(
        select(Account).where(func.lower(Account.username) == ident.lower())
    ).first()
    if account is None and "@" in ident:
        account = find_by_email(session, ident)
    return account


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _username_candidates(base: str) -> list[str]:
    base = base.strip(".-")[:60] or "compte"
    return [base, *(f"{base}{n}" for n in range(2, 10_000))]


def assign_username(session: Session, account: Account, base: str) -> str:
    """Give `account` the first free username `base`, `base2`, `base3`... (commits).

    The unique index decides between concurrent requests: a taken name is retried.
    """
    taken = set(
        session.exec(
            select(Account.username).where(col(Account.username).startswith(base[:60]))
        ).all()
    )
    for candidate in _username_candidates(base):
        if candidate in taken:
            continue
        try:
            session.exec(
                update(Account)
                .where(col(Account.id) == account.id)  # type: ignore[call-overload]
                .values(username=candidate)
            )
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        account.username = candidate
        return candidate
    raise ApiProblem(
        409, "username_unavailable", "Impossible d'attribuer un identifiant : contactez le support."
    )


def _person_username(prenom: str, nom: str) -> str:
    return f"{_slug(prenom) or 'x'}.{_slug(nom) or 'x'}"


def _placeholder_username() -> str:
    return f"attente-{new_token()[:16].lower()}"


# --- validation --------------------------------------------------------------------------


def _email_problems(email: str, confirmation: str | None, field: str = "email") -> list[Problem]:
    problems: list[Problem] = []
    if not email:
        return [Problem(TAB, field, "Saisissez votre adresse e-mail.", MISSING)]
    message = validate_email(email)
    if message:
        problems.append(Problem(TAB, field, message))
    if confirmation is not None:
        if not confirmation:
            problems.append(
                Problem(
                    TAB,
                    f"{field}_confirmation",
                    "Saisissez à nouveau votre adresse e-mail.",
                    MISSING,
                )
            )
        elif normalize_email(confirmation) != normalize_email(email):
            problems.append(
                Problem(
                    TAB, f"{field}_confirmation", "Les deux adresses e-mail ne sont pas identiques."
                )
            )
    return problems


def _password_problems(
    password: str, confirmation: str, field: str = "password", *, forbidden: tuple[str, ...] = ()
) -> list[Problem]:
    if not password:
        return [Problem(TAB, field, "Saisissez un mot de passe.", MISSING)]
    problems = [Problem(TAB, field, message) for message in password_problems(password)]
    lowered = password.lower()
    for word in forbidden:
        if word and len(word) >= 4 and word.lower() in lowered:
            problems.append(
                Problem(
                    TAB,
                    field,
                    "Le mot de passe ne doit pas contenir votre "
                    "identifiant ni votre adresse e-mail.",
                )
            )
            break
    if password != confirmation:
        problems.append(
            Problem(TAB, f"{field}_confirmation", "Les deux mots de passe ne sont pas identiques.")
        )
    return problems


@dataclass(frozen=True, slots=True)
class SignupData:
    civilite: str
    nom: str
    prenom: str
    date_naissance: str
    email: str
    email_confirmation: str
    accepte_conditions: bool


def validate_signup(data: SignupData) -> tuple[str, date]:
    """The normalised e-mail and the birth date, or 422 with a problem per field."""
    problems: list[Problem] = []
    if data.civilite not in ("M", "F"):
        problems.append(
            Problem(
                TAB,
                "civilite",
                "Choisissez la civilité (M ou F).",
                MISSING if not data.civilite else "invalid",
            )
        )
    for field, value, label, name in (
        ("nom", data.nom, "votre nom", "Le nom"),
        ("prenom", data.prenom, "votre prénom", "Le prénom"),
    ):
        if not value:
            problems.append(Problem(TAB, field, f"Saisissez {label}.", MISSING))
        else:
            message = validate_person_name(value, name)
            if message:
                problems.append(Problem(TAB, field, message))
    if not data.date_naissance:
        problems.append(
            Problem(TAB, "date_naissance", "Saisissez votre date de naissance.", MISSING)
        )
    else:
        message = validate_birth_date(data.date_naissance)
        if message:
            problems.append(Problem(TAB, "date_naissance", message))
    problems += _email_problems(data.email, data.email_confirmation)
    if not data.accepte_conditions:
        problems.append(
            Problem(
                TAB, "accepte_conditions", "Cochez la case de validation pour continuer.", MISSING
            )
        )
    if problems:
        raise _invalid(problems)
    birth = parse_date(data.date_naissance)
    assert birth is not None
    return normalize_email(data.email), birth


# --- rate limits -------------------------------------------------------------------------


def limit_ip(session: Session, ip: str, scope: str = "anonymous") -> None:
    if scope == "login":
        enforce(
            session,
            f"login_ip:{ip}",
            LIMITS.login_per_ip,
            LIMITS.login_window,
            detail="Trop de tentatives de connexion depuis votre adresse : réessayez "
            "dans quelques minutes.",
        )
    else:
        enforce(session, f"anon_ip:{ip}", LIMITS.anonymous_per_ip, LIMITS.anonymous_window)


_TOO_MANY_CODES = (
    "Trop de codes ont été demandés pour cette adresse : attendez avant d'en demander un nouveau."
)


def _limit_sends(session: Session, settings: Settings, key: str) -> None:
    enforce(
        session,
        key,
        settings.code_max_sends_per_hour,
        timedelta(hours=1),
        detail=_TOO_MANY_CODES,
        code="too_many_codes",
    )


# --- codes and links ---------------------------------------------------------------------


def _issue_code(session: Session, settings: Settings, account: Account) -> None:
    """Kill the account's earlier codes, create a new one and queue its mail."""
    now = utcnow()
    session.exec(
        update(VerificationCode)  # type: ignore[call-overload]
        .where(
            col(VerificationCode.account_id) == account.id, col(VerificationCode.used_at).is_(None)
        )
        .values(used_at=now)
    )
    code = new_code()
    assert account.id is not None
    session.add(
        VerificationCode(
            account_id=account.id,
            code_hash=hash_secret(code),
            expires_at=now + timedelta(minutes=settings.code_ttl_minutes),
        )
    )
    queue_mail(
        session,
        to=account.email,
        template="signup_code",
        account_id=account.id,
        settings=settings,
        context={
            "prenom": account.prenom or account.etablissement_nom or "",
            "nom": (account.nom or "").upper(),
            "code": code,
            "ttl_minutes": settings.code_ttl_minutes,
            "valid_until": timefmt.format_time(now + timedelta(minutes=settings.code_ttl_minutes)),
            "max_tries": settings.code_max_tries,
        },
    )


def _link_url(settings: Settings, purpose: str, token: str) -> str:
    """The mailed link: the token after ``#``, which browsers never send to a server (so
    no access log sees it); the page it opens says to paste it into the application."""
    path = "initialisation" if purpose == LinkPurpose.SET_PASSWORD else "reinitialisation"
    return f"{settings.public_url.rstrip('/')}/compte/{path}#jeton={token}"


def _issue_link(
    session: Session, settings: Settings, account: Account, purpose: LinkPurpose
) -> tuple[str, datetime]:
    """Kill the account's earlier links of `purpose`, create a new one; returns the token
    and its expiry (naive UTC)."""
    now = utcnow()
    session.exec(
        update(LinkToken)  # type: ignore[call-overload]
        .where(
            col(LinkToken.account_id) == account.id,
            col(LinkToken.purpose) == purpose,
            col(LinkToken.used_at).is_(None),
        )
        .values(used_at=now)
    )
    token = new_token()
    assert account.id is not None
    session.add(
        LinkToken(
            token_hash=hash_token(token),
            account_id=account.id,
            purpose=purpose,
            expires_at=now + timedelta(minutes=settings.link_ttl_minutes),
        )
    )
    return token, now + timedelta(minutes=settings.link_ttl_minutes)


def _queue_set_password_link(session: Session, settings: Settings, account: Account) -> None:
    token, expires_at = _issue_link(session, settings, account, LinkPurpose.SET_PASSWORD)
    queue_mail(
        session,
        to=account.email,
        template="lien_initialisation",
        account_id=account.id,
        settings=settings,
        context={
            "prenom": account.prenom,
            "nom": (account.nom or "").upper(),
            "link": _link_url(settings, LinkPurpose.SET_PASSWORD, token),
            "token": token,
            "ttl_minutes": settings.link_ttl_minutes,
            "valid_until": timefmt.format_time(expires_at),
            "username": account.username,
        },
    )


def _queue_existing_notice(session: Session, settings: Settings, account: Account) -> None:
    queue_mail(
        session,
        to=account.email,
        template="compte_existant",
        account_id=account.id,
        settings=settings,
        context={"email": account.email, "username": account.username},
    )


# --- CESP sign-up ------------------------------------------------------------------------


def signup(session: Session, settings: Settings, data: SignupData, ip: str) -> None:
    """Step 1: validate, then mail a code (new address) or a notice (known address)."""
    email, birth = validate_signup(data)
    limit_ip(session, ip)
    _limit_sends(session, settings, f"code_addr:{email}")
    account = find_by_email(session, email)
    if account is None:
        account = Account(
            username=_placeholder_username(),
            email=email,
            role=Role.CANDIDAT,
            status=AccountStatus.PENDING_CODE,
        )
    if account.status == AccountStatus.PENDING_CODE:
        account.role = Role.CANDIDAT
        account.civilite, account.nom, account.prenom = data.civilite, data.nom, data.prenom
        account.date_naissance = birth
        account.etablissement_nom = account.finess = account.password_hash = None
        session.add(account)
        try:
            session.flush()
        except IntegrityError:  # the same address signed up concurrently
            session.rollback()
            burn_time()
            return
        if account.id is not None:
            _limit_sends(session, settings, f"code_acct:{account.id}")
        _issue_code(session, settings, account)
    else:
        _resend_for(session, settings, account)
    session.commit()


def _resend_for(
    session: Session, settings: Settings, account: Account, *, burn: bool = True
) -> None:
    """What a known address gets instead of a new account (same time spent)."""
    if burn:
        burn_time()
    if account.status == AccountStatus.PENDING_PASSWORD:
        _queue_set_password_link(session, settings, account)
    elif account.status == AccountStatus.ACTIVE:
        _queue_existing_notice(session, settings, account)


def resend_code(session: Session, settings: Settings, email: str, ip: str) -> None:
    problems = _email_problems(email, None)
    if problems:
        raise _invalid(problems)
    email = normalize_email(email)
    limit_ip(session, ip)
    _limit_sends(session, settings, f"code_addr:{email}")
    account = find_by_email(session, email)
    if account is None or account.status == AccountStatus.DISABLED:
        burn_time()
    elif account.status == AccountStatus.PENDING_CODE:
        _limit_sends(session, settings, f"code_acct:{account.id}")
        _issue_code(session, settings, account)
    else:
        _resend_for(session, settings, account)
    session.commit()


def _code_invalid(tries_left: int) -> ApiProblem:
    if tries_left <= 0:
        detail = (
            "Code incorrect. Ce code n'est plus utilisable : demandez-en un nouveau "
            "(« Renvoyer un code »)."
        )
    else:
        detail = (
            f"Code incorrect ou expiré : il vous reste {tries_left} "
            f"essai{'s' if tries_left > 1 else ''}."
        )
    return ApiProblem(
        400,
        "code_invalid",
        detail,
        extra={"tries_left": max(tries_left, 0)},
        problems=[Problem(TAB, "code", detail)],
    )


_CODE_EXHAUSTED = (
    "Trop d'essais pour ce code : il n'est plus utilisable. Demandez un nouveau "
    "code (« Renvoyer un code »)."
)


def verify_code(session: Session, settings: Settings, email: str, code: str, ip: str) -> Account:
    """Step 2: the code typed back; on success, the three mails of step 3."""
    limit_ip(session, ip)
    code = code.strip()
    if not re.fullmatch(r"[0-9]{4}", code):
        detail = "Le code comporte 4 chiffres : recopiez-le depuis l'e-mail reçu."
        raise ApiProblem(422, "invalid_fields", detail, problems=[Problem(TAB, "code", detail)])
    email = normalize_email(email)
    account = find_by_email(session, email)
    row = None
    if account is not None and account.status == AccountStatus.PENDING_CODE:
        row = session.exec(
            select(VerificationCode)
            .where(
                VerificationCode.account_id == account.id, col(VerificationCode.used_at).is_(None)
            )
            .order_by(col(VerificationCode.id).desc())
        ).first()
    max_tries = settings.code_max_tries
    now = utcnow()
    if account is None or row is None or now >= row.expires_at:
        # No live code to check: answer as a wrong code would, tries counted per address
        # (an expired code answers like an unknown address: nothing tells them apart).
        burn_time(code)
        tries = hit(session, f"code_try:{email}", timedelta(minutes=settings.code_ttl_minutes))
        if tries > max_tries:
            raise ApiProblem(410, "code_exhausted", _CODE_EXHAUSTED)
        raise _code_invalid(max_tries - tries)
    counted = session.exec(  # type: ignore[call-overload]
        update(VerificationCode)
        .where(col(VerificationCode.id) == row.id, col(VerificationCode.tries) < max_tries)
        .values(tries=VerificationCode.tries + 1)
        .returning(VerificationCode.tries)
    ).scalar_one_or_none()
    session.commit()
    if counted is None:
        raise ApiProblem(410, "code_exhausted", _CODE_EXHAUSTED)
    if not verify_secret(code, row.code_hash):
        raise _code_invalid(max_tries - int(counted))
    consumed = session.exec(  # type: ignore[call-overload]
        update(VerificationCode)
        .where(col(VerificationCode.id) == row.id, col(VerificationCode.used_at).is_(None))
        .values(used_at=now)
    ).rowcount
    if not consumed:
        session.rollback()
        raise ApiProblem(410, "code_used", "Ce code a déjà été utilisé.")
    if account.role == Role.ETABLISSEMENT:
        _activate_etablissement(session, settings, account, now)
        return account
    account.status = AccountStatus.PENDING_PASSWORD
    account.email_verified_at = now
    session.add(account)
    session.commit()
    assign_username(session, account, _person_username(account.prenom or "", account.nom or ""))
    context = {"prenom": account.prenom, "nom": (account.nom or "").upper()}
    queue_mail(
        session,
        to=account.email,
        template="nouvelle_habilitation",
        account_id=account.id,
        settings=settings,
        context=context,
    )
    _queue_set_password_link(session, settings, account)
    queue_mail(
        session,
        to=account.email,
        template="identifiant_connexion",
        account_id=account.id,
        settings=settings,
        context={**context, "username": account.username},
    )
    session.commit()
    return account


# --- links: password set-up and reset ----------------------------------------------------


def _find_link(session: Session, token: str, purpose: LinkPurpose) -> tuple[LinkToken, Account]:
    link = None
    if token and len(token) <= 200:
        link = session.exec(
            select(LinkToken).where(
                LinkToken.token_hash == hash_token(token), LinkToken.purpose == purpose
            )
        ).first()
    account = session.get(Account, link.account_id) if link is not None else None
    if link is None or account is None:
        raise ApiProblem(
            400,
            "link_invalid",
            "Ce lien n'est pas valide : vérifiez que vous l'avez copié en entier.",
        )
    if link.tries >= LIMITS.answer_tries_per_link:
        raise ApiProblem(
            410,
            "link_exhausted",
            "Trop de réponses erronées avec ce lien : il n'est plus utilisable. "
            "Demandez-en un nouveau (« Mot de passe oublié »).",
        )
    if link.used_at is not None:
        raise ApiProblem(
            410, "link_used", "Ce lien a déjà été utilisé : un lien ne sert qu'une fois."
        )
    if utcnow() >= link.expires_at:
        raise ApiProblem(410, "link_expired", "Ce lien a expiré : demandez-en un nouveau.")
    return link, account


def link_info(session: Session, token: str, purpose: LinkPurpose) -> tuple[LinkToken, Account]:
    return _find_link(session, token, purpose)


def _consume_link(session: Session, link: LinkToken) -> None:
    consumed = session.exec(  # type: ignore[call-overload]
        update(LinkToken)
        .where(col(LinkToken.id) == link.id, col(LinkToken.used_at).is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if not consumed:
        session.rollback()
        raise ApiProblem(
            410, "link_used", "Ce lien a déjà été utilisé : un lien ne sert qu'une fois."
        )


def _set_password(account: Account, password: str) -> None:
    account.password_hash = hash_secret(password)
    account.password_changed_at = utcnow()
    account.failed_logins = 0
    account.locked_until = None


def revoke_sessions(session: Session, account_id: int, *, keep: int | None = None) -> None:
    statement = (
        update(AuthSession)
        .where(col(AuthSession.account_id) == account_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    session.exec(statement)  # type: ignore[call-overload]


def setup_password(
    session: Session,
    settings: Settings,
    *,
    token: str,
    password: str,
    confirmation: str,
    question: str,
    answer: str,
) -> Account:
    """The "Mon compte" step of the CESP sign-up: password and secret question."""
    link, account = _find_link(session, token, LinkPurpose.SET_PASSWORD)
    problems = _password_problems(
        password, confirmation, forbidden=(account.username, account.email.partition("@")[0])
    )
    if not question:
        problems.append(Problem(TAB, "secret_question", "Saisissez une question secrète.", MISSING))
    if not answer:
        problems.append(
            Problem(TAB, "secret_answer", "Saisissez la réponse à votre question secrète.", MISSING)
        )
    elif secret_answer_problem(answer):
        problems.append(Problem(TAB, "secret_answer", secret_answer_problem(answer) or ""))
    if problems:
        raise _invalid(problems)
    _consume_link(session, link)
    _set_password(account, password)
    account.secret_question = question
    account.secret_answer_hash = hash_answer(answer)
    account.status = AccountStatus.ACTIVE
    session.add(account)
    assert account.id is not None
    revoke_sessions(session, account.id)
    session.commit()
    return account


def forgot_password(session: Session, settings: Settings, identifier: str, ip: str) -> None:
    limit_ip(session, ip)
    account = find_by_identifier(session, identifier)
    burn_time()
    if account is None or account.status not in (
        AccountStatus.ACTIVE,
        AccountStatus.PENDING_PASSWORD,
    ):
        return
    if hit(session, f"reset_mail:{account.id}", timedelta(hours=1)) > LIMITS.reset_mails_per_hour:
        return  # silently: the answer must not tell the account exists
    if account.status == AccountStatus.PENDING_PASSWORD:
        _queue_set_password_link(session, settings, account)
    else:
        token, expires_at = _issue_link(session, settings, account, LinkPurpose.RESET_PASSWORD)
        queue_mail(
            session,
            to=account.email,
            template="password_reset_link",
            account_id=account.id,
            settings=settings,
            context={
                "username": account.username,
                "token": token,
                "link": _link_url(settings, LinkPurpose.RESET_PASSWORD, token),
                "ttl_minutes": settings.link_ttl_minutes,
                "valid_until": timefmt.format_time(expires_at),
                "has_secret_question": bool(account.secret_answer_hash),
            },
        )
    session.commit()


def _queue_password_changed(session: Session, settings: Settings, account: Account) -> None:
    queue_mail(
        session,
        to=account.email,
        template="password_changed",
        account_id=account.id,
        settings=settings,
        context={
            "username": account.username,
            "changed_at": timefmt.format_moment(utcnow()),
        },
    )


def reset_password(
    session: Session,
    settings: Settings,
    *,
    token: str,
    secret_answer: str | None,
    password: str,
    confirmation: str,
) -> Account:
    """A new password with a reset link. The link proves the mailbox; an account with a
    secret question must also give its answer. A login throttle never stops a reset, and
    the reset clears it (the owner's way back in)."""
    link, account = _find_link(session, token, LinkPurpose.RESET_PASSWORD)
    problems = _password_problems(
        password, confirmation, forbidden=(account.username, account.email.partition("@")[0])
    )
    if account.secret_answer_hash and not secret_answer:
        problems.append(
            Problem(TAB, "secret_answer", "Saisissez la réponse à votre question secrète.", MISSING)
        )
    if problems:
        raise _invalid(problems)
    if account.secret_answer_hash and not verify_answer(
        secret_answer or "", account.secret_answer_hash
    ):
        tries = session.exec(  # type: ignore[call-overload]
            update(LinkToken)
            .where(col(LinkToken.id) == link.id)
            .values(tries=LinkToken.tries + 1)
            .returning(LinkToken.tries)
        ).scalar_one()
        if tries >= LIMITS.answer_tries_per_link:
            session.exec(
                update(LinkToken)
                .where(col(LinkToken.id) == link.id)  # type: ignore[call-overload]
                .values(used_at=utcnow())
            )
        session.commit()
        left = max(LIMITS.answer_tries_per_link - tries, 0)
        detail = "Réponse à la question secrète incorrecte. " + (
            f"Il vous reste {left} essai{'s' if left > 1 else ''} avec ce lien."
            if left
            else "Ce lien n'est plus utilisable : demandez-en un nouveau."
        )
        raise ApiProblem(
            400,
            "secret_answer_invalid",
            detail,
            extra={"tries_left": left},
            problems=[Problem(TAB, "secret_answer", detail)],
        )
    _consume_link(session, link)
    _set_password(account, password)
    assert account.id is not None
    throttle.clear(session, throttle.account_key(account.id))
    if account.status == AccountStatus.PENDING_PASSWORD:
        account.status = AccountStatus.ACTIVE
    session.add(account)
    assert account.id is not None
    revoke_sessions(session, account.id)
    _queue_password_changed(session, settings, account)
    session.commit()
    return account


def change_password(
    session: Session,
    settings: Settings,
    account: Account,
    auth: AuthSession,
    *,
    current: str,
    new: str,
    confirmation: str,
) -> None:
    assert account.id is not None
    key = throttle.account_key(account.id)
    throttle.check(session, key)
    if not verify_secret(current, account.password_hash):
        refusal = throttle.fail(session, settings, key)
        if refusal is not None:
            raise refusal
        detail = "Le mot de passe actuel est incorrect."
        raise ApiProblem(
            400, "bad_current_password", detail, problems=[Problem(TAB, "current_password", detail)]
        )
    problems = _password_problems(
        new,
        confirmation,
        "new_password",
        forbidden=(account.username, account.email.partition("@")[0]),
    )
    if new and new == current:
        problems.append(
            Problem(TAB, "new_password", "Le nouveau mot de passe doit être différent de l'actuel.")
        )
    if problems:
        raise _invalid(problems)
    _set_password(account, new)
    session.add(account)
    assert account.id is not None
    revoke_sessions(session, account.id, keep=auth.id)
    throttle.clear(session, key)
    _queue_password_changed(session, settings, account)
    session.commit()


# --- établissement accounts --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EtablissementData:
    etablissement_nom: str
    finess: str
    email: str
    password: str
    password_confirmation: str


def signup_etablissement(
    session: Session, settings: Settings, data: EtablissementData, ip: str
) -> None:
    """An établissement account, pending until its address is proved with the mailed
    4-digit code (`verify_code`), as a CESP sign-up is."""
    problems: list[Problem] = []
    if not data.etablissement_nom:
        problems.append(
            Problem(TAB, "etablissement_nom", "Saisissez le nom de l'établissement.", MISSING)
        )
    else:
        message = validate_organisation_name(data.etablissement_nom)
        if message:
            problems.append(Problem(TAB, "etablissement_nom", message))
    finess_message = validate_finess(data.finess)
    if finess_message:
        problems.append(
            Problem(TAB, "finess", finess_message, MISSING if not data.finess else "invalid")
        )
    problems += _email_problems(data.email, None)
    problems += _password_problems(
        data.password, data.password_confirmation, forbidden=(data.email.partition("@")[0],)
    )
    if problems:
        raise _invalid(problems)
    email = normalize_email(data.email)
    limit_ip(session, ip)
    _limit_sends(session, settings, f"code_addr:{email}")
    password_hash = hash_secret(data.password)  # spent on every path (timing)
    account = find_by_email(session, email)
    if account is not None and account.status != AccountStatus.PENDING_CODE:
        _resend_for(session, settings, account, burn=False)  # the hash above was spent
        session.commit()
        return
    if account is None:
        account = Account(username=_placeholder_username(), email=email, role=Role.ETABLISSEMENT)
    account.role = Role.ETABLISSEMENT
    account.status = AccountStatus.PENDING_CODE
    account.civilite = account.nom = account.prenom = None
    account.date_naissance = None
    account.etablissement_nom = data.etablissement_nom
    account.finess = compact_finess(data.finess)
    account.password_hash = password_hash
    account.password_changed_at = utcnow()
    session.add(account)
    try:
        session.flush()
    except IntegrityError:  # the same address, concurrently
        session.rollback()
        return
    _limit_sends(session, settings, f"code_acct:{account.id}")
    _issue_code(session, settings, account)
    session.commit()


def _activate_etablissement(
    session: Session, settings: Settings, account: Account, now: datetime
) -> None:
    """The code proved the address: the établissement account is active (commits)."""
    account.status = AccountStatus.ACTIVE
    account.email_verified_at = now
    session.add(account)
    session.commit()
    assign_username(session, account, f"etab.{_slug(account.etablissement_nom or '')[:40] or 'x'}")
    queue_mail(
        session,
        to=account.email,
        template="etablissement_confirmation",
        account_id=account.id,
        settings=settings,
        context={
            "etablissement_nom": account.etablissement_nom,
            "finess": account.finess,
            "email": account.email,
            "username": account.username,
        },
    )
    session.commit()


# --- login and sessions ------------------------------------------------------------------


def create_session(
    session: Session, settings: Settings, account: Account, user_agent: str | None = None
) -> tuple[str, AuthSession]:
    token = new_token()
    now = utcnow()
    assert account.id is not None
    auth = AuthSession(
        token_hash=hash_token(token),
        account_id=account.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        user_agent=(user_agent or "")[:200] or None,
    )
    session.add(auth)
    return token, auth


_BAD_CREDENTIALS = "Identifiant ou mot de passe incorrect."


def login(
    session: Session,
    settings: Settings,
    *,
    identifier: str,
    password: str,
    ip: str,
    user_agent: str | None = None,
) -> tuple[str, AuthSession, Account]:
    limit_ip(session, ip, "login")
    account = find_by_identifier(session, identifier)
    key = (
        throttle.identifier_key(identifier)
        if account is None or account.id is None
        else throttle.account_key(account.id)
    )
    try:
        throttle.check(session, key)
    except ApiProblem:
        burn_time(password)
        raise
    if account is None or not verify_secret(password, account.password_hash):
        if account is None:
            burn_time(password)
        refusal = throttle.fail(session, settings, key)
        raise refusal or ApiProblem(401, "bad_credentials", _BAD_CREDENTIALS)
    if account.status == AccountStatus.PENDING_CODE:
        raise ApiProblem(
            403,
            "account_unverified",
            "Adresse e-mail pas encore vérifiée : saisissez le code à 4 chiffres reçu par "
            "e-mail (écran d'inscription, « Renvoyer un code » pour en recevoir un nouveau).",
        )
    if account.status != AccountStatus.ACTIVE:
        raise ApiProblem(403, "account_disabled", "Ce compte est désactivé : contactez le support.")
    assert account.password_hash is not None and account.id is not None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_secret(password)
    throttle.clear(session, key)
    session.add(account)
    token, auth = create_session(session, settings, account, user_agent)
    session.commit()
    return token, auth, account


def logout(session: Session, auth: AuthSession) -> None:
    auth.revoked_at = utcnow()
    session.add(auth)
    session.commit()


# --- staff accounts (CLI) ----------------------------------------------------------------


class AccountError(ValueError):
    """A refusal of `create_staff_account`, with a French message."""


def create_staff_account(
    session: Session, *, role: str, email: str, nom: str, prenom: str, password: str
) -> Account:
    """An active agent, support, instructeur or admin account (used by `cesp-server user
    create` and by the tests)."""
    if role not in {r.value for r in STAFF_ROLES}:
        raise AccountError(f"Rôle inconnu : {role} (agent, support, instructeur ou admin).")
    message = validate_email(email)
    if message:
        raise AccountError(message)
    problems = password_problems(password)
    if problems:
        raise AccountError(" ".join(problems))
    email = normalize_email(email)
    if find_by_email(session, email) is not None:
        raise AccountError(f"Un compte existe déjà pour l'adresse {email}.")
    account = Account(
        username=_placeholder_username(),
        email=email,
        role=role,
        status=AccountStatus.ACTIVE,
        nom=nom,
        prenom=prenom,
        email_verified_at=utcnow(),
    )
    _set_password(account, password)
    session.add(account)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise AccountError(f"Un compte existe déjà pour l'adresse {email}.") from exc
    assign_username(session, account, _person_username(prenom, nom))
    session.refresh(account)
    return account


def purge_expired(session: Session, *, keep: timedelta = timedelta(days=30)) -> int:
    """Delete codes, links and sessions that ended more than `keep` ago (`jobs run`)."""
    limit = utcnow() - keep
    deleted = 0
    for statement in (
        delete(VerificationCode).where(col(VerificationCode.expires_at) < limit),
        delete(LinkToken).where(col(LinkToken.expires_at) < limit),
        delete(AuthSession).where(
            (col(AuthSession.expires_at) < limit) | (col(AuthSession.revoked_at) < limit)
        ),
    ):
        deleted += int(session.exec(statement).rowcount or 0)  # type: ignore[call-overload]
    session.commit()
    return deleted + throttle.purge(session)
