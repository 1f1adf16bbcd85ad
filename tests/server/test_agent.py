"""Agents keying paper dossiers for applicants, and the applicants claiming them.

Every test runs on SQLite and on PostgreSQL (the `server` fixture).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from cesp_server.models import Account, AccountStatus, Dossier, DossierClaim
from tests.support.accounts import (
    claim_token,
    create_cesp_account,
    create_staff_account,
    login,
    wait_mail,
)
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    complete_cesp_values,
    create_dossier,
    create_paper_dossier,
    fill_dossier,
    make_campaign,
    save_tab,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink

APPLICANT = "helene.lefevre@exemple.fr"


def _history(client, dossier_id: str) -> list[dict]:
    r = client.get(f"/dossiers/{dossier_id}/history")
    assert r.status_code == 200, r.text
    return r.json()


def test_agent_keys_transmits_and_the_applicant_claims(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent.saisie@cesp.fr")
    with server.client(agent) as c:
        r = create_paper_dossier(c, campaign, APPLICANT.upper())
        assert r.status_code == 201, r.text
        dossier = r.json()
        assert dossier["owner"]["display_name"] == "Hélène LEFÈVRE"
        assert dossier["owner"]["role"] == "candidat"
        assert dossier["created_by"]["role"] == "agent"
        assert dossier["on_behalf"] == {
            "applicant_email": APPLICANT,
            "claimed": False,
            "claimed_at": None,
        }
        assert dossier["editable"] is True and dossier["masked"] is False
        # the identity prefills the civil status, as an applicant's account does
        etat_civil = dossier["data"]["etat_civil"]
        assert etat_civil["nom_naissance"] == "Lefèvre"
        assert etat_civil["prenoms"] == "Hélène"
        assert etat_civil["date_naissance"] == "2000-02-14"

        # the agent keys every tab, attaches the scans and transmits
        values = complete_cesp_values()
        fill_dossier(c, dossier, values)
        read = c.get(f"/dossiers/{dossier['id']}").json()
        assert read["complete"] is True
        assert read["data"]["etat_civil"]["nir"] == CESP_NIR  # agents see it in full
        r = transmit(c, read)
        assert r.status_code == 200, r.text
        history = _history(c, dossier["id"])
    # who keyed what: the agent, on every line
    assert [e["action"] for e in history][:2] == ["creation_pour_compte", "enregistrement"]
    assert {e["actor"]["role"] for e in history} == {"agent"}
    saved = [e for e in history if e["action"] == "enregistrement"]
    assert {e["tab"] for e in saved} == set(values)
    assert "nir" in next(e for e in saved if e["tab"] == "etat_civil")["fields"]
    assert any(e["action"] == "piece_ajoutee" for e in history)
    # the confirmation goes to the applicant's address, not to the agent
    wait_mail(server, smtp, APPLICANT, "Confirmation de transmission")
    assert not smtp.find("agent.saisie@cesp.fr", "Confirmation de transmission")

    # the applicant opens an account with the address the agent entered, and claims it
    token = claim_token(server, smtp, APPLICANT)
    applicant = create_cesp_account(server, smtp, APPLICANT)
    with server.client(applicant) as c:
        assert c.get("/dossiers").json()["total"] == 0
        r = c.post("/dossiers/claim", json={"token": token})
        assert r.status_code == 200, r.text
        claimed = r.json()
        assert claimed["id"] == dossier["id"]
        assert claimed["owner"]["display_name"] == "Jeanne DUPONT"  # the account's name
        assert claimed["on_behalf"]["claimed"] is True
        assert claimed["masked"] is False  # the owner sees the NIR and the IBAN
        assert claimed["data"]["coordonnees_bancaires"]["iban"] == CESP_IBAN
        assert claimed["state"] == "transmis" and claimed["editable"] is False
        assert [d["id"] for d in c.get("/dossiers").json()["items"]] == [dossier["id"]]
        last = _history(c, dossier["id"])[-1]
        assert last["action"] == "reclamation"
        assert last["actor"]["display_name"] == "Jeanne DUPONT"
        # the token was single-use
        again = c.post("/dossiers/claim", json={"token": token})
        assert again.status_code == 410
        assert again.json()["code"] == "claim_used"
    with Session(server.app.state.engine) as session:
        row = session.get(Dossier, dossier["id"])
        assert row is not None and row.claimed_at is not None
        placeholder = session.get(Account, dossier["owner"]["id"])
        assert placeholder is not None and placeholder.status == AccountStatus.DISABLED
        claim = session.exec(select(DossierClaim)).one()
        assert claim.token_hash != token and len(claim.token_hash) == 64  # stored hashed


def test_claim_refusals(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        dossier = create_paper_dossier(c, campaign, APPLICANT).json()
        assert c.post("/dossiers/claim", json={"token": "x"}).status_code == 403
    token = claim_token(server, smtp, APPLICANT)
    intruder = create_cesp_account(server, smtp, "autre.personne@exemple.fr")
    with server.client(intruder) as c:
        r = c.post("/dossiers/claim", json={"token": token})
        assert r.status_code == 403
        assert r.json()["code"] == "claim_wrong_email"
        assert "autre adresse" in r.json()["detail"]
        r = c.post("/dossiers/claim", json={"token": token[:-2] + "zz"})
        assert r.status_code == 400 and r.json()["code"] == "claim_invalid"
        assert c.get(f"/dossiers/{dossier['id']}").status_code == 404
    # the refusals did not burn the token: the right applicant still claims it
    applicant = create_cesp_account(server, smtp, APPLICANT)
    with server.client(applicant) as c:
        assert c.post("/dossiers/claim", json={"token": token}).status_code == 200


def test_claim_refused_when_the_applicant_already_has_a_dossier(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        paper = create_paper_dossier(c, campaign, APPLICANT).json()
    token = claim_token(server, smtp, APPLICANT)
    applicant = create_cesp_account(server, smtp, APPLICANT)
    with server.client(applicant) as c:
        own = create_dossier(c, campaign)
        r = c.post("/dossiers/claim", json={"token": token})
        assert r.status_code == 409
        assert r.json()["code"] == "already_has_dossier"
        assert r.json()["numero"] == own["numero"]
    with Session(server.app.state.engine) as session:
        row = session.get(Dossier, paper["id"])
        assert row is not None and row.claimed_at is None  # nothing moved


def test_on_behalf_refusals_and_replay(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    asp = make_campaign(server, "asp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    candidat = create_cesp_account(server, smtp, "deja.inscrit@exemple.fr")
    with server.client(candidat) as c:
        r = create_paper_dossier(c, campaign, "quelquun@exemple.fr")
        assert r.status_code == 403 and r.json()["code"] == "forbidden_role"
        create_dossier(c, campaign)
    with server.client(agent) as c:
        r = create_paper_dossier(c, campaign, "pas-une-adresse", nom="")
        assert r.status_code == 422
        fields = {(p["tab"], p["field"]) for p in r.json()["problems"]}
        assert ("applicant", "email") in fields and ("applicant", "nom") in fields
        r = create_paper_dossier(c, campaign, APPLICANT, date_naissance="31/02/2000")
        assert r.status_code == 422
        assert r.json()["problems"][0]["field"] == "date_naissance"
        r = create_paper_dossier(c, asp, APPLICANT)
        assert r.status_code == 403 and r.json()["code"] == "on_behalf_not_supported"

        dossier_id = str(uuid.uuid4())
        first = create_paper_dossier(c, campaign, APPLICANT, dossier_id=dossier_id)
        assert first.status_code == 201
        replay = create_paper_dossier(c, campaign, APPLICANT, dossier_id=dossier_id)
        assert replay.status_code == 200 and replay.json()["numero"] == first.json()["numero"]
        # one dossier per applicant and campaign, keyed or not
        r = create_paper_dossier(c, campaign, APPLICANT)
        assert r.status_code == 409 and r.json()["code"] == "applicant_has_dossier"
        assert r.json()["numero"] == first.json()["numero"]
        r = create_paper_dossier(c, campaign, "deja.inscrit@exemple.fr")
        assert r.status_code == 409 and r.json()["code"] == "applicant_has_dossier"
    # one claim mail only, despite the replay
    wait_mail(server, smtp, APPLICANT, "a été saisi par nos services")
    assert len(smtp.find(APPLICANT, "a été saisi par nos services")) == 1


def test_placeholder_cannot_log_in_and_goes_with_its_draft(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        dossier = create_paper_dossier(c, campaign, APPLICANT).json()
    with Session(server.app.state.engine) as session:
        placeholder = session.get(Account, dossier["owner"]["id"])
        assert placeholder is not None
        assert placeholder.status == AccountStatus.UNCLAIMED
        assert placeholder.password_hash is None
        assert placeholder.email != APPLICANT and placeholder.email.endswith(".invalid")
        username, address = placeholder.username, placeholder.email
    with server.client() as c:
        for identifier in (username, address, APPLICANT):
            r = c.post("/auth/login", json={"identifier": identifier, "password": "Motdepasse1!"})
            assert r.status_code == 401
    with server.client(agent) as c:
        assert c.delete(f"/dossiers/{dossier['id']}").status_code == 204
    with Session(server.app.state.engine) as session:
        assert session.get(Account, dossier["owner"]["id"]) is None
        assert session.exec(select(DossierClaim)).first() is None


def test_agents_share_the_paper_pile_and_see_their_queue(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    first = create_staff_account(server, "agent", "agent1@cesp.fr")
    second = create_staff_account(server, "agent", "agent2@cesp.fr")
    with server.client(first) as c:
        mine = [
            create_paper_dossier(c, campaign, f"candidat{n}@exemple.fr").json() for n in range(3)
        ]
        # the third is completed and transmitted: it leaves the queue of drafts
        fill_dossier(c, mine[2])
        assert transmit(c, c.get(f"/dossiers/{mine[2]['id']}").json()).status_code == 200
    with server.client(second) as c:
        other = create_paper_dossier(c, campaign, "candidat9@exemple.fr").json()
        # another agent may carry on keying a paper dossier that is not claimed
        saved = save_tab(c, mine[0]["id"], "adresse", complete_cesp_values()["adresse"], 1)
        assert saved["state"] == "complet"
    with server.client(first) as c:
        r = c.get("/dossiers", params={"created_by": "me", "state": "brouillon"})
        assert r.status_code == 200, r.text
        queue = r.json()
        assert {d["id"] for d in queue["items"]} == {mine[0]["id"], mine[1]["id"]}
        assert other["id"] not in {d["id"] for d in queue["items"]}
        first_item = next(d for d in queue["items"] if d["id"] == mine[0]["id"])
        assert "Pièce : RIB" in first_item["missing"]
        assert "État civil : N° de sécurité sociale" in first_item["missing"]
        assert not any(m.startswith("Adresse") for m in first_item["missing"])
        assert first_item["problem_count"] >= len(first_item["missing"])
        assert first_item["on_behalf"]["applicant_email"] == "candidat0@exemple.fr"
        # the agent's history shows who keyed what
        actors = {(e["tab"], e["actor"]["id"]) for e in _history(c, mine[0]["id"])}
        assert ("adresse", other["created_by"]["id"]) in actors
    assert login(server, "agent1@cesp.fr")


def test_a_new_claim_link(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        paper = create_paper_dossier(c, campaign, APPLICANT).json()
        own = create_dossier(c, campaign)  # an agent's dossier that is not a paper one
        old = claim_token(server, smtp, APPLICANT)
        r = c.post(f"/dossiers/{paper['id']}/claim-link")
        assert r.status_code == 200, r.text
        assert r.json()["applicant_email"] == APPLICANT and r.json()["claimed"] is False
        r = c.post(f"/dossiers/{own['id']}/claim-link")
        assert r.status_code == 409 and r.json()["code"] == "not_paper_dossier"
    new = claim_token(server, smtp, APPLICANT, count=2)
    assert new != old
    applicant = create_cesp_account(server, smtp, APPLICANT)
    with server.client(applicant) as c:
        assert c.post(f"/dossiers/{paper['id']}/claim-link").status_code == 403
        r = c.post("/dossiers/claim", json={"token": old})
        assert r.status_code == 400 and r.json()["code"] == "claim_invalid"
        assert c.post("/dossiers/claim", json={"token": new}).status_code == 200
        assert _history(c, paper["id"])[-2]["action"] == "lien_reclamation"
    with server.client(agent) as c:
        r = c.post(f"/dossiers/{paper['id']}/claim-link")
        assert r.status_code == 409 and r.json()["code"] == "already_claimed"
