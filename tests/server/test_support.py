"""Support staff: search, the dossier exactly as its owner sees it (masked), history, mails
with their secrets redacted, diagnostic bundle, and no write at all.

Every test runs on SQLite and on PostgreSQL (the `server` / `database_url` fixtures).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session, func, select

from cesp_core.masking import mask_iban, mask_nir
from cesp_server import __version__
from cesp_server.crud.dossiers import list_dossiers
from cesp_server.db import make_engine
from cesp_server.migrate import alembic_config, upgrade
from cesp_server.models import (
    Account,
    Campaign,
    Dossier,
    DossierEvent,
    OutboxMail,
    Piece,
    utcnow,
)
from tests.support.accounts import (
    claim_token,
    create_cesp_account,
    create_staff_account,
    extract_code,
    extract_token,
    wait_mail,
)
from tests.support.dossiers import (
    CESP_IBAN,
    CESP_NIR,
    TINY_PDF,
    complete_cesp_values,
    create_dossier,
    create_paper_dossier,
    import_csv,
    import_row,
    make_campaign,
    nir_with_key,
    save_tab,
    upload,
)
from tests.support.server import ServerHandle
from tests.support.server import test_settings as make_settings
from tests.support.smtp import SmtpSink

OWNER = "jeanne.dupont@exemple.fr"


def _spaced(nir: str) -> str:
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:]))


def _owner_with_dossier(server: ServerHandle, smtp: SmtpSink, campaign: int) -> tuple[str, dict]:
    token = create_cesp_account(server, smtp, OWNER)
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        values = complete_cesp_values()
        save_tab(c, dossier["id"], "etat_civil", values["etat_civil"], 1)
        save_tab(c, dossier["id"], "coordonnees_bancaires", values["coordonnees_bancaires"], 2)
        # a civilité that contradicts the NIR (sex 1): an error the support must see too
        save_tab(c, dossier["id"], "etat_civil", {"civilite": "F"}, 3)
        assert upload(c, dossier["id"], "cv").status_code == 201
        dossier = c.get(f"/dossiers/{dossier['id']}").json()
    return token, dossier


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {d["id"] for d in response.json()["items"]}


def test_support_finds_a_dossier_by_nir_name_email_or_number(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    _token, own = _owner_with_dossier(server, smtp, campaign)
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    support = create_staff_account(server, "support", "support@cesp.fr")
    with server.client(agent) as c:
        paper = create_paper_dossier(c, campaign, "helene.lefevre@exemple.fr").json()
    with server.client(support) as c:

        def search(q: str) -> set[str]:
            return _ids(c.get("/dossiers", params={"q": q}))

        assert search(CESP_NIR) == {own["id"]}
        assert search(_spaced(CESP_NIR)) == {own["id"]}
        assert search(CESP_NIR[:13]) == {own["id"]}  # without its key
        assert search(nir_with_key("2990387085123")) == set()
        assert search("LEFEVRE") == {paper["id"]}  # no accent typed
        assert search("hélène lefèvre") == {paper["id"]}
        assert search("durand") == {own["id"]}  # name from the civil status
        assert search("dupont") == {own["id"]}  # the account's name
        assert search(OWNER.upper()) == {own["id"]}
        assert search("helene.lefevre@exemple.fr") == {paper["id"]}
        assert search(own["numero"]) == {own["id"]}
        assert search(paper["numero"].lower()) == {paper["id"]}
        assert search("exemple.fr") == {own["id"], paper["id"]}


def test_support_sees_what_the_owner_sees_masked(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    owner_token, _ = _owner_with_dossier(server, smtp, campaign)
    support = create_staff_account(server, "support", "support@cesp.fr")
    instructeur = create_staff_account(server, "instructeur", "instructeur@cesp.fr")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(owner_token) as c:
        dossier_id = c.get("/dossiers").json()["items"][0]["id"]
        mine = c.get(f"/dossiers/{dossier_id}").json()
    assert mine["masked"] is False and mine["data"]["etat_civil"]["nir"] == CESP_NIR
    etat_civil = next(t for t in mine["tabs"] if t["key"] == "etat_civil")
    assert etat_civil["state"] == "erreurs"
    assert any("ne correspond pas" in p["message"] for p in etat_civil["problems"])
    for token in (support, instructeur):
        with server.client(token) as c:
            r = c.get(f"/dossiers/{dossier_id}")
            assert r.status_code == 200
            seen = r.json()
            # the same tabs, states and messages as the owner...
            assert seen["tabs"] == mine["tabs"]
            assert (seen["complete"], seen["version"], seen["pieces"]) == (
                mine["complete"],
                mine["version"],
                mine["pieces"],
            )
            # ...the values, NIR and IBAN masked
            assert seen["masked"] is True and seen["editable"] is False
            assert seen["data"]["etat_civil"]["nir"] == mask_nir(CESP_NIR)
            assert seen["data"]["coordonnees_bancaires"]["iban"] == mask_iban(CESP_IBAN)
            assert seen["data"]["coordonnees_bancaires"]["bic"] == "AGRIFRPP"
            assert seen["data"]["etat_civil"]["nom_naissance"] == "Durand"
            assert CESP_NIR not in r.text and CESP_IBAN not in r.text
    with server.client(agent) as c:
        seen = c.get(f"/dossiers/{dossier_id}").json()
        assert seen["masked"] is False and seen["data"] == mine["data"]


def test_history_and_mails_with_their_secrets_redacted(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign = make_campaign(server, "cesp")
    owner_token, dossier = _owner_with_dossier(server, smtp, campaign)
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    support = create_staff_account(server, "support", "support@cesp.fr")
    with server.client(agent) as c:
        paper = create_paper_dossier(c, campaign, "helene.lefevre@exemple.fr").json()
    real_code = extract_code(wait_mail(server, smtp, OWNER, "code de vérification"))
    real_link = extract_token(wait_mail(server, smtp, OWNER, "Initialisation mdp"))
    real_claim = claim_token(server, smtp, "helene.lefevre@exemple.fr")
    # a row queued before the redacted copy existed (0001 schema): redacted all the same
    with Session(server.app.state.engine) as session:
        owner_id = session.exec(select(Account.id).where(Account.email == OWNER)).one()
        session.add(
            OutboxMail(
                to_addr=OWNER,
                subject="Votre code de vérification : 8765",
                body_text=f"Votre code de vérification : 8765\nhttp://x/compte?jeton={'A' * 43}\n"
                f"NIR {CESP_NIR}",
                template="signup_code",
                account_id=owner_id,
                message_id="<ancien@cesp>",
                sent_at=utcnow(),
            )
        )
        session.commit()
    with server.client(support) as c:
        history = c.get(f"/dossiers/{dossier['id']}/history").json()
        assert [e["action"] for e in history] == [
            "creation",
            "enregistrement",
            "enregistrement",
            "enregistrement",
            "piece_ajoutee",
        ]
        assert history[1]["fields"] and all(e["actor"]["role"] == "candidat" for e in history)
        assert CESP_NIR not in json.dumps(history)  # keys only, never values

        r = c.get(f"/dossiers/{dossier['id']}/mails")
        assert r.status_code == 200, r.text
        mails = r.json()
        templates = {m["template"] for m in mails}
        assert {"signup_code", "lien_initialisation", "identifiant_connexion"} <= templates
        assert all(m["about"] == "compte" for m in mails)
        everything = r.text
        assert real_code not in "".join(m["subject"] for m in mails)
        assert real_link not in everything
        # The old row's code as its subject and body wrote it (": 8765"), not the digits
        # alone: a timestamp's microseconds may hold them ("14:06:29.876584").
        assert ": 8765" not in everything
        assert "A" * 43 not in everything and CESP_NIR not in everything
        code_mails = [m for m in mails if m["template"] == "signup_code"]
        assert len(code_mails) == 2  # the real one and the old row
        for code_mail in code_mails:
            assert "Votre code de vérification : [code masqué]" in code_mail["body"]
            assert code_mail["subject"] == "Votre code de vérification : [code masqué]"
            assert code_mail["status"] == "envoye"
        assert "[lien masqué]" in code_mails[0]["body"]  # the old row, the latest
        link_mail = next(m for m in mails if m["template"] == "lien_initialisation")
        assert "[lien masqué]" in link_mail["body"] and "[jeton masqué]" in link_mail["body"]

        paper_mails = c.get(f"/dossiers/{paper['id']}/mails").json()
        assert [m["template"] for m in paper_mails] == ["dossier_saisi_pour_vous"]
        assert paper_mails[0]["about"] == "dossier"
        assert paper_mails[0]["to"] == "helene.lefevre@exemple.fr"
        assert real_claim not in paper_mails[0]["body"]
        assert "[jeton masqué]" in paper_mails[0]["body"]
    with server.client(owner_token) as c:
        r = c.get(f"/dossiers/{dossier['id']}/mails")
        assert r.status_code == 403
        assert c.get(f"/dossiers/{paper['id']}/mails").status_code == 404


def test_diagnostic_bundle_is_masked(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    owner_token, dossier = _owner_with_dossier(server, smtp, campaign)
    support = create_staff_account(server, "support", "support@cesp.fr")
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    for token in (support, agent):
        with server.client(token) as c:
            r = c.get(f"/dossiers/{dossier['id']}/diagnostic", params={"client_version": "0.3.1"})
            assert r.status_code == 200, r.text
            bundle = r.json()
            assert bundle["versions"] == {"server": __version__, "client": "0.3.1", "api": "v1"}
            assert bundle["generated_at"] and bundle["generated_by"]["id"]
            assert CESP_NIR not in r.text and CESP_IBAN not in r.text
            assert bundle["dossier"]["masked"] is True
            assert bundle["dossier"]["data"]["etat_civil"]["nir"] == mask_nir(CESP_NIR)
            assert bundle["dossier"]["tabs"] == dossier["tabs"]  # what the owner saw
            states = {t["key"]: t["state"] for t in bundle["validation"]}
            assert states["etat_civil"] == "erreurs" and states["etudes"] == "vide"
            fields = {(p["tab"], p["field"]) for p in bundle["transmission_problems"]}
            assert ("synthese", "exactitude") in fields and ("pieces", "rib") in fields
            assert len(bundle["history"]) == 5
            assert {m["template"] for m in bundle["mails"]} >= {"signup_code"}
            assert not re.search(r"code de vérification : \d{4}", r.text)
            r = c.get(f"/dossiers/{dossier['id']}/diagnostic", params={"client_version": "1;x"})
            assert r.status_code == 422
    with server.client(owner_token) as c:
        assert c.get(f"/dossiers/{dossier['id']}/diagnostic").status_code == 403


def _snapshot(server: ServerHandle) -> dict[str, Any]:
    with Session(server.app.state.engine) as session:
        return {
            "dossiers": [
                (d.id, d.version, d.state, json.dumps(d.data, sort_keys=True), d.owner_id)
                for d in session.exec(select(Dossier).order_by(Dossier.id))
            ],
            "events": session.exec(select(func.count()).select_from(DossierEvent)).one(),
            "pieces": session.exec(select(func.count()).select_from(Piece)).one(),
            "campaigns": [(x.id, x.results_published_at) for x in session.exec(select(Campaign))],
            "accounts": session.exec(select(func.count()).select_from(Account)).one(),
        }


#: Write operations a support account may use: its own session and password only.
SELF_SERVICE = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/accounts/signup"),
    ("post", "/api/v1/accounts/signup/resend"),
    ("post", "/api/v1/accounts/signup/verify"),
    ("post", "/api/v1/accounts/password/setup"),
    ("post", "/api/v1/accounts/etablissement"),
    ("post", "/api/v1/accounts/password/forgot"),
    ("post", "/api/v1/accounts/password/reset"),
    ("post", "/api/v1/accounts/me/password"),
    # read-only link checks (POST so that the token stays out of URLs)
    ("post", "/api/v1/accounts/password/setup/check"),
    ("post", "/api/v1/accounts/password/reset/check"),
}


def test_support_cannot_change_anything(server: ServerHandle, smtp: SmtpSink) -> None:
    """Every write operation of the API, called by a support account with a request that
    would succeed for the owner (valid body, real ids, right headers): 403, and nothing
    changed. A new write route fails this test until it is listed here."""
    campaign = make_campaign(server, "cesp")
    owner_token, dossier = _owner_with_dossier(server, smtp, campaign)
    agent = create_staff_account(server, "agent", "agent@cesp.fr")
    with server.client(agent) as c:
        paper = create_paper_dossier(c, campaign, "helene.lefevre@exemple.fr").json()
    token = claim_token(server, smtp, "helene.lefevre@exemple.fr")
    support = create_staff_account(server, "support", "support@cesp.fr")
    piece = dossier["pieces"][0]
    did = dossier["id"]
    etat_civil = complete_cesp_values()["etat_civil"]
    crafted: list[tuple[tuple[str, str], dict[str, Any]]] = [
        (
            ("post", "/api/v1/dossiers"),
            {"json": {"id": str(uuid.uuid4()), "campaign_id": campaign}},
        ),
        (
            ("post", "/api/v1/dossiers"),
            {
                "json": {
                    "id": str(uuid.uuid4()),
                    "campaign_id": campaign,
                    "applicant": {"email": "y@exemple.fr", "nom": "Y", "prenom": "Y"},
                }
            },
        ),
        (
            ("put", "/api/v1/dossiers/{dossier_id}/tabs/{tab}"),
            {
                "url": f"/dossiers/{did}/tabs/etat_civil",
                "json": {"values": etat_civil},
                "headers": {"If-Match": f'"{dossier["version"]}"'},
            },
        ),
        (("delete", "/api/v1/dossiers/{dossier_id}"), {"url": f"/dossiers/{did}"}),
        (
            ("post", "/api/v1/dossiers/{dossier_id}/transmit"),
            {
                "url": f"/dossiers/{did}/transmit",
                "json": {"certifications": ["exactitude"]},
                "headers": {"Idempotency-Key": str(uuid.uuid4()), "If-Match": '"4"'},
            },
        ),
        (
            ("post", "/api/v1/dossiers/{dossier_id}/instruction"),
            {"url": f"/dossiers/{did}/instruction"},
        ),
        (
            ("put", "/api/v1/dossiers/{dossier_id}/decision"),
            {"url": f"/dossiers/{did}/decision", "json": {"decision": "accepte", "comment": "ok"}},
        ),
        (("post", "/api/v1/dossiers/claim"), {"json": {"token": token}}),
        (
            ("post", "/api/v1/dossiers/{dossier_id}/claim-link"),
            {"url": f"/dossiers/{paper['id']}/claim-link"},
        ),
        (
            ("post", "/api/v1/dossiers/{dossier_id}/pieces/{piece_type}"),
            {
                "url": f"/dossiers/{did}/pieces/rib",
                "files": {"file": ("rib.pdf", TINY_PDF, "application/pdf")},
            },
        ),
        (
            ("delete", "/api/v1/dossiers/{dossier_id}/pieces/{piece_type}/{piece_id}"),
            {"url": f"/dossiers/{did}/pieces/{piece['piece_type']}/{piece['id']}"},
        ),
        (
            ("post", "/api/v1/campaigns"),
            {
                "json": {
                    "demarche": "cesp",
                    "year": 2030,
                    "label": "Campagne pirate",
                    "opens_at": "2030-01-01T00:00:00",
                    "closes_at": "2030-03-13T23:59:59",
                }
            },
        ),
        (
            ("post", "/api/v1/campaigns/{campaign_id}/publish"),
            {"url": f"/campaigns/{campaign}/publish"},
        ),
        (
            ("post", "/api/v1/imports/dossiers"),
            {
                "params": {"campaign_id": campaign},
                "files": {
                    "file": ("lot.csv", import_csv([import_row("x@exemple.fr")]), "text/csv")
                },
            },
        ),
    ]
    writes = {
        (method, path)
        for path, operations in server.app.openapi()["paths"].items()
        for method in operations
        if method in ("post", "put", "patch", "delete")
    }
    assert writes - SELF_SERVICE == {key for key, _ in crafted}, "list every new write route"
    before = _snapshot(server)
    with server.client(support) as c:
        for (method, template), request in crafted:
            url = request.pop("url", template.removeprefix("/api/v1"))
            r = c.request(method.upper(), url, **request)
            assert r.status_code == 403, (method, template, r.status_code, r.text)
            assert r.json()["code"] in ("read_only_role", "forbidden_role"), r.text
            assert r.headers["content-type"].startswith("application/problem+json")
    assert _snapshot(server) == before
    # the same requests succeed for the owner: they were not refused for another reason
    with server.client(owner_token) as c:
        r = c.put(
            f"/dossiers/{did}/tabs/etat_civil",
            json={"values": etat_civil},
            headers={"If-Match": f'"{dossier["version"]}"'},
        )
        assert r.status_code == 200, r.text


@pytest.mark.parametrize("nir_typed", [CESP_NIR, _spaced(CESP_NIR)])
def test_dossiers_saved_before_0002_are_found_by_nir(
    database_url: str, tmp_path: Path, nir_typed: str
) -> None:
    """The 0002 revision computes the NIR digest of existing dossiers (and their owners'
    e-mails in the search text)."""
    settings = make_settings(tmp_path / "data", database_url)
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO account (id, username, email, role, status, failed_logins, "
                    "created_at) VALUES (1, 'ancien', 'ancien@exemple.fr', 'candidat', "
                    "'active', 0, :now), (2, 'support', 'support@cesp.fr', 'support', "
                    "'active', 0, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO campaign (id, demarche, year, label, opens_at, closes_at, "
                    "created_at) VALUES (1, 'cesp', 2026, 'Ancienne', :now, :now, :now)"
                ),
                {"now": now},
            )
            connection.execute(
                text(
                    "INSERT INTO dossier (id, numero, demarche, campaign_id, owner_id, "
                    "created_by_id, state, version, data, saved_tabs, certifications, "
                    "search_text, created_at, updated_at) VALUES ('d-1', 'CESP-2026-000001', "
                    "'cesp', 1, 1, 1, 'brouillon', 2, :data, '[]', '[]', 'cesp 2026 000001', "
                    ":now, :now)"
                ),
                {"now": now, "data": json.dumps({"etat_civil": {"nir": nir_typed}})},
            )
        upgrade(engine, settings)
        with Session(engine) as session:
            support = session.get(Account, 2)
            assert support is not None
            for q in (CESP_NIR, _spaced(CESP_NIR), "ancien@exemple.fr", "000001"):
                rows, _total = list_dossiers(session, support, q=q)
                assert [d.id for d in rows] == ["d-1"], q
    finally:
        engine.dispose()


def test_logs_never_carry_a_nir_or_an_iban(caplog: pytest.LogCaptureFixture) -> None:
    from uvicorn.logging import AccessFormatter

    from cesp_server.log_masking import install_log_masking

    install_log_masking()  # done by create_app; idempotent
    caplog.set_level(logging.INFO)
    log = logging.getLogger("cesp_server.essai")
    log.warning("recherche %s, iban %s", _spaced(CESP_NIR), CESP_IBAN)
    log.info(f"direct {CESP_NIR}")
    try:
        raise ValueError(f"NIR refusé : {CESP_NIR}")
    except ValueError:
        log.exception("échec")
    assert CESP_NIR not in caplog.text and _spaced(CESP_NIR) not in caplog.text
    assert CESP_IBAN not in caplog.text
    assert mask_nir(CESP_NIR) in caplog.text and "NIR refusé" in caplog.text
    # uvicorn's access log: the query string carries the NIR, URL-encoded
    path = "/api/v1/dossiers?q=" + _spaced(CESP_NIR).replace(" ", "%20")
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )
    line = AccessFormatter(fmt="%(message)s", use_colors=False).format(record)
    assert line.startswith('127.0.0.1:5000 - "GET /api/v1/dossiers?q=1 **')
    assert CESP_NIR[3:13] not in line.replace("%20", "").replace(" ", "")
    # other loggers are left alone
    other = logging.getLogger("ailleurs").makeRecord(
        "ailleurs", logging.INFO, __file__, 1, "%s", (CESP_NIR,), None
    )
    assert other.getMessage() == CESP_NIR


def test_a_masked_value_is_never_saved_back(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    owner_token, dossier = _owner_with_dossier(server, smtp, campaign)
    admin = create_staff_account(server, "admin", "admin@cesp.fr")
    with server.client(owner_token) as c:
        r = c.put(
            f"/dossiers/{dossier['id']}/tabs/coordonnees_bancaires",
            json={"values": {"iban": mask_iban(CESP_IBAN)}},
            headers={"If-Match": f'"{dossier["version"]}"'},
        )
        assert r.status_code == 422, r.text
        assert [(p["field"], "masquée" in p["message"]) for p in r.json()["problems"]] == [
            ("iban", True)
        ]
        assert (
            c.get(f"/dossiers/{dossier['id']}").json()["data"]["coordonnees_bancaires"]["iban"]
            == CESP_IBAN
        )
    # an admin reads it masked, except the dossiers the admin keyed (and may change)
    with server.client(admin) as c:
        assert c.get(f"/dossiers/{dossier['id']}").json()["masked"] is True
        keyed = create_paper_dossier(c, campaign, "papier@exemple.fr").json()
        assert keyed["masked"] is False and keyed["editable"] is True
