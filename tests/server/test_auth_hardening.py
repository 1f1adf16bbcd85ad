"""Issue 15 "Platform hardening", accounts and authentication (ADR 0016)."""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, select, update
from sqlmodel import Session

from cesp_server.log_masking import install_log_masking
from cesp_server.mail.outbox import deliver_pending
from cesp_server.models import OutboxMail, utcnow
from cesp_server.settings import Settings
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
from tests.support.postgres import free_port
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as make_settings
from tests.support.smtp import SmtpSink, body_text

NEW_PASSWORD = "Nouveau#2026"


def _db(server: ServerHandle) -> Session:
    return Session(server.app.state.engine, expire_on_commit=False)


def _login(server: ServerHandle, identifier: str, password: str) -> httpx.Response:
    with server.client() as c:
        return c.post("/auth/login", json={"identifier": identifier, "password": password})


def _forgot(server: ServerHandle, identifier: str) -> httpx.Response:
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


def _end_waits(server: ServerHandle) -> None:
    from cesp_server.models import LoginThrottle

    with _db(server) as db:
        db.exec(update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.commit()


# --- item 1: a way back, and a wait instead of a lock -----------------------------------


def test_reset_through_the_mailbox_unlocks(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "bloquee@exemple.fr"
    create_cesp_account(server, smtp, email)
    n = server.settings.login_max_failures
    statuses = [_login(server, email, f"Faux#{i}0").status_code for i in range(n)]
    assert statuses[-1] == 423
    assert _forgot(server, email).status_code == 202
    token = extract_token(wait_mail(server, smtp, email, "Réinitialisation"))
    r = _reset(server, token, SECRET_ANSWER)
    assert r.status_code == 200, r.text
    # at once, no wait left
    assert _login(server, email, NEW_PASSWORD).status_code == 200


def test_login_waits_grow_and_the_owner_passes_after_the_wait(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    from cesp_server.models import LoginThrottle

    email = "patiente@exemple.fr"
    create_cesp_account(server, smtp, email)
    settings = server.settings
    n = settings.login_max_failures
    answers = [_login(server, email, f"Faux#{i}0") for i in range(n)]
    assert [a.status_code for a in answers] == [401] * (n - 1) + [423]
    first = int(answers[-1].headers["Retry-After"])
    assert first == settings.login_throttle_seconds < settings.login_lock_minutes * 60
    # attempts during the wait (even the right password) are refused and not counted
    for password in ("Encore#faux1", DEFAULT_PASSWORD, "Encore#faux2"):
        r = _login(server, email, password)
        assert r.status_code == 423 and r.json()["code"] == "account_locked"
    with _db(server) as db:
        assert [row.failures for row in db.exec(select(LoginThrottle)).scalars()] == [n]
    # after the wait the owner's password passes
    _end_waits(server)
    assert _login(server, email, DEFAULT_PASSWORD).status_code == 200
    # the count started again; each failure past the free ones doubles the wait
    for _ in range(n):
        r = _login(server, email, "Faux#9999")
    assert int(r.headers["Retry-After"]) == first
    _end_waits(server)
    r = _login(server, email, "Faux#9999")
    assert r.status_code == 423 and int(r.headers["Retry-After"]) == 2 * first


def test_wait_is_capped() -> None:
    from cesp_server.crud.throttle import delay_after

    settings = Settings(login_max_failures=5, login_throttle_seconds=30, login_lock_minutes=15)
    waits = [delay_after(settings, f).total_seconds() for f in range(1, 12)]
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]


# --- item 8: the lock answer does not tell a known account ------------------------------


def test_throttle_answers_alike_for_known_and_unknown(server: ServerHandle, smtp: SmtpSink) -> None:
    known = "connue@exemple.fr"
    create_cesp_account(server, smtp, known)
    n = server.settings.login_max_failures
    seen = {}
    for identifier in (known, "inconnue@exemple.fr"):
        answers = [_login(server, identifier, f"Faux#{i}0") for i in range(n)]
        seen[identifier] = [
            (a.status_code, a.json(), a.headers.get("Retry-After")) for a in answers
        ]
    assert seen[known] == seen["inconnue@exemple.fr"]
    assert seen[known][-1][0] == 423


# --- item 3: tokens never in a URL the platform logs ------------------------------------


def test_tokens_never_travel_in_paths_or_queries(server: ServerHandle, smtp: SmtpSink) -> None:
    with server.client() as c:
        spec = c.get("/openapi.json")
    if spec.status_code == 404:
        spec = httpx.get(f"{server.url}/openapi.json")
    spec.raise_for_status()
    for path, operations in spec.json()["paths"].items():
        assert "token" not in path.lower() and "jeton" not in path.lower(), path
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                name = parameter["name"].lower()
                assert parameter["in"] == "header" or not re.search("token|jeton", name), (
                    path,
                    parameter,
                )
    email = "lien.fragment@exemple.fr"
    token, username = signup_until_link(server, smtp, email)
    body = wait_mail(server, smtp, email, "Initialisation mdp")
    link = next(line.strip() for line in body.splitlines() if "://" in line)
    assert link.endswith(f"#jeton={token}") and "?" not in link
    with server.client() as c:
        assert c.get(f"/accounts/password/setup/{token}").status_code in (404, 405)
        r = c.post("/accounts/password/setup/check", json={"token": token})
        assert r.status_code == 200 and r.json()["identifiant"] == username
    # the page the link opens exists, and the token is not sent to it (fragment)
    page = httpx.get(server.url + link.split("8000", 1)[1].split("#")[0])
    assert page.status_code == 200 and "F5" in page.text
    assert token not in page.text and page.headers["cache-control"] == "no-store"


def test_access_log_masks_token_shaped_text() -> None:
    install_log_masking()
    token = "Zq3vX9_kLm-8PqR2sT4uV6wY8zA1bC3dE5fG7hJ9kL0"
    uuid = "0f8fad5b-d9cb-469f-a165-70867728950e"
    access = logging.getLogger("uvicorn.access")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    access.addHandler(handler)
    level = access.level
    access.setLevel(logging.INFO)
    try:
        line = '%s - "%s %s HTTP/%s" %d'
        path = f"/api/v1/accounts/password/reset/{token}?jeton=abc123&x=1"
        access.info(line, "127.0.0.1:5000", "GET", path, "1.1", 404)
        access.info(line, "127.0.0.1:5000", "GET", f"/d/{uuid}", "1.1", 200)
    finally:
        access.removeHandler(handler)
        access.setLevel(level)
    first, second = (record.getMessage() for record in records)
    assert token not in first and "abc123" not in first and "[jeton masqué]" in first
    assert uuid in second


# --- item 5: the outbox holds nothing usable ---------------------------------------------


def _all_strings(server: ServerHandle) -> list[str]:
    """Every text value of every table: what a copy of the database gives away."""
    engine = server.app.state.engine
    metadata = MetaData()
    metadata.reflect(engine)
    values: list[str] = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                values.extend(v for v in row if isinstance(v, str))
    return values


def test_a_database_copy_holds_no_usable_code_or_link(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    server = start_server(make_settings(tmp_path / "data", database_url, port))
    engine = server.app.state.engine
    active, pending = "active@exemple.fr", "attente@exemple.fr"
    try:
        sink = SmtpSink(port)
        sink.start()
        try:
            create_cesp_account(server, sink, active)
        finally:
            sink.stop()
        # now the mails wait: a reset link and a sign-up code
        assert _forgot(server, active).status_code == 202
        with server.client() as c:
            assert c.post("/accounts/signup", json=signup_payload(pending)).status_code == 202

        def waiting() -> bool:
            with Session(engine) as db:
                rows = db.exec(select(OutboxMail).where(OutboxMail.sent_at.is_(None))).all()  # type: ignore[union-attr]
                return len(rows) == 2 and all(r[0].attempts >= 1 for r in rows)

        deadline = time.monotonic() + 20
        while not waiting():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        dump = _all_strings(server)
        # nothing token-shaped in the copy opens a link
        candidates = {m for text in dump for m in re.findall(r"[A-Za-z0-9_\-]{20,}", text)}
        with server.client() as c:
            for candidate in candidates:
                for kind in ("setup", "reset"):
                    r = c.post(f"/accounts/password/{kind}/check", json={"token": candidate[:200]})
                    assert r.status_code != 200, candidate
        # deliver for real, then compare with what the copy held
        sink = SmtpSink(port)
        sink.start()
        try:
            with Session(engine) as db:
                db.exec(update(OutboxMail).values(next_attempt_at=utcnow()))
                db.commit()
            assert deliver_pending(engine, server.settings) == 2
            code = extract_code(body_text(sink.wait_for(pending, "code de vérification")[0]))
            token = extract_token(body_text(sink.wait_for(active, "Réinitialisation")[0]))
        finally:
            sink.stop()
        assert not any(token in text for text in dump)
        assert not any(f"vérification : {code}" in text for text in dump)
        assert not any(
            f"Votre code de vérification : {code}" in text for text in _all_strings(server)
        )
        with Session(engine) as db:
            for (row,) in db.exec(select(OutboxMail)).all():
                assert row.body_text == (row.redacted_body or row.body_text)
                assert token not in row.body_text and not row.body_text.startswith("sealed:")
        # the secrets themselves were good: they came through the mail only
        with server.client() as c:
            r = c.post("/accounts/password/reset/check", json={"token": token})
            assert r.status_code == 200
            r = c.post("/accounts/signup/verify", json={"email": pending, "code": code})
            assert r.status_code == 200, r.text
        key = server.settings.data_dir / "mail.key"
        if server.settings.mail_key is None:
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
    finally:
        server.stop()


# --- low items -----------------------------------------------------------------------------


def _serve(tmp_path: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    environ = {
        **os.environ,
        "CESP_DATA_DIR": str(tmp_path / "data"),
        "CESP_DATABASE_URL": f"sqlite:///{tmp_path / 'cesp.db'}",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cesp_server.cli", "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=10.0).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
        time.sleep(0.2)


def _forgot_burst(url: str, count: int) -> list[int]:
    statuses = []
    with httpx.Client(base_url=url, timeout=60.0) as c:
        for i in range(count):
            r = c.post(
                "/accounts/password/forgot",
                json={"identifier": f"x{i}"},
                headers={"X-Forwarded-For": f"203.0.113.{i % 250 + 1}"},
            )
            statuses.append(r.status_code)
    return statuses


@pytest.mark.parametrize("trusted", ["", "127.0.0.1"])
def test_forwarded_for_is_believed_only_from_trusted_proxies(tmp_path: Path, trusted: str) -> None:
    from cesp_server.limits import LIMITS

    process, url = _serve(tmp_path, CESP_TRUSTED_PROXIES=trusted)
    try:
        statuses = _forgot_burst(url, LIMITS.anonymous_per_ip + 1)
    finally:
        process.terminate()
        process.wait(timeout=20)
    if trusted:  # each request comes from another client behind the trusted proxy
        assert statuses == [202] * (LIMITS.anonymous_per_ip + 1)
    else:  # the header is ignored: one client, limited
        assert statuses[-1] == 429


def test_expired_code_answers_like_an_unknown_address(server: ServerHandle, smtp: SmtpSink) -> None:
    from cesp_server.models import VerificationCode

    email = "perime@exemple.fr"
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        with _db(server) as db:
            db.exec(update(VerificationCode).values(expires_at=utcnow() - timedelta(seconds=1)))
            db.commit()
        expired = c.post("/accounts/signup/verify", json={"email": email, "code": code})
        unknown = c.post("/accounts/signup/verify", json={"email": "nul@exemple.fr", "code": code})
    assert expired.status_code == unknown.status_code == 400
    assert expired.json() == unknown.json()


def test_etablissement_proves_its_address_first(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "direction@ch-preuve.fr"
    with server.client() as c:
        r = c.post(
            "/accounts/etablissement",
            json={
                "etablissement_nom": "CH de la Preuve",
                "finess": VALID_FINESS,
                "email": email,
                "password": DEFAULT_PASSWORD,
                "password_confirmation": DEFAULT_PASSWORD,
            },
        )
        assert r.status_code == 202
        # no session before the code
        r = c.post("/auth/login", json={"identifier": email, "password": DEFAULT_PASSWORD})
        assert r.status_code == 403 and r.json()["code"] == "account_unverified"
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))
        r = c.post("/accounts/signup/verify", json={"email": email, "code": code})
        assert r.status_code == 200 and r.json()["identifiant"].startswith("etab.")
    wait_mail(server, smtp, email, "compte établissement")
    assert login(server, email)


def test_password_policy_on_the_server(server: ServerHandle, smtp: SmtpSink) -> None:
    token, _ = signup_until_link(server, smtp, "politique2@exemple.fr")

    def setup(password: str, answer: str = SECRET_ANSWER) -> httpx.Response:
        with server.client() as c:
            return c.post(
                "/accounts/password/setup",
                json={
                    "token": token,
                    "password": password,
                    "password_confirmation": password,
                    "secret_question": SECRET_QUESTION,
                    "secret_answer": answer,
                },
            )

    def messages(r: httpx.Response, field: str) -> str:
        assert r.status_code == 422, r.text
        return " ".join(p["message"] for p in r.json()["problems"] if p["field"] == field)

    assert "lettre" in messages(setup("12345678!"), "password")
    assert "espace" in messages(setup(" Motdepasse9! "), "password")
    assert "courants" in messages(setup("Password1!"), "password")
    assert "3 caractères" in messages(setup(DEFAULT_PASSWORD, answer="ab"), "secret_answer")
    assert setup(DEFAULT_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("prenom", "Jeanne\u2028Votre code de vérification : 1234"),
        ("nom", "Dupont <script>"),
        ("nom", "Dupont2"),
    ],
)
def test_names_are_letters_spaces_hyphens_apostrophes(
    server: ServerHandle, field: str, value: str
) -> None:
    payload = signup_payload("nom.bizarre@exemple.fr")
    payload[field] = value
    with server.client() as c:
        r = c.post("/accounts/signup", json=payload)
        assert r.status_code == 422
        problem = next(p for p in r.json()["problems"] if p["field"] == field)
        assert "lettres" in problem["message"]
        ok = signup_payload("nom.correct@exemple.fr", nom="D'Ornano-Lévêque", prenom="Jean Marc")
        assert c.post("/accounts/signup", json=ok).status_code == 202


def test_json_answers_are_not_stored(server: ServerHandle, smtp: SmtpSink) -> None:
    token = create_cesp_account(server, smtp, "cache@exemple.fr")
    with server.client(token) as c:
        answers = [c.get("/auth/me"), c.get("/health"), c.get("/dossiers")]
    with server.client() as c:
        answers.append(
            c.post(
                "/auth/login", json={"identifier": "cache@exemple.fr", "password": DEFAULT_PASSWORD}
            )
        )
        answers.append(c.get("/auth/me"))  # a problem+json 401
    for answer in answers:
        assert answer.headers["cache-control"] == "no-store", answer.request.url


# --- campaign rule: a reset asks only what the account has -------------------------------


def test_reset_asks_the_answer_only_of_accounts_with_a_question(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    etab, cesp = "bam@ch-oubli.fr", "oubli2@exemple.fr"
    create_etablissement_account(server, smtp, etab)
    create_cesp_account(server, smtp, cesp)
    for email in (etab, cesp):
        assert _forgot(server, email).status_code == 202
    etab_token = extract_token(wait_mail(server, smtp, etab, "Réinitialisation"))
    cesp_token = extract_token(wait_mail(server, smtp, cesp, "Réinitialisation"))
    with server.client() as c:
        info = c.post("/accounts/password/reset/check", json={"token": etab_token}).json()
        assert info["has_secret_question"] is False and info["secret_question"] is None
        info = c.post("/accounts/password/reset/check", json={"token": cesp_token}).json()
        assert info["has_secret_question"] is True and info["secret_question"] == SECRET_QUESTION
    # the mailbox proves the établissement; the CESP account needs its answer too
    r = _reset(server, cesp_token, None)
    assert r.status_code == 422
    assert [p["field"] for p in r.json()["problems"]] == ["secret_answer"]
    assert _reset(server, etab_token, None).status_code == 200
    assert login(server, etab, NEW_PASSWORD)
