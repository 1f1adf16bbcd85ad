"""Instruction, decisions, publication of results and what owners see."""

from __future__ import annotations

from sqlmodel import Session, func, select

from cesp_server.mail.outbox import wait_idle
from cesp_server.models import OutboxMail
from tests.support.accounts import (
    create_cesp_account,
    create_etablissement_account,
    create_staff_account,
)
from tests.support.dossiers import (
    PARTNER_EMAIL,
    close_campaign,
    create_dossier,
    fill_dossier,
    make_campaign,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text


def _transmitted(server: ServerHandle, token: str, campaign: int) -> dict:
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        fill_dossier(c, dossier)
        r = transmit(c, dossier)
        assert r.status_code == 200, r.text
        return dossier


def test_cesp_decision_published_to_the_owner(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    email = "decide@exemple.fr"
    owner = create_cesp_account(server, smtp, email)
    instructeur = create_staff_account(server, "instructeur", "instructeur@exemple.fr")
    dossier = _transmitted(server, owner, campaign)
    url = f"/dossiers/{dossier['id']}"

    with server.client(owner) as c:
        r = c.put(f"{url}/decision", json={"decision": "accepte", "comment": "x"})
        assert r.status_code == 403
        assert c.post(f"{url}/instruction").status_code == 403
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 403

    with server.client(instructeur) as c:
        r = c.post(f"{url}/instruction")
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "en_instruction"
        r = c.post(f"{url}/instruction")
        assert r.status_code == 409  # already in instruction
        # publishing before the closing is refused
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 409
        assert r.json()["code"] == "campaign_not_closed"
        close_campaign(server, campaign)
        # publishing with a dossier still waiting for its decision is refused
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 409
        assert r.json()["code"] == "undecided_dossiers"

        r = c.put(f"{url}/decision", json={"decision": "refuse", "comment": "Dossier hors zone"})
        assert r.status_code == 200, r.text
        assert r.json()["published"] is False
        # changed before publication
        r = c.put(f"{url}/decision", json={"decision": "accepte", "comment": "Avis favorable"})
        assert r.status_code == 200
        assert r.json()["decision"] == "accepte"
        assert r.json()["decision_label"] == "Accepté"
        assert c.put(f"{url}/decision", json={"decision": "peut-etre"}).status_code == 422
        assert c.get(url).json()["decision"]["comment"] == "Avis favorable"

    # not visible to the owner before publication
    with server.client(owner) as c:
        r = c.get(f"{url}/decision")
        assert r.status_code == 404
        assert r.json()["code"] == "decision_not_published"
        body = c.get(url).json()
        assert body["decision"] is None
        # nor the state the decision gives, in the dossier, the list, a filter or the history
        assert body["state"] == "en_instruction"
        assert [d["state"] for d in c.get("/dossiers").json()["items"]] == ["en_instruction"]
        assert c.get("/dossiers", params={"state": "accepte"}).json()["total"] == 0
        assert c.get("/dossiers", params={"state": "en_instruction"}).json()["total"] == 1
        assert "decision" not in [e["action"] for e in c.get(f"{url}/history").json()]
    with server.client(instructeur) as c:
        assert c.get(url).json()["state"] == "accepte"
        assert c.get("/dossiers", params={"state": "accepte"}).json()["total"] == 1

    with server.client(instructeur) as c:
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 200, r.text
        assert r.json()["mails_queued"] == 1
        assert r.json()["decided_dossiers"] == 1
        assert r.json()["campaign"]["results_published"] is True
        # a second publication changes nothing and sends nothing
        again = c.post(f"/campaigns/{campaign}/publish")
        assert again.status_code == 200
        assert again.json()["mails_queued"] == 0
        r = c.put(f"{url}/decision", json={"decision": "refuse", "comment": ""})
        assert r.status_code == 409
        assert r.json()["code"] == "results_published"

    mail = smtp.wait_for(email, "Décision sur votre demande")[0]
    assert dossier["numero"] in body_text(mail)
    with server.client(owner) as c:
        decision = c.get(f"{url}/decision").json()
        assert decision["decision"] == "accepte"
        assert decision["comment"] == "Avis favorable"
        assert decision["published"] is True
        assert c.get(url).json()["decision"]["decision"] == "accepte"
        assert c.get(url).json()["state"] == "accepte"
        assert c.get("/dossiers", params={"state": "accepte"}).json()["total"] == 1
        history = c.get(f"{url}/history").json()
        assert [e["action"] for e in history][-3:] == ["instruction", "decision", "decision"]
    assert wait_idle(server.app)
    with Session(server.app.state.engine) as session:
        count = session.exec(
            select(func.count())
            .select_from(OutboxMail)
            .where(OutboxMail.template == "decision_published")
        ).one()
    assert count == 1


def test_asp_results_mail_both_partner_establishments(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "asp")
    email = "bam@hopital-recruteur.fr"
    owner = create_etablissement_account(server, smtp, email)
    instructeur = create_staff_account(server, "instructeur", "jury@exemple.fr")
    dossier = _transmitted(server, owner, campaign)
    with server.client(instructeur) as c:
        r = c.put(
            f"/dossiers/{dossier['id']}/decision",
            json={"decision": "refuse", "comment": "Projet insuffisamment décrit"},
        )
        assert r.status_code == 200, r.text
        close_campaign(server, campaign)
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 200
        assert r.json()["mails_queued"] == 2
    for to in (email, PARTNER_EMAIL):
        text = body_text(smtp.wait_for(to, "Résultats publiés")[0])
        assert dossier["numero"] in text
        assert "Centre hospitalier de Saint-Denis" in text
        assert "Médecine cardiovasculaire" in text
        assert "Mme Claire MARTIN" in text
    with server.client(owner) as c:
        decision = c.get(f"/dossiers/{dossier['id']}/decision").json()
        assert decision["decision"] == "refuse"
        assert decision["comment"] == "Projet insuffisamment décrit"


def test_decision_needs_a_transmitted_dossier(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    owner = create_cesp_account(server, smtp, "brouillon@exemple.fr")
    instructeur = create_staff_account(server, "instructeur", "instr2@exemple.fr")
    with server.client(owner) as c:
        draft = create_dossier(c, campaign)
    with server.client(instructeur) as c:
        r = c.put(f"/dossiers/{draft['id']}/decision", json={"decision": "accepte"})
        assert r.status_code == 409
        assert r.json()["code"] == "transition_refused"
        assert "Brouillon" in r.json()["detail"]
        # a campaign with only drafts: publication sends nothing
        close_campaign(server, campaign)
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 200
        assert r.json()["mails_queued"] == 0
        assert c.post("/campaigns/999999/publish").status_code == 404
