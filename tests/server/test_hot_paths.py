"""The tab save and the dossier read: their account checks run in the route's worker thread
(`deps.PendingAccount`) and their statements are Core or built once. Every check of the
other routes still holds there, in the same order, and nothing is served from a cache.

Every test runs on SQLite and on PostgreSQL (the `server` fixture).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import Session, col, select

from cesp_server import security
from cesp_server.models import Account, AuthSession, Campaign, DossierEvent, utcnow
from tests.support.accounts import create_staff_account, expire_sessions
from tests.support.dossiers import complete_cesp_values, create_dossier, make_campaign, save_tab
from tests.support.server import ServerHandle

ADRESSE = complete_cesp_values()["adresse"]


def _db(server: ServerHandle) -> Session:
    return Session(server.app.state.engine, expire_on_commit=False)


def _agent_with_dossier(server: ServerHandle, email: str) -> tuple[str, dict[str, Any]]:
    token = create_staff_account(server, "agent", email)
    campaign = make_campaign(server, "cesp")
    with server.client(token) as c:
        return token, create_dossier(c, campaign)


def _put(
    c: httpx.Client, dossier_id: str, body: object, version: int | str = 1, tab: str = "adresse"
) -> httpx.Response:
    return c.put(
        f"/dossiers/{dossier_id}/tabs/{tab}", json=body, headers={"If-Match": f'"{version}"'}
    )


def test_save_and_read_refuse_expired_revoked_and_disabled(server: ServerHandle) -> None:
    token, dossier = _agent_with_dossier(server, "agent.hot@exemple.fr")
    did = dossier["id"]
    with server.client(token) as c:
        assert c.get(f"/dossiers/{did}").status_code == 200
        # idle for too long
        expire_sessions(server)
        r = c.get(f"/dossiers/{did}")
        assert r.status_code == 401 and r.json()["code"] == "session_expired"
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert r.headers["content-type"].startswith("application/problem+json")
        r = _put(c, did, {"values": ADRESSE})
        assert r.status_code == 401 and r.json()["code"] == "session_expired"
    # past the absolute expiry
    token = create_staff_account(server, "agent", "agent.hot2@exemple.fr")
    with _db(server) as db:
        db.exec(
            update(AuthSession)
            .where(col(AuthSession.token_hash) == security.hash_token(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    with server.client(token) as c:
        assert c.get(f"/dossiers/{did}").json()["code"] == "session_expired"
        assert _put(c, did, {"values": ADRESSE}).json()["code"] == "session_expired"
    # revoked
    token = create_staff_account(server, "agent", "agent.hot3@exemple.fr")
    with server.client(token) as c:
        assert c.get(f"/dossiers/{did}").status_code == 200
        expire_sessions(server, revoke=True)
        r = c.get(f"/dossiers/{did}")
        assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
        assert _put(c, did, {"values": ADRESSE}).json()["code"] == "unauthenticated"
    # an account disabled while its session lives: refused at the next request
    token = create_staff_account(server, "agent", "agent.hot4@exemple.fr")
    with server.client(token) as c:
        assert c.get(f"/dossiers/{did}").status_code == 200
        with _db(server) as db:
            db.exec(
                update(Account)
                .where(col(Account.email) == "agent.hot4@exemple.fr")
                .values(status="disabled")
            )
            db.commit()
        assert c.get(f"/dossiers/{did}").status_code == 401
        assert _put(c, did, {"values": ADRESSE}).status_code == 401
    # no token, an unknown one
    with server.client() as c:
        assert c.get(f"/dossiers/{did}").status_code == 401
        assert _put(c, did, {"values": ADRESSE}).status_code == 401
    with server.client("inconnu") as c:
        assert c.get(f"/dossiers/{did}").status_code == 401
        assert _put(c, did, {"values": ADRESSE}).status_code == 401


def test_refusals_of_the_account_come_before_invalid_input(server: ServerHandle) -> None:
    """A 401 or a 403 of the account is answered before a 422 of the parameters or body."""
    token, dossier = _agent_with_dossier(server, "agent.order@exemple.fr")
    did = dossier["id"]
    support = create_staff_account(server, "support", "support.order@exemple.fr")
    bad_inputs = [
        (f"/dossiers/{did}/tabs/adresse", {"values": "pas un objet"}, '"1"'),
        (f"/dossiers/{did}/tabs/adresse", {}, '"1"'),
        ("/dossiers/pas-un-uuid/tabs/adresse", {"values": {}}, '"1"'),
        (f"/dossiers/{did}/tabs/{'x' * 41}", {"values": {}}, '"1"'),
        (f"/dossiers/{did}/tabs/adresse", {"values": {}}, '"' + "1" * 120 + '"'),
    ]
    with server.client(token) as c:  # a valid session: the input's refusal
        for url, body, if_match in bad_inputs:
            r = c.put(url, json=body, headers={"If-Match": if_match})
            assert r.status_code == 422, (url, r.text)
            assert r.json()["code"] == "invalid_request"
        assert c.get("/dossiers/pas-un-uuid").status_code == 422
    with server.client(support) as c:  # a read-only role: 403 first
        for url, body, if_match in bad_inputs:
            r = c.put(url, json=body, headers={"If-Match": if_match})
            assert r.status_code == 403, (url, r.text)
            assert r.json()["code"] == "read_only_role"
        assert c.get("/dossiers/pas-un-uuid").status_code == 422  # support may read
    for client in (server.client(), server.client("inconnu")):
        with client as c:  # no session: 401 first
            for url, body, if_match in bad_inputs:
                r = c.put(url, json=body, headers={"If-Match": if_match})
                assert r.status_code == 401, (url, r.text)
                assert r.json()["code"] == "unauthenticated"
            assert c.get("/dossiers/pas-un-uuid").status_code == 401
    expire_sessions(server)
    with server.client(token) as c:
        r = c.put(bad_inputs[0][0], json=bad_inputs[0][1], headers={"If-Match": '"1"'})
        assert r.status_code == 401 and r.json()["code"] == "session_expired"
        assert c.get("/dossiers/pas-un-uuid").json()["code"] == "session_expired"


def test_save_and_read_touch_last_seen(server: ServerHandle) -> None:
    token, dossier = _agent_with_dossier(server, "agent.touch@exemple.fr")
    digest = security.hash_token(token)
    old = utcnow() - timedelta(minutes=5)

    def set_last_seen() -> None:
        with _db(server) as db:
            db.exec(
                update(AuthSession)
                .where(col(AuthSession.token_hash) == digest)
                .values(last_seen_at=old)
            )
            db.commit()

    def last_seen() -> Any:
        with _db(server) as db:
            found = db.exec(select(AuthSession).where(AuthSession.token_hash == digest)).one()
            return found.last_seen_at

    with server.client(token) as c:
        set_last_seen()
        assert c.get(f"/dossiers/{dossier['id']}").status_code == 200
        assert last_seen() > old + timedelta(minutes=4)
        set_last_seen()
        save_tab(c, dossier["id"], "adresse", ADRESSE, dossier["version"])
        assert last_seen() > old + timedelta(minutes=4)


def test_save_writes_version_history_and_sees_the_closing_date_at_once(
    server: ServerHandle,
) -> None:
    token, dossier = _agent_with_dossier(server, "agent.write@exemple.fr")
    did = dossier["id"]
    with server.client(token) as c:
        saved = save_tab(c, did, "adresse", ADRESSE, 1)
        assert saved["version"] == 2 and saved["etag"] == '"2"'
        assert saved["state"] == "complet" and saved["problems"] == []
        assert saved["changed_fields"] == sorted(k for k, v in ADRESSE.items() if v is not None)
        read = c.get(f"/dossiers/{did}")
        assert read.headers["ETag"] == '"2"'
        body = read.json()
        assert body["version"] == 2 and body["data"]["adresse"]["code_postal"] == "87000"
        assert "adresse" in body["saved_tabs"]
        assert next(t for t in body["tabs"] if t["key"] == "adresse")["state"] == "complet"
        # the same values again: no new version, no history line
        again = save_tab(c, did, "adresse", ADRESSE, 2)
        assert again["version"] == 2 and again["changed_fields"] == []
        # a stale version: 412 with the current one
        r = _put(c, did, {"values": {**ADRESSE, "adresse": "2 rue Neuve"}}, version=1)
        assert r.status_code == 412 and r.headers["ETag"] == '"2"'
        assert r.json()["current_values"]["adresse"] == ADRESSE["adresse"]
        # no If-Match: 428
        r = c.put(f"/dossiers/{did}/tabs/adresse", json={"values": ADRESSE})
        assert r.status_code == 428
        # the closing date moved to the past is seen by the very next save
        with _db(server) as db:
            db.exec(
                update(Campaign)
                .where(col(Campaign.id) == dossier["campaign"]["id"])
                .values(closes_at=utcnow() - timedelta(seconds=1))
            )
            db.commit()
        r = _put(c, did, {"values": {**ADRESSE, "adresse": "3 rue Neuve"}}, version=2)
        assert r.status_code == 403 and r.json()["code"] == "campaign_closed"
        assert c.get(f"/dossiers/{did}").json()["editable"] is False
    with _db(server) as db:
        events = db.exec(
            select(DossierEvent)
            .where(DossierEvent.dossier_id == did, DossierEvent.action == "enregistrement")
            .order_by(col(DossierEvent.id))
        ).all()
        agent = db.exec(select(Account).where(Account.email == "agent.write@exemple.fr")).one()
    assert len(events) == 1
    assert events[0].tab == "adresse" and events[0].actor_id == agent.id
    assert events[0].fields == saved["changed_fields"]
    assert abs(events[0].at - utcnow()) < timedelta(minutes=1)
