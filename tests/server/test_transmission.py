"""Transmission: certification, completeness, idempotency, read-only after, the mails."""

from __future__ import annotations

import threading
import uuid

from sqlmodel import Session, func, select

from cesp_server.mail.outbox import wait_idle
from cesp_server.models import OutboxMail
from tests.support.accounts import create_cesp_account, create_etablissement_account
from tests.support.dossiers import (
    PARTNER_EMAIL,
    certifications,
    create_dossier,
    fill_dossier,
    make_campaign,
    save_tab,
    tiny_pdf,
    transmit,
    upload,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text


def _outbox_count(server: ServerHandle, template: str) -> int:
    with Session(server.app.state.engine) as session:
        return session.exec(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.template == template)
        ).one()


def test_incomplete_transmission_lists_every_problem(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "incomplet@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        r = c.post(f"/dossiers/{dossier['id']}/transmit", json={"certifications": []})
        assert r.status_code == 428
        assert r.json()["code"] == "idempotency_key_required"

        r = transmit(c, dossier, certs=[])
        assert r.status_code == 422
        problem = r.json()
        assert problem["code"] == "dossier_incomplete"
        where = {(p["tab"], p["field"]) for p in problem["problems"]}
        assert ("adresse", "adresse") in where
        assert ("pieces", "rib") in where
        assert ("synthese", "exactitude") in where
        messages = [p["message"] for p in problem["problems"]]
        assert "Cochez la case « Je certifie l'exactitude des informations saisies »." in messages

        # complete but without the certification box
        fill_dossier(c, dossier)
        r = transmit(c, dossier, certs=[])
        assert r.status_code == 422
        assert [(p["tab"], p["field"]) for p in r.json()["problems"]] == [
            ("synthese", "exactitude")
        ]
        r = transmit(c, dossier, certs=["exactitude", "inventee"])
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_values"
        assert c.get(f"/dossiers/{dossier['id']}").json()["state"] == "brouillon"


def test_cesp_transmission_replay_and_read_only(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    email = "transmet@exemple.fr"
    token = create_cesp_account(server, smtp, email)
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        version = fill_dossier(c, dossier)
        body = c.get(f"/dossiers/{dossier['id']}").json()
        assert body["complete"] is True

        r = c.post(
            f"/dossiers/{dossier['id']}/transmit",
            json={"certifications": ["exactitude"]},
            headers={"Idempotency-Key": "cle-1", "If-Match": f'"{version - 1}"'},
        )
        assert r.status_code == 412  # stale If-Match

        r = transmit(c, dossier, key="cle-1")
        assert r.status_code == 200, r.text
        receipt = r.json()
        assert receipt["state"] == "transmis"
        assert receipt["numero"] == dossier["numero"]
        assert receipt["receipt"]["certifications"] == ["exactitude"]
        assert len(receipt["receipt"]["pieces"]) == 5
        assert receipt["receipt"]["transmitted_at"].endswith(("+01:00", "+02:00"))

        mail = smtp.wait_for(email, "Confirmation de transmission")[0]
        assert dossier["numero"] in str(mail["Subject"])
        text = body_text(mail)
        assert dossier["numero"] in text
        assert "Campagne CESP de test" in text

        # a replay with the same key: the original receipt, no second mail
        again = transmit(c, dossier, key="cle-1")
        assert again.status_code == 200
        assert again.json() == receipt
        assert again.headers["Idempotent-Replayed"] == "true"
        # another key: already transmitted
        other = transmit(c, dossier, key="cle-2")
        assert other.status_code == 409
        assert other.json()["code"] == "already_transmitted"

        # read-only now
        read = c.get(f"/dossiers/{dossier['id']}").json()
        assert read["state"] == "transmis"
        assert read["editable"] is False
        assert read["receipt"] == receipt["receipt"]
        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/adresse",
            json={"values": {"adresse": "x"}},
            headers={"If-Match": f'"{read["version"]}"'},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "dossier_read_only"
        assert c.delete(f"/dossiers/{dossier['id']}").status_code == 409
        r = upload(c, dossier["id"], "cv", tiny_pdf("après"))
        assert r.status_code == 409
        piece = read["pieces"][0]
        r = c.delete(f"/dossiers/{dossier['id']}/pieces/{piece['piece_type']}/{piece['id']}")
        assert r.status_code == 409
        history = c.get(f"/dossiers/{dossier['id']}/history").json()
        assert history[-1]["action"] == "transmission"
    assert wait_idle(server.app)
    assert _outbox_count(server, "transmission_confirmation") == 1
    assert len(smtp.find(email, "Confirmation de transmission")) == 1


def test_concurrent_replays_transmit_once(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "course@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        fill_dossier(c, dossier)
    key = str(uuid.uuid4())
    answers: list[tuple[int, dict]] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        with server.client(token) as client:
            barrier.wait()
            r = transmit(client, dossier, key=key)
            answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in answers] == [200, 200, 200]
    assert len({str(body) for _, body in answers}) == 1
    assert wait_idle(server.app)
    assert _outbox_count(server, "transmission_confirmation") == 1


def test_asp_confirmation_and_acknowledgement(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "asp")
    email = "bam@hopital-avicenne.fr"
    token = create_etablissement_account(server, smtp, email)
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        fill_dossier(c, dossier)
        boxes = certifications("asp")
        assert len(boxes) == 4
        r = transmit(c, dossier, certs=boxes[:3])
        assert r.status_code == 422
        assert [p["field"] for p in r.json()["problems"]] == [boxes[3]]
        r = transmit(c, dossier, certs=boxes)
        assert r.status_code == 200, r.text
        assert r.json()["numero"].startswith("ASP-")
    mail = smtp.wait_for(email, "Accusé de réception")[0]
    text = body_text(mail)
    # The recruiter is the établissement's account (ADR 0030), whatever was sent.
    assert "Centre hospitalier de Test (FINESS 750712184)" in text
    assert "Établissement partenaire : Centre hospitalier de Saint-Denis (FINESS 930000013)" in text
    assert "Spécialité : Médecine cardiovasculaire" in text
    assert "Candidat : Mme Claire MARTIN, né(e) le 20/06/1994" in text
    assert not smtp.find(PARTNER_EMAIL)


def test_transmission_by_another_user_or_support(server: ServerHandle, smtp: SmtpSink) -> None:
    from tests.support.accounts import create_staff_account

    campaign = make_campaign(server, "cesp")
    owner = create_cesp_account(server, smtp, "titulaire@exemple.fr")
    support = create_staff_account(server, "support", "support.tr@exemple.fr")
    with server.client(owner) as c:
        dossier = create_dossier(c, campaign)
        save_tab(c, dossier["id"], "adresse", {"adresse": "1 rue Basse"}, 1)
    with server.client(support) as c:
        r = transmit(c, dossier)
        assert r.status_code == 403
        assert r.json()["code"] == "read_only_role"
