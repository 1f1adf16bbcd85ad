"""Dossiers through the API: creation, list, read, tab saves with If-Match, history, deletion.

Every test runs on SQLite and on PostgreSQL (the `server` fixture).
"""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from cesp_server.crud.campaigns import CLOSED_MESSAGE
from cesp_server.models import Campaign, DossierEvent, utcnow
from tests.support.accounts import (
    create_cesp_account,
    create_etablissement_account,
    create_staff_account,
)
from tests.support.dossiers import (
    complete_asp_values,
    complete_cesp_values,
    create_dossier,
    make_campaign,
    save_tab,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


def _close_campaign(server: ServerHandle, campaign_id: int) -> None:
    with Session(server.app.state.engine) as session:
        session.exec(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(closes_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def _tab(dossier: dict, key: str) -> dict:
    return next(t for t in dossier["tabs"] if t["key"] == key)


def test_create_replay_and_one_cesp_dossier_per_campaign(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "jeanne.dupont@exemple.fr")
    dossier_id = str(uuid.uuid4())
    with server.client(token) as c:
        r = c.post("/dossiers", json={"id": dossier_id, "campaign_id": campaign})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["id"] == dossier_id
        assert re.fullmatch(r"CESP-\d{4}-000001", body["numero"])
        assert body["demarche"] == "cesp"
        assert body["state"] == "brouillon"
        assert body["version"] == 1
        assert r.headers["ETag"] == '"1"'
        assert body["editable"] is True
        # prefilled from the account, not yet saved
        assert body["data"]["etat_civil"]["nom_naissance"] == "Dupont"
        assert body["data"]["etat_civil"]["prenoms"] == "Jeanne"
        assert body["data"]["etat_civil"]["date_naissance"] == "2001-04-12"
        assert body["saved_tabs"] == []
        assert body["complete"] is False
        assert body["campaign"]["id"] == campaign

        # a replay of the same creation returns the same dossier
        again = c.post("/dossiers", json={"id": dossier_id, "campaign_id": campaign})
        assert again.status_code == 200
        assert again.json()["id"] == dossier_id
        assert again.json()["numero"] == body["numero"]

        # another id in the same campaign: still the one dossier
        other = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": campaign})
        assert other.status_code == 200
        assert other.json()["id"] == dossier_id

        listed = c.get("/dossiers").json()
        assert listed["total"] == 1
        assert [d["id"] for d in listed["items"]] == [dossier_id]


def test_create_refusals(server: ServerHandle, smtp: SmtpSink) -> None:
    cesp = make_campaign(server, "cesp")
    asp = make_campaign(server, "asp")
    closed = make_campaign(
        server, "cesp", opens_in=timedelta(days=-30), closes_in=timedelta(minutes=-1), label="Close"
    )
    future = make_campaign(
        server, "cesp", opens_in=timedelta(days=3), closes_in=timedelta(days=30), label="Future"
    )
    candidat = create_cesp_account(server, smtp, "paul.martin@exemple.fr")
    etab = create_etablissement_account(server, smtp, "bam@hopital-test.fr")
    with server.client(candidat) as c:
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": asp})
        assert r.status_code == 403
        assert r.json()["code"] == "forbidden_role"
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": closed})
        assert r.status_code == 403
        assert r.json()["code"] == "campaign_closed"
        assert r.json()["detail"] == CLOSED_MESSAGE
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": future})
        assert r.status_code == 403
        assert r.json()["code"] == "campaign_not_open"
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": 999999})
        assert r.status_code == 404
        r = c.post("/dossiers", json={"id": "pas-un-uuid", "campaign_id": cesp})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
    with server.client(etab) as c:
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": cesp})
        assert r.status_code == 403
        # an établissement may hold several ASP candidatures in one campaign
        first = create_dossier(c, asp)
        second = create_dossier(c, asp)
        assert first["id"] != second["id"]
        assert first["numero"].startswith("ASP-")
        assert first["data"]["identification"]["etab_recruteur_finess"] == "750712184"
        assert first["data"]["identification"]["etab_recruteur_nom"] == "Centre hospitalier de Test"
    with server.client() as anonymous:
        assert (
            anonymous.post(
                "/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": cesp}
            ).status_code
            == 401
        )


def test_another_users_dossier_is_not_found(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    alice = create_cesp_account(server, smtp, "alice@exemple.fr")
    bob = create_cesp_account(server, smtp, "bob@exemple.fr")
    with server.client(alice) as c:
        dossier = create_dossier(c, campaign)
    path = f"/dossiers/{dossier['id']}"
    with server.client(bob) as c:
        for response in (
            c.get(path),
            c.get(f"{path}/history"),
            c.get(f"{path}/pieces"),
            c.put(f"{path}/tabs/adresse", json={"values": {}}, headers={"If-Match": '"1"'}),
            c.delete(path),
            c.post(
                f"{path}/transmit", json={"certifications": []}, headers={"Idempotency-Key": "k1"}
            ),
        ):
            assert response.status_code == 404, response.text
            assert response.json()["code"] == "dossier_not_found"
        # reusing someone else's id does not reveal nor take their dossier
        r = c.post("/dossiers", json={"id": dossier["id"], "campaign_id": campaign})
        assert r.status_code == 409
        assert c.get("/dossiers").json()["total"] == 0


def test_save_tab_with_if_match(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "claire@exemple.fr")
    values = complete_cesp_values()["etat_civil"]
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        url = f"/dossiers/{dossier['id']}/tabs/etat_civil"

        r = c.put(url, json={"values": values})
        assert r.status_code == 428
        assert r.json()["code"] == "precondition_required"

        r = c.put(url, json={"values": values}, headers={"If-Match": '"1"'})
        assert r.status_code == 200, r.text
        saved = r.json()
        assert saved["version"] == 2
        assert r.headers["ETag"] == '"2"'
        assert saved["state"] == "complet"
        assert saved["problems"] == []
        assert "nir" in saved["changed_fields"]
        assert saved["values"]["nir"] == values["nir"]

        # stale version: 412 with the current version, values and ETag
        r = c.put(url, json={"values": {"nom_usage": "Autre"}}, headers={"If-Match": '"1"'})
        assert r.status_code == 412
        problem = r.json()
        assert problem["code"] == "version_conflict"
        assert problem["current_version"] == 2
        assert problem["etag"] == '"2"'
        assert problem["current_values"]["nom_naissance"] == "Durand"
        assert r.headers["ETag"] == '"2"'

        # a wrong NIR key: saved all the same, with the field's problem
        bad = {**values, "nir": values["nir"][:-2] + "00"}
        r = c.put(url, json={"values": bad}, headers={"If-Match": 'W/"2"'})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "erreurs"
        assert [p["field"] for p in r.json()["problems"]] == ["nir"]
        assert r.json()["problems"][0]["message"]

        # unknown field or wrong type: nothing saved, 422 with field-level problems
        r = c.put(
            url, json={"values": {"inconnu": "x", "civilite": 3}}, headers={"If-Match": '"3"'}
        )
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_values"
        assert {p["field"] for p in r.json()["problems"]} == {"inconnu", "civilite"}

        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/nope", json={"values": {}}, headers={"If-Match": '"3"'}
        )
        assert r.status_code == 404
        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/synthese",
            json={"values": {}},
            headers={"If-Match": '"3"'},
        )
        assert r.status_code == 409

        read = c.get(f"/dossiers/{dossier['id']}")
        assert read.headers["ETag"] == '"3"'
        body = read.json()
        assert body["version"] == 3
        assert body["saved_tabs"] == ["etat_civil"]
        assert _tab(body, "etat_civil")["state"] == "erreurs"
        assert _tab(body, "etat_civil")["saved"] is True
        assert _tab(body, "adresse")["state"] == "vide"


def test_concurrent_saves_never_overwrite(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "conc@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
    results: list[int] = []
    barrier = threading.Barrier(4)

    def save(i: int) -> None:
        with server.client(token) as client:
            barrier.wait()
            r = client.put(
                f"/dossiers/{dossier['id']}/tabs/adresse",
                json={"values": {"adresse": f"{i} rue des Lilas"}},
                headers={"If-Match": '"1"'},
            )
            results.append(r.status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 412, 412, 412]
    with server.client(token) as c:
        assert c.get(f"/dossiers/{dossier['id']}").json()["version"] == 2


def test_asp_identification_first(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "asp")
    token = create_etablissement_account(server, smtp, "bam@hopital-asp.fr")
    values = complete_asp_values()
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/projet_medical",
            json={"values": values["projet_medical"]},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "first_tab_required"
        assert r.json()["detail"] == "Enregistrez d'abord l'onglet « Identification »."
        saved = save_tab(c, dossier["id"], "identification", values["identification"], 1)
        saved = save_tab(
            c, dossier["id"], "projet_medical", values["projet_medical"], saved["version"]
        )
        assert saved["state"] == "complet"


def test_list_filters_for_staff(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    other_campaign = make_campaign(server, "cesp", label="Autre campagne")
    durand = create_cesp_account(server, smtp, "durand@exemple.fr")
    leroy = create_cesp_account(server, smtp, "leroy@exemple.fr")
    support = create_staff_account(server, "support", "support@exemple.fr")
    with server.client(durand) as c:
        d1 = create_dossier(c, campaign)
        save_tab(c, d1["id"], "etat_civil", complete_cesp_values()["etat_civil"], 1)
    with server.client(leroy) as c:
        d2 = create_dossier(c, other_campaign)
        save_tab(c, d2["id"], "etat_civil", {"nom_naissance": "Leroy", "prenoms": "Émilie"}, 1)
    with server.client(leroy) as c:
        mine = c.get("/dossiers").json()
        assert [d["id"] for d in mine["items"]] == [d2["id"]]
    with server.client(support) as c:
        everything = c.get("/dossiers").json()
        assert everything["total"] == 2
        by_campaign = c.get("/dossiers", params={"campaign_id": campaign}).json()
        assert [d["id"] for d in by_campaign["items"]] == [d1["id"]]
        item = by_campaign["items"][0]
        assert item["applicant_name"] == "Jean Pierre DURAND"
        assert item["campaign_label"] == "Campagne CESP de test"
        assert {t["key"]: t["state"] for t in item["tabs"]}["etat_civil"] == "complet"
        assert item["complete"] is False
        by_name = c.get("/dossiers", params={"q": "emilie"}).json()
        assert [d["id"] for d in by_name["items"]] == [d2["id"]]
        by_number = c.get("/dossiers", params={"q": d1["numero"]}).json()
        assert [d["id"] for d in by_number["items"]] == [d1["id"]]
        assert c.get("/dossiers", params={"state": "transmis"}).json()["total"] == 0
        assert c.get("/dossiers", params={"state": "brouillon"}).json()["total"] == 2
        page = c.get("/dossiers", params={"limit": 1, "offset": 1}).json()
        assert page["total"] == 2 and len(page["items"]) == 1
        assert c.get("/dossiers", params={"state": "nimporte"}).status_code == 422
        # support reads any dossier but changes nothing
        assert c.get(f"/dossiers/{d1['id']}").status_code == 200
        r = c.put(
            f"/dossiers/{d1['id']}/tabs/adresse", json={"values": {}}, headers={"If-Match": '"2"'}
        )
        assert r.status_code == 403
        assert r.json()["code"] == "read_only_role"
        assert c.delete(f"/dossiers/{d1['id']}").status_code == 403


def test_history_records_who_when_which_fields(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "histo@exemple.fr")
    support = create_staff_account(server, "support", "support2@exemple.fr")
    values = complete_cesp_values()
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        v = save_tab(c, dossier["id"], "adresse", values["adresse"], 1)["version"]
        save_tab(c, dossier["id"], "adresse", {"telephone": "0698765432"}, v)
        history = c.get(f"/dossiers/{dossier['id']}/history").json()
    assert [e["action"] for e in history] == ["creation", "enregistrement", "enregistrement"]
    assert history[1]["tab"] == "adresse"
    assert history[1]["tab_label"] == "Adresse"
    assert "code_postal" in history[1]["fields"]
    assert history[2]["fields"] == ["telephone"]
    assert history[2]["actor"]["display_name"] == "Jeanne DUPONT"
    assert history[2]["actor"]["role"] == "candidat"
    assert history[2]["at"].endswith(("+01:00", "+02:00"))
    with server.client(support) as c:
        assert c.get(f"/dossiers/{dossier['id']}/history").json() == history
    # values are never kept in the history
    with Session(server.app.state.engine) as session:
        events = session.exec(select(DossierEvent)).all()
        assert all("06 98" not in str(e.fields) for e in events)


def test_delete_draft(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "suppr@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        assert c.delete(f"/dossiers/{dossier['id']}").status_code == 204
        assert c.get(f"/dossiers/{dossier['id']}").status_code == 404
        # the applicant may start again in the same campaign
        again = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": campaign})
        assert again.status_code == 201


def test_writes_refused_after_closing_date(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "tard@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        _close_campaign(server, campaign)
        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/adresse",
            json={"values": {"adresse": "1 rue Haute"}},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "campaign_closed"
        assert r.json()["detail"] == CLOSED_MESSAGE
        r = c.delete(f"/dossiers/{dossier['id']}")
        assert r.status_code == 403
        r = c.post(
            f"/dossiers/{dossier['id']}/transmit",
            json={"certifications": []},
            headers={"Idempotency-Key": "late"},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "campaign_closed"
        body = c.get(f"/dossiers/{dossier['id']}").json()
        assert body["editable"] is False
        assert body["campaign"]["is_open"] is False


def test_agent_keys_dossiers_and_reads_others(server: ServerHandle, smtp: SmtpSink) -> None:
    cesp = make_campaign(server, "cesp")
    asp = make_campaign(server, "asp")
    agent = create_staff_account(server, "agent", "agent@exemple.fr")
    owner = create_cesp_account(server, smtp, "papier@exemple.fr")
    with server.client(owner) as c:
        theirs = create_dossier(c, cesp)
    with server.client(agent) as c:
        # an agent keys many CESP dossiers in one campaign, and ASP ones too
        first = create_dossier(c, cesp)
        second = create_dossier(c, cesp)
        assert first["id"] != second["id"]
        assert first["created_by"]["role"] == "agent"
        assert create_dossier(c, asp)["demarche"] == "asp"
        save_tab(c, first["id"], "adresse", complete_cesp_values()["adresse"], 1)
        assert c.get("/dossiers").json()["total"] == 4
        # reads an applicant's dossier, does not change it
        read = c.get(f"/dossiers/{theirs['id']}")
        assert read.status_code == 200
        assert read.json()["editable"] is False
        r = c.put(
            f"/dossiers/{theirs['id']}/tabs/adresse",
            json={"values": {"adresse": "2 rue Basse"}},
            headers={"If-Match": '"1"'},
        )
        assert r.status_code == 403
        assert r.json()["code"] == "not_dossier_owner"
