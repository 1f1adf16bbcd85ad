"""Login, sessions, lockout, logout, staff accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from cesp_server import security
from cesp_server.limits import LIMITS
from cesp_server.models import AuthSession, LoginThrottle, utcnow
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    create_cesp_account,
    create_staff_account,
    login,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


def _db(server: ServerHandle) -> Session:
    return Session(server.app.state.engine, expire_on_commit=False)


def _login(server: ServerHandle, identifier: str, password: str):
    with server.client() as c:
        return c.post("/auth/login", json={"identifier": identifier, "password": password})


def test_login_me_logout(server: ServerHandle, smtp: SmtpSink) -> None:
    token = create_cesp_account(server, smtp, "session@exemple.fr")
    r = _login(server, "SESSION@exemple.fr", DEFAULT_PASSWORD)
    assert r.status_code == 200
    body = r.json()
    assert body["token"] != token and body["token_type"] == "bearer"
    assert body["account"]["email"] == "session@exemple.fr"
    assert body["idle_minutes"] == server.settings.session_idle_minutes
    # the token is stored hashed
    with _db(server) as db:
        hashes = {s.token_hash for s in db.exec(select(AuthSession))}
    assert token not in hashes and security.hash_token(token) in hashes
    with server.client(token) as c:
        assert c.get("/auth/me").json()["display_name"] == "Jeanne DUPONT"
        assert c.post("/auth/logout").status_code == 204
        r = c.get("/auth/me")
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
        assert c.post("/auth/logout").status_code == 401
    with server.client(body["token"]) as c:  # the other session lives on
        assert c.get("/auth/me").status_code == 200


def test_no_or_bad_token(server: ServerHandle) -> None:
    with server.client() as c:
        r = c.get("/auth/me")
        assert r.status_code == 401
        assert r.headers["content-type"].startswith("application/problem+json")
    with server.client("inconnu") as c:
        assert c.get("/auth/me").status_code == 401


def test_idle_and_absolute_expiry(server: ServerHandle, smtp: SmtpSink) -> None:
    token = create_cesp_account(server, smtp, "expiry@exemple.fr")
    digest = security.hash_token(token)
    idle = timedelta(minutes=server.settings.session_idle_minutes, seconds=1)
    with _db(server) as db:
        db.exec(
            update(AuthSession)
            .where(AuthSession.token_hash == digest)
            .values(last_seen_at=utcnow() - idle)
        )
        db.commit()
    with server.client(token) as c:
        r = c.get("/auth/me")
    assert r.status_code == 401 and r.json()["code"] == "session_expired"
    token = login(server, "expiry@exemple.fr")
    with _db(server) as db:
        db.exec(
            update(AuthSession)
            .where(AuthSession.token_hash == security.hash_token(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    with server.client(token) as c:
        assert c.get("/auth/me").json()["code"] == "session_expired"


def test_bad_credentials_same_for_known_and_unknown(
    server: ServerHandle, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_cesp_account(server, smtp, "connu@exemple.fr")
    verifications: list[str] = []
    real_verify = security._password_hash.verify

    def counting_verify(secret: str, hashed: str) -> bool:
        verifications.append(hashed)
        return real_verify(secret, hashed)

    monkeypatch.setattr(security._password_hash, "verify", counting_verify)
    known = _login(server, "connu@exemple.fr", "Mauvais#123")
    assert len(verifications) == 1
    unknown = _login(server, "inconnu@exemple.fr", "Mauvais#123")
    assert len(verifications) == 2  # one Argon2id verification on both paths
    assert known.status_code == unknown.status_code == 401
    assert known.json() == unknown.json()
    assert known.json()["code"] == "bad_credentials"


def test_lockout_known_and_unknown(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "verrou@exemple.fr"
    create_cesp_account(server, smtp, email)
    n = server.settings.login_max_failures
    for identifier in (email, "fantome@exemple.fr"):
        statuses = [_login(server, identifier, f"Faux#{i}0").status_code for i in range(n)]
        assert statuses == [401] * (n - 1) + [423], identifier
        r = _login(server, identifier, DEFAULT_PASSWORD)
        assert r.status_code == 423 and r.json()["code"] == "account_locked"
        assert r.json()["locked_minutes"] >= 1 and int(r.headers["Retry-After"]) > 0
    # the wait ends (a throttle, not a lock: see test_auth_hardening)
    with _db(server) as db:
        db.exec(update(LoginThrottle).values(blocked_until=utcnow() - timedelta(seconds=1)))
        db.commit()
    assert login(server, email)
    with _db(server) as db:
        keys = {row.key for row in db.exec(select(LoginThrottle))}
    assert keys == {"ident:fantome@exemple.fr"}  # the owner's failures are forgotten


def test_login_ip_rate_limit(server: ServerHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LIMITS, "login_per_ip", 2)
    statuses = [_login(server, f"u{i}", "x").status_code for i in range(3)]
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("role", ["agent", "support", "instructeur", "admin"])
def test_staff_account(server: ServerHandle, role: str) -> None:
    token = create_staff_account(server, role, f"{role}@ars.exemple.fr")
    with server.client(token) as c:
        me = c.get("/auth/me").json()
    assert me["role"] == role and me["username"] == f"{role}.{role}"


def test_invalid_login_body(server: ServerHandle) -> None:
    with server.client() as c:
        r = c.post("/auth/login", json={"identifier": "x"})
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "password"
