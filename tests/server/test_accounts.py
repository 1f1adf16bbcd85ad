"""CESP sign-up, établissement accounts, forgotten password, password change."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from cesp_server.limits import LIMITS
from cesp_server.models import Account, AccountStatus, LinkToken, VerificationCode, utcnow
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    SECRET_ANSWER,
    SECRET_QUESTION,
    VALID_FINESS,
    create_cesp_account,
    create_etablissement_account,
    extract_code,
    extract_token,
    login,
    signup_payload,
    signup_until_link,
    wait_mail,
)
from tests.support.server import ServerHandle, start_server
from tests.support.smtp import SmtpSink, body_text

NEW_PASSWORD = "Nouveau#2026"


def _db(server: ServerHandle) -> Session:
    return Session(server.app.state.engine, expire_on_commit=False)


def _setup(server: ServerHandle, token: str, password: str = DEFAULT_PASSWORD):
    with server.client() as c:
        return c.post(
            "/accounts/password/setup",
            json={
                "token": token,
                "password": password,
                "password_confirmation": password,
                "secret_question": SECRET_QUESTION,
                "secret_answer": SECRET_ANSWER,
            },
        )


def test_cesp_signup_end_to_end(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "jeanne.dupont@exemple.fr"
    with server.client() as c:
        r = c.post("/accounts/signup", json=signup_payload(email, prenom="Jeanne-Éloïse"))
        assert r.status_code == 202
        assert "code" in r.json()["message"]
        code_mail = smtp.wait_for(email, "code de vérification")[0]
        assert code_mail["From"] == server.settings.mail_from
        assert code_mail["Message-ID"]
        code = extract_code(body_text(code_mail))
        r = c.post("/accounts/signup/verify", json={"email": email.upper(), "code": code})
        assert r.status_code == 200, r.text
        username = r.json()["identifiant"]
        assert username == "jeanne-eloise.dupont"
    # the three mails of step 3
    wait_mail(server, smtp, email, "Nouvelle habilitation")
    link_body = wait_mail(server, smtp, email, "Initialisation mdp via lien éphémère")
    assert f"{server.settings.link_ttl_minutes} minutes" in link_body
    id_body = wait_mail(server, smtp, email, "Identifiant de connexion")
    assert username in id_body
    assert DEFAULT_PASSWORD not in id_body
    token = extract_token(link_body)
    # the account cannot log in before the password is chosen
    with server.client() as c:
        r = c.post("/auth/login", json={"identifier": username, "password": DEFAULT_PASSWORD})
        assert r.status_code == 401
        r = c.post("/accounts/password/setup/check", json={"token": token})
        assert r.status_code == 200 and r.json()["identifiant"] == username
    assert _setup(server, token).status_code == 200
    session_token = login(server, username)
    with server.client(session_token) as c:
        me = c.get("/auth/me").json()
    assert me["username"] == username and me["role"] == "candidat"
    assert me["email"] == email and me["secret_question"] == SECRET_QUESTION
    assert me["prenom"] == "Jeanne-Éloïse" and me["date_naissance"] == "2001-04-12"
    # stored secrets are hashes, never the clear values
    with _db(server) as db:
        account = db.exec(select(Account).where(Account.username == username)).one()
        assert account.password_hash and account.password_hash.startswith("$argon2id$")
        assert account.secret_answer_hash and SECRET_ANSWER not in account.secret_answer_hash
        codes = db.exec(select(VerificationCode)).all()
        assert all(c.code_hash.startswith("$argon2id$") and code not in c.code_hash for c in codes)
        assert all(token not in link.token_hash for link in db.exec(select(LinkToken)))


def test_signup_validation_problems(server: ServerHandle) -> None:
    payload = signup_payload("pas-une-adresse", date_naissance="2030-01-01")
    payload.update(
        civilite="X", nom="", email_confirmation="autre@exemple.fr", accepte_conditions=False
    )
    with server.client() as c:
        r = c.post("/accounts/signup", json=payload)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "invalid_fields"
    fields = {p["field"]: p for p in body["problems"]}
    assert set(fields) == {
        "civilite",
        "nom",
        "date_naissance",
        "email",
        "email_confirmation",
        "accepte_conditions",
    }
    assert all(p["tab"] == "compte" for p in body["problems"])
    assert fields["nom"]["code"] == "missing"
    assert "futur" in fields["date_naissance"]["message"]


def test_signup_same_answer_known_and_unknown(server: ServerHandle, smtp: SmtpSink) -> None:
    known = "connu@exemple.fr"
    create_cesp_account(server, smtp, known)
    with server.client() as c:
        a = c.post("/accounts/signup", json=signup_payload(known))
        b = c.post("/accounts/signup", json=signup_payload("inconnu@exemple.fr"))
    assert a.status_code == b.status_code == 202
    assert a.json() == b.json()
    # the owner of the known address gets a notice, never a code
    notice = wait_mail(server, smtp, known, "inscription a été demandée")
    assert "existe déjà" in notice
    assert not smtp.find(known, "code de vérification")[1:]
    wait_mail(server, smtp, "inconnu@exemple.fr", "code de vérification")


def test_wrong_code_six_times(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "six@exemple.fr"
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        wrong = f"{(int(code) + 1) % 10000:04d}"
        answers = [
            c.post("/accounts/signup/verify", json={"email": email, "code": wrong})
            for _ in range(6)
        ]
        assert [a.status_code for a in answers] == [400] * 5 + [410]
        assert [a.json().get("tries_left") for a in answers[:5]] == [4, 3, 2, 1, 0]
        assert {a.json()["code"] for a in answers[:5]} == {"code_invalid"}
        assert answers[5].json()["code"] == "code_exhausted"
        # the right code is dead too
        r = c.post("/accounts/signup/verify", json={"email": email, "code": code})
        assert r.status_code == 410 and r.json()["code"] == "code_exhausted"
        # a new code works
        assert c.post("/accounts/signup/resend", json={"email": email}).status_code == 202
        new = extract_code(wait_mail(server, smtp, email, "code de vérification", count=2))
        r = c.post("/accounts/signup/verify", json={"email": email, "code": new})
        assert r.status_code == 200, r.text


def test_verify_unknown_address_looks_like_wrong_code(server: ServerHandle) -> None:
    with server.client() as c:
        r = c.post("/accounts/signup/verify", json={"email": "x@exemple.fr", "code": "1234"})
        assert r.status_code == 400 and r.json()["code"] == "code_invalid"
        assert r.json()["tries_left"] == 4
        r = c.post("/accounts/signup/verify", json={"email": "x@exemple.fr", "code": "12a4"})
        assert r.status_code == 422


def test_expired_code(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "expire@exemple.fr"
    with server.client() as c:
        c.post("/accounts/signup", json=signup_payload(email))
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        with _db(server) as db:
            db.exec(update(VerificationCode).values(expires_at=utcnow() - timedelta(seconds=1)))
            db.commit()
        r = c.post("/accounts/signup/verify", json={"email": email, "code": code})
    # an expired code answers as an unknown address does (issue 15)
    assert r.status_code == 400 and r.json()["code"] == "code_invalid"


def test_resend_limits(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "limite@exemple.fr"
    limit = server.settings.code_max_sends_per_hour
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202
        statuses = [
            c.post("/accounts/signup/resend", json={"email": email}).status_code
            for _ in range(limit)
        ]
        assert statuses == [202] * (limit - 1) + [429]
        r = c.post("/accounts/signup/resend", json={"email": email})
        assert r.status_code == 429 and r.json()["code"] == "too_many_codes"
        assert 0 < int(r.headers["Retry-After"]) <= 3600
        # the same limit holds for an address nobody owns, and for sign-up itself
        other = "personne@exemple.fr"
        statuses = [
            c.post("/accounts/signup/resend", json={"email": other}).status_code
            for _ in range(limit + 1)
        ]
        assert statuses == [202] * limit + [429]
        assert c.post("/accounts/signup", json=signup_payload(other)).status_code == 429
    wait_mail(server, smtp, email, "code de vérification", count=limit)


def test_anonymous_ip_limit(server: ServerHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LIMITS, "anonymous_per_ip", 3)
    with server.client() as c:
        statuses = [
            c.post("/accounts/password/forgot", json={"identifier": f"u{i}"}).status_code
            for i in range(4)
        ]
    assert statuses == [202, 202, 202, 429]


def test_link_expired_and_reused(server: ServerHandle, smtp: SmtpSink) -> None:
    token, _ = signup_until_link(server, smtp, "lien@exemple.fr")
    with _db(server) as db:
        db.exec(update(LinkToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.commit()
    r = _setup(server, token)
    assert r.status_code == 410 and r.json()["code"] == "link_expired"
    # signing up again with the same address mails a fresh link
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload("lien@exemple.fr")).status_code == 202
    fresh = extract_token(wait_mail(server, smtp, "lien@exemple.fr", "Initialisation mdp", count=2))
    assert fresh != token
    assert _setup(server, fresh).status_code == 200
    r = _setup(server, fresh)
    assert r.status_code == 410 and r.json()["code"] == "link_used"
    r = _setup(server, "n'importe-quoi")
    assert r.status_code == 400 and r.json()["code"] == "link_invalid"


def test_password_setup_policy(server: ServerHandle, smtp: SmtpSink) -> None:
    token, _ = signup_until_link(server, smtp, "politique@exemple.fr")
    with server.client() as c:
        r = c.post(
            "/accounts/password/setup",
            json={
                "token": token,
                "password": "éléphant",
                "password_confirmation": "autre",
                "secret_question": "",
                "secret_answer": "",
            },
        )
    assert r.status_code == 422
    fields = [p["field"] for p in r.json()["problems"]]
    assert fields.count("password") == 3  # accent, digit, special character
    assert {"password_confirmation", "secret_question", "secret_answer"} <= set(fields)
    # a refused attempt does not consume the link
    assert _setup(server, token).status_code == 200


def test_etablissement_account(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "bam@chu-test.fr"
    token = create_etablissement_account(server, smtp, email)
    body = wait_mail(server, smtp, email, "compte établissement")
    code_body = wait_mail(server, smtp, email, "code de vérification")
    assert "Centre hospitalier de Test" in code_body
    assert "Votre identifiant : bam@chu-test.fr" in body
    assert DEFAULT_PASSWORD not in body
    with server.client(token) as c:
        me = c.get("/auth/me").json()
    assert me["role"] == "etablissement" and me["finess"] == VALID_FINESS
    assert me["display_name"] == "Centre hospitalier de Test"
    # login also works with the generated username
    assert login(server, me["username"])
    # the same address again: same answer, no second account, a notice to the owner
    with server.client() as c:
        r = c.post(
            "/accounts/etablissement",
            json={
                "etablissement_nom": "Autre",
                "finess": VALID_FINESS,
                "email": email,
                "password": "Autre#pass1",
                "password_confirmation": "Autre#pass1",
            },
        )
    assert r.status_code == 202
    wait_mail(server, smtp, email, "inscription a été demandée")
    with _db(server) as db:
        assert len(db.exec(select(Account).where(Account.email == email)).all()) == 1


def test_etablissement_validation(server: ServerHandle) -> None:
    with server.client() as c:
        r = c.post(
            "/accounts/etablissement",
            json={
                "etablissement_nom": "",
                "finess": "750712185",
                "email": "bam@chu-test.fr",
                "password": "court",
                "password_confirmation": "court",
            },
        )
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["problems"]}
    assert {"etablissement_nom", "finess", "password"} <= fields
    assert "clé" in next(p["message"] for p in r.json()["problems"] if p["field"] == "finess")


def _forgot(server: ServerHandle, identifier: str):
    with server.client() as c:
        return c.post("/accounts/password/forgot", json={"identifier": identifier})


def _reset(server: ServerHandle, token: str, answer: str | None, password: str = NEW_PASSWORD):
    with server.client() as c:
        return c.post(
            "/accounts/password/reset",
            json={
                "token": token,
                "secret_answer": answer,
                "password": password,
                "password_confirmation": password,
            },
        )


def test_forgot_password_with_secret_answer(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "oubli@exemple.fr"
    old_session = create_cesp_account(server, smtp, email)
    known, unknown = _forgot(server, email), _forgot(server, "personne@exemple.fr")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    body = wait_mail(server, smtp, email, "Réinitialisation")
    assert "question secrète" in body
    token = extract_token(body)
    with server.client() as c:
        info = c.post("/accounts/password/reset/check", json={"token": token})
    assert info.status_code == 200 and info.json()["secret_question"] == SECRET_QUESTION
    assert info.json()["has_secret_question"] is True
    # a wrong answer is refused and counted
    r = _reset(server, token, "mauvaise réponse")
    assert r.status_code == 400 and r.json()["code"] == "secret_answer_invalid"
    assert r.json()["tries_left"] == LIMITS.answer_tries_per_link - 1
    # the answer is compared without accents, case or extra spaces
    r = _reset(server, token, "  ecole   JULES ferry ")
    assert r.status_code == 200, r.text
    wait_mail(server, smtp, email, "mot de passe a été modifié")
    # every session is revoked; the old password no longer works, the new one does
    with server.client(old_session) as c:
        assert c.get("/auth/me").status_code == 401
    with server.client() as c:
        r = c.post("/auth/login", json={"identifier": email, "password": DEFAULT_PASSWORD})
        assert r.status_code == 401
    assert login(server, email, NEW_PASSWORD)
    # the link was single use
    r = _reset(server, token, SECRET_ANSWER, "Encore#2027")
    assert r.status_code == 410 and r.json()["code"] == "link_used"
    with server.client() as c:
        assert c.post("/accounts/password/reset/check", json={"token": token}).status_code == 410


def test_wrong_answers_burn_the_link(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "reponses@exemple.fr"
    create_cesp_account(server, smtp, email)
    _forgot(server, email)
    token = extract_token(wait_mail(server, smtp, email, "Réinitialisation"))
    answers = [_reset(server, token, f"faux {i}") for i in range(LIMITS.answer_tries_per_link)]
    assert [a.status_code for a in answers] == [400] * LIMITS.answer_tries_per_link
    assert answers[-1].json()["tries_left"] == 0
    r = _reset(server, token, SECRET_ANSWER)
    assert r.status_code == 410 and r.json()["code"] == "link_exhausted"


def test_change_password_revokes_other_sessions(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "change@exemple.fr"
    first = create_cesp_account(server, smtp, email)
    second = login(server, email)
    with server.client(first) as c:
        r = c.post(
            "/accounts/me/password",
            json={
                "current_password": "Mauvais#123",
                "new_password": NEW_PASSWORD,
                "new_password_confirmation": NEW_PASSWORD,
            },
        )
        assert r.status_code == 400 and r.json()["code"] == "bad_current_password"
        r = c.post(
            "/accounts/me/password",
            json={
                "current_password": DEFAULT_PASSWORD,
                "new_password": "sansChiffre!",
                "new_password_confirmation": "sansChiffre!",
            },
        )
        assert r.status_code == 422
        r = c.post(
            "/accounts/me/password",
            json={
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_confirmation": NEW_PASSWORD,
            },
        )
        assert r.status_code == 200, r.text
        assert c.get("/auth/me").status_code == 200  # this session is kept
    with server.client(second) as c:
        assert c.get("/auth/me").status_code == 401  # the other one is revoked
    assert login(server, email, NEW_PASSWORD)
    body = wait_mail(server, smtp, email, "mot de passe a été modifié")
    assert NEW_PASSWORD not in body


def test_pending_password_account_gets_a_new_link_on_forgot(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    email = "attente@exemple.fr"
    signup_until_link(server, smtp, email)
    assert _forgot(server, email).status_code == 202
    token = extract_token(wait_mail(server, smtp, email, "Initialisation mdp", count=2))
    assert _setup(server, token).status_code == 200
    with _db(server) as db:
        account = db.exec(select(Account).where(Account.email == email)).one()
        assert account.status == AccountStatus.ACTIVE


def test_concurrent_wrong_codes_count_exactly(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "course@exemple.fr"
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202
    code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
    wrong = f"{(int(code) + 5000) % 10000:04d}"

    def attempt(_: int) -> str:
        with server.client() as c:
            r = c.post("/accounts/signup/verify", json={"email": email, "code": wrong})
            return r.json()["code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(12)))
    max_tries = server.settings.code_max_tries
    assert outcomes.count("code_invalid") == max_tries
    assert outcomes.count("code_exhausted") == 12 - max_tries
    with _db(server) as db:
        assert db.exec(select(VerificationCode)).one().tries == max_tries


def test_two_workers_share_the_limits(server: ServerHandle, smtp: SmtpSink) -> None:
    """A second application on the same database (another worker) sees the same counts."""
    settings = server.settings.model_copy()
    other = start_server(settings)
    try:
        email = "deux@exemple.fr"
        limit = server.settings.code_max_sends_per_hour
        statuses = []
        for i in range(limit + 1):
            handle = (server, other)[i % 2]
            with handle.client() as c:
                statuses.append(
                    c.post("/accounts/signup/resend", json={"email": email}).status_code
                )
        assert statuses == [202] * limit + [429]
    finally:
        other.stop()
