"""Account helpers shared by the API, TUI and end-to-end tests.

They go through the real HTTP API and read the codes and links out of the mails that were
really delivered (SMTP sink, or the Maildir when the server has no SMTP).
"""

from __future__ import annotations

import mailbox
import re
import time
from email import message_from_binary_file
from email.message import EmailMessage
from email.policy import default as default_policy

import httpx
from sqlmodel import Session

from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text

DEFAULT_PASSWORD = "Motdepasse1!"
#: A FINESS with a correct Luhn key (Paris).
VALID_FINESS = "750712184"
SECRET_QUESTION = "Nom de ma première école ?"
SECRET_ANSWER = "École Jules Ferry"

_CODE = re.compile(r"Votre code de vérification : (\d{4})")
_TOKEN = re.compile(r"coller ce jeton :\s*\n\s*(\S+)")
_USERNAME = re.compile(r"Votre identifiant de connexion : (\S+)")


def maildir_messages(server: ServerHandle) -> list[EmailMessage]:
    path = server.settings.resolved_maildir
    if not path.exists():
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    out: list[EmailMessage] = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            msg = message_from_binary_file(handle, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def wait_mail(
    server: ServerHandle,
    smtp: SmtpSink | None,
    to: str,
    subject_contains: str,
    *,
    count: int = 1,
    timeout: float = 15.0,
) -> str:
    """The body of the `count`-th mail to `to` whose subject contains `subject_contains`."""
    if smtp is not None:
        return body_text(smtp.wait_for(to, subject_contains, timeout=timeout, count=count)[-1])
    deadline = time.monotonic() + timeout
    while True:
        found = [
            m
            for m in maildir_messages(server)
            if to.lower() in str(m["To"]).lower() and subject_contains in str(m["Subject"])
        ]
        if len(found) >= count:
            found.sort(key=lambda m: str(m["Date"]))
            return body_text(found[count - 1])
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {to!r} with {subject_contains!r} in the Maildir")
        time.sleep(0.05)


def extract_code(body: str) -> str:
    match = _CODE.search(body)
    assert match, body
    return match.group(1)


def extract_token(body: str) -> str:
    match = _TOKEN.search(body)
    assert match, body
    return match.group(1)


def extract_username(body: str) -> str:
    match = _USERNAME.search(body)
    assert match, body
    return match.group(1)


def signup_payload(
    email: str,
    *,
    nom: str = "Dupont",
    prenom: str = "Jeanne",
    civilite: str = "F",
    date_naissance: str = "2001-04-12",
) -> dict[str, object]:
    return {
        "civilite": civilite,
        "nom": nom,
        "prenom": prenom,
        "date_naissance": date_naissance,
        "email": email,
        "email_confirmation": email,
        "accepte_conditions": True,
    }


def login(server: ServerHandle, identifier: str, password: str = DEFAULT_PASSWORD) -> str:
    with server.client() as client:
        response = client.post("/auth/login", json={"identifier": identifier, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def signup_until_link(
    server: ServerHandle,
    smtp: SmtpSink | None,
    email: str,
    *,
    nom: str = "Dupont",
    prenom: str = "Jeanne",
) -> tuple[str, str]:
    """Sign-up steps 1-3: returns (set-password link token, username)."""
    with server.client() as client:
        r = client.post("/accounts/signup", json=signup_payload(email, nom=nom, prenom=prenom))
        assert r.status_code == 202, r.text
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        r = client.post("/accounts/signup/verify", json={"email": email, "code": code})
        assert r.status_code == 200, r.text
    token = extract_token(wait_mail(server, smtp, email, "Initialisation mdp"))
    username = extract_username(wait_mail(server, smtp, email, "Identifiant de connexion"))
    return token, username


def create_cesp_account(
    server: ServerHandle, smtp: SmtpSink | None, email: str, password: str = DEFAULT_PASSWORD
) -> str:
    """The whole CESP sign-up through the API and the mails; returns a session token."""
    link, username = signup_until_link(server, smtp, email)
    with server.client() as client:
        r = client.post(
            "/accounts/password/setup",
            json={
                "token": link,
                "password": password,
                "password_confirmation": password,
                "secret_question": SECRET_QUESTION,
                "secret_answer": SECRET_ANSWER,
            },
        )
        assert r.status_code == 200, r.text
    return login(server, username, password)


def create_etablissement_account(
    server: ServerHandle,
    smtp: SmtpSink | None,
    email: str,
    finess: str = VALID_FINESS,
    password: str = DEFAULT_PASSWORD,
    etablissement_nom: str = "Centre hospitalier de Test",
) -> str:
    """An ASP établissement account through the API; returns a session token."""
    with server.client() as client:
        r = client.post(
            "/accounts/etablissement",
            json={
                "etablissement_nom": etablissement_nom,
                "finess": finess,
                "email": email,
                "password": password,
                "password_confirmation": password,
            },
        )
        assert r.status_code == 202, r.text
        # the address is proved with the mailed code first (issue 15)
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        r = client.post("/accounts/signup/verify", json={"email": email, "code": code})
        assert r.status_code == 200, r.text
    wait_mail(server, smtp, email, "compte établissement")
    return login(server, email, password)


def create_staff_account(
    server: ServerHandle, role: str, email: str, password: str = DEFAULT_PASSWORD
) -> str:
    """A staff account made by the function `cesp-server user create` uses; returns a token."""
    from cesp_server.crud.accounts import create_staff_account as create

    local = email.partition("@")[0]
    with Session(server.app.state.engine, expire_on_commit=False) as session:
        create(session, role=role, email=email, nom=local, prenom=role, password=password)
    return login(server, email, password)


def authed(server: ServerHandle, token: str) -> httpx.Client:
    return server.client(token)


def expire_sessions(server: ServerHandle, *, revoke: bool = False) -> int:
    """Make every open session of the platform idle for too long (401 `session_expired`),
    or revoke them (401 `unauthenticated`); returns how many."""
    from datetime import timedelta

    from sqlmodel import col, select

    from cesp_server.models import AuthSession, utcnow

    with Session(server.app.state.engine, expire_on_commit=False) as session:
        rows = list(session.exec(select(AuthSession).where(col(AuthSession.revoked_at).is_(None))))
        for row in rows:
            if revoke:
                row.revoked_at = utcnow()
            else:
                row.last_seen_at = utcnow() - timedelta(days=1)
            session.add(row)
        session.commit()
    return len(rows)


def claim_token(server: ServerHandle, smtp: SmtpSink | None, email: str, count: int = 1) -> str:
    """The token of the `count`-th "dossier saisi pour vous" mail sent to `email`."""
    return extract_token(
        wait_mail(server, smtp, email, "a été saisi par nos services", count=count)
    )
