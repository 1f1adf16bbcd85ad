"""Import of paper dossiers from a file and export of lists, through the API.

Every test runs on SQLite and on PostgreSQL (the `server` fixture).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from cesp_core.masking import mask_iban, mask_nir
from cesp_server.mail.outbox import wait_idle
from cesp_server.models import Dossier, DossierEvent, OutboxMail
from tests.support.accounts import (
    create_cesp_account,
    create_staff_account,
    wait_mail,
)
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    complete_cesp_values,
    create_dossier,
    create_paper_dossier,
    import_csv,
    import_row,
    make_campaign,
    post_import,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


def _count(server: ServerHandle, model: Any, *where: Any) -> int:
    with Session(server.app.state.engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _rows(n: int, prefix: str = "candidat") -> list[dict[str, Any]]:
    rows = []
    for i in range(n):
        values = complete_cesp_values()
        values["etat_civil"]["nom_naissance"] = f"Durand{chr(65 + i)}"
        values["etat_civil"]["date_naissance"] = "15/03/1999"  # typed the French way
        rows.append(import_row(f"{prefix}{i}@exemple.fr", values))
    return rows


def _bad_row() -> dict[str, Any]:
    row = import_row("erreur@exemple.fr")
    row["etat_civil.nir"] = CESP_NIR[:13] + "00"  # a wrong key
    row["adresse.commune"] = "99999"
    return row


def test_refused_lines_import_nothing_then_the_fixed_file_imports_everything(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    rows = _rows(2)
    rows.insert(1, _bad_row())
    # an incomplete line imports as a draft, with warnings
    rows.append(
        {
            "applicant.email": "incomplet@exemple.fr",
            "applicant.nom": "Petit",
            "applicant.prenom": "Léa",
        }
    )
    with server.client(agent) as c:
        r = post_import(c, campaign, import_csv(rows))
        assert r.status_code == 422, r.text
        report = r.json()
        assert report["code"] == "import_refused"
        assert report["detail"].startswith("1 ligne refusée sur 4")
        assert [(x["line"], x["status"]) for x in report["lines"]] == [
            (2, "ok"),
            (3, "refused"),
            (4, "ok"),
            (5, "ok"),
        ]
        refused = report["lines"][1]
        assert {(p["tab"], p["field"]) for p in refused["problems"]} >= {
            ("etat_civil", "nir"),
            ("adresse", "commune"),
        }
        assert refused["dossier_id"] is None and refused["action"] is None
        assert all(x["dossier_id"] is None for x in report["lines"])
    # nothing half-imported: no dossier, no mail, no number consumed
    assert _count(server, Dossier) == 0
    assert _count(server, OutboxMail) == 0

    rows[1] = import_row("erreur@exemple.fr")
    with server.client(agent) as c:
        r = post_import(c, campaign, import_csv(rows))
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["created"], report["existing"], report["refused"]) == (4, 0, 0)
        assert report["format"] == "csv" and report["dry_run"] is False
        numeros = sorted(x["numero"] for x in report["lines"])
        assert numeros[0].endswith("-000001") and numeros[-1].endswith("-000004")
        last = report["lines"][-1]
        assert last["action"] == "cree"
        assert {w["tab"] for w in last["warnings"]} >= {"etudes", "coordonnees_bancaires"}
        full = c.get(f"/dossiers/{report['lines'][0]['dossier_id']}").json()
        assert full["data"]["etat_civil"]["date_naissance"] == "1999-03-15"
        assert full["on_behalf"]["applicant_email"] == "candidat0@exemple.fr"
        assert set(full["saved_tabs"]) == set(complete_cesp_values())
        assert next(t for t in full["tabs"] if t["key"] == "etat_civil")["state"] == "complet"
        queue = c.get("/dossiers", params={"created_by": "me", "state": "brouillon"}).json()
        assert queue["total"] == 4
    # the history says the agent imported each tab; every applicant gets the claim mail
    with Session(server.app.state.engine) as session:
        events = session.exec(
            select(DossierEvent).where(DossierEvent.dossier_id == full["id"])
        ).all()
    assert {e.action for e in events} == {"creation_pour_compte", "import"}
    assert {e.actor_id for e in events} == {full["created_by"]["id"]}
    for email in ("candidat0@exemple.fr", "erreur@exemple.fr", "incomplet@exemple.fr"):
        wait_mail(server, smtp, email, "a été saisi par nos services")


def test_dry_run_validates_only(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        r = post_import(c, campaign, import_csv(_rows(3)), dry_run=True)
        assert r.status_code == 200, r.text
        assert (r.json()["to_create"], r.json()["created"]) == (3, 0)
        assert {x["action"] for x in r.json()["lines"]} == {"a_creer"}
        r = post_import(c, campaign, import_csv([*_rows(1), _bad_row()]), dry_run=True)
        assert r.status_code == 422 and r.json()["dry_run"] is True
    assert _count(server, Dossier) == 0
    assert _count(server, OutboxMail) == 0


def test_reimport_is_idempotent(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    own = create_cesp_account(server, smtp, "en.ligne@exemple.fr")
    with server.client(own) as c:
        online = create_dossier(c, campaign)
    rows = _rows(2)
    content = import_csv(rows)
    with server.client(agent) as c:
        keyed = create_paper_dossier(c, campaign, "papier@exemple.fr").json()
        first = post_import(c, campaign, content)
        assert first.status_code == 200 and first.json()["created"] == 2
        wait_idle(server.app)
        mails = _count(server, OutboxMail)
        second = post_import(c, campaign, content)
        assert second.status_code == 200, second.text
        assert (second.json()["created"], second.json()["existing"]) == (0, 2)
        assert [x["dossier_id"] for x in second.json()["lines"]] == [
            x["dossier_id"] for x in first.json()["lines"]
        ]
        assert "déjà un dossier" in second.json()["lines"][0]["warnings"][0]["message"]
        # the same, as JSON: still nothing new; applicants with a dossier are "existant"
        more = [*rows, import_row("en.ligne@exemple.fr"), import_row("papier@exemple.fr")]
        third = post_import(c, campaign, json.dumps(more).encode(), "lot.json")
        assert third.status_code == 200, third.text
        assert third.json()["existing"] == 4
        existing = {x["applicant_email"]: x["dossier_id"] for x in third.json()["lines"]}
        assert existing["en.ligne@exemple.fr"] == online["id"]
        assert existing["papier@exemple.fr"] == keyed["id"]
    assert _count(server, Dossier) == 4
    assert _count(server, OutboxMail) == mails


def test_malformed_files_and_refused_callers(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    asp = make_campaign(server, "asp")
    closed = make_campaign(
        server, "cesp", opens_in=timedelta(days=-9), closes_in=timedelta(minutes=-1)
    )
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    support = create_staff_account(server, "support", "support@cesp.fr")
    candidat = create_cesp_account(server, smtp, "candidat@exemple.fr")
    good = import_csv(_rows(1))
    with server.client(agent) as c:
        for content, filename, words in (
            (bytes(range(256)) * 8, "scan.csv", "binaire"),
            (
                "applicant.email;etat_civil.nom_naissance\nx@e.fr;Lefèvre".encode("cp1252"),
                "excel.csv",
                "UTF-8",
            ),
            (b'{"applicant.email": "a@e.fr"}', "lot.json", "liste d'objets"),
            (b"applicant.email;nir\r\na@e.fr;1", "lot.csv", "Colonnes inconnues"),
            (b"   ", "vide.csv", "vide"),
        ):
            r = post_import(c, campaign, content, filename)
            assert r.status_code == 422, r.text
            body = r.json()
            assert body["code"] == "import_file_invalid", body
            assert [p["tab"] for p in body["problems"]] == ["fichier"]
            assert words in body["detail"], body["detail"]
            assert body["lines"] == []
        r = c.post("/imports/dossiers", params={"campaign_id": campaign}, json={"x": 1})
        assert r.status_code == 415
        assert post_import(c, asp, good).status_code == 403
        r = post_import(c, closed, good)
        assert r.status_code == 403 and r.json()["code"] == "campaign_closed"
        assert post_import(c, 999_999, good).status_code == 404
        server.settings.max_import_bytes = 200
        try:
            assert post_import(c, campaign, good).status_code == 413
        finally:
            server.settings.max_import_bytes = 5 * 1024 * 1024
    with server.client(candidat) as c:
        assert post_import(c, campaign, good).status_code == 403
    with server.client(support) as c:
        r = post_import(c, campaign, good)
        assert r.status_code == 403 and r.json()["code"] == "read_only_role"
    assert _count(server, Dossier, col(Dossier.applicant_email).is_not(None)) == 0


def _read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("dossier.numero;dossier.id;dossier.etat;")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_export_masked_by_default_and_read_back(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    other = make_campaign(server, "cesp", label="Campagne suivante")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    admin = create_staff_account(server, "admin", "admin@cesp.fr")
    support = create_staff_account(server, "support", "support@cesp.fr")
    instructeur = create_staff_account(server, "instructeur", "instr@cesp.fr")
    candidat = create_cesp_account(server, smtp, "candidat@exemple.fr")
    with server.client(agent) as c:
        assert post_import(c, campaign, import_csv(_rows(3))).status_code == 200
        masked = _read_csv(c.get("/exports/dossiers", params={"campaign_id": campaign}))
        assert len(masked) == 3
        assert {r["etat_civil.nir"] for r in masked} == {mask_nir(CESP_NIR)}
        assert {r["coordonnees_bancaires.iban"] for r in masked} == {mask_iban(CESP_IBAN)}
        assert {r["applicant.email"] for r in masked} == {
            f"candidat{i}@exemple.fr" for i in range(3)
        }
        assert {r["dossier.etat"] for r in masked} == {"Brouillon"}
        raw = c.get("/exports/dossiers", params={"campaign_id": campaign}).content
        assert CESP_NIR.encode() not in raw and CESP_IBAN.encode() not in raw

        full = _read_csv(
            c.get("/exports/dossiers", params={"campaign_id": campaign, "unmasked": "true"})
        )
        assert {r["etat_civil.nir"] for r in full} == {CESP_NIR}
        as_json = c.get(
            "/exports/dossiers",
            params={"campaign_id": campaign, "format": "json", "unmasked": "true"},
        )
        assert as_json.status_code == 200
        assert as_json.headers["content-type"].startswith("application/json")
        records = as_json.json()
        assert [r["dossier.numero"] for r in records] == [r["dossier.numero"] for r in full]
        assert records[0]["etat_civil.nationalite_francaise"] is True  # JSON keeps types
        assert records[0]["etat_civil.nir"] == CESP_NIR

        # an unmasked export imports back, as CSV and as JSON, to the same data
        csv_body = c.get(
            "/exports/dossiers", params={"campaign_id": campaign, "unmasked": "true"}
        ).content
        r = post_import(c, other, csv_body, "export.csv", dry_run=True)
        assert r.status_code == 200, r.text
        assert r.json()["to_create"] == 3
        r = post_import(c, other, as_json.content, "export.json")
        assert r.status_code == 200, r.text
        copy = c.get(f"/dossiers/{r.json()['lines'][0]['dossier_id']}").json()
        source = next(
            d
            for d in c.get("/dossiers", params={"campaign_id": campaign}).json()["items"]
            if d["applicant_name"] == copy["applicant_name"]
        )
        source_data = c.get(f"/dossiers/{source['id']}").json()["data"]
        assert copy["data"] == source_data
        # a masked export does not import back
        r = post_import(c, other, raw, "masque.csv", dry_run=True)
        assert r.status_code == 422 and r.json()["code"] == "import_refused"
        # filters: q and state
        one = _read_csv(c.get("/exports/dossiers", params={"q": "durandb"}))
        assert {r["etat_civil.nom_naissance"] for r in one} == {"DurandB"}
        none = _read_csv(c.get("/exports/dossiers", params={"state": "transmis"}))
        assert none == []
    with server.client(admin) as c:
        r = c.get("/exports/dossiers", params={"campaign_id": campaign, "unmasked": "true"})
        assert CESP_NIR.encode() in r.content
    for token in (support, instructeur):
        with server.client(token) as c:
            r = c.get("/exports/dossiers", params={"campaign_id": campaign, "unmasked": "true"})
            assert r.status_code == 403 and r.json()["code"] == "unmasked_forbidden"
            rows = _read_csv(c.get("/exports/dossiers", params={"campaign_id": campaign}))
            assert len(rows) == 3 and CESP_NIR not in str(rows)
    with server.client(candidat) as c:
        r = c.get("/exports/dossiers")
        assert r.status_code == 403 and r.json()["code"] == "forbidden_role"
