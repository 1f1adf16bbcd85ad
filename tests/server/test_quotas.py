"""Issue 15 (low): dossiers per account and campaign, stored bytes per account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import create_cesp_account, create_etablissement_account
from tests.support.dossiers import create_dossier, make_campaign, tiny_pdf, upload
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as make_settings
from tests.support.smtp import SmtpSink


@pytest.fixture
def small_server(tmp_path: Path, database_url: str, smtp: SmtpSink) -> Iterator[ServerHandle]:
    handle = start_server(
        make_settings(
            tmp_path / "data",
            database_url,
            smtp.port,
            max_dossiers_per_campaign_etablissement=3,
            max_account_bytes=2 * len(tiny_pdf("piece 0")),
        )
    )
    yield handle
    handle.stop()


def test_defaults_are_sensible() -> None:
    settings = make_settings(Path("/nonexistent"))
    assert settings.max_dossiers_per_campaign == 20
    assert settings.max_dossiers_per_campaign_etablissement > 20
    assert settings.max_dossiers_per_campaign_staff > settings.max_dossiers_per_campaign
    assert settings.max_account_bytes >= 10 * settings.max_dossier_bytes


def test_dossiers_per_account_and_campaign(small_server: ServerHandle, smtp: SmtpSink) -> None:
    server = small_server
    campaign = make_campaign(server, "asp")
    other = make_campaign(server, "asp", label="Autre campagne ASP")
    token = create_etablissement_account(server, smtp, "quota@hopital.fr")
    with server.client(token) as c:
        made = [create_dossier(c, campaign) for _ in range(3)]
        r = c.post("/dossiers", json={"id": str(uuid.uuid4()), "campaign_id": campaign})
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == "dossier_quota"
        assert "nombre maximal de dossiers" in r.json()["detail"]
        assert r.json()["max_dossiers"] == 3
        # a replay of an existing creation still answers the dossier
        again = c.post("/dossiers", json={"id": made[0]["id"], "campaign_id": campaign})
        assert again.status_code == 200
        # the cap is per campaign
        create_dossier(c, other)
        # a deleted draft frees its place
        assert c.delete(f"/dossiers/{made[0]['id']}", headers={"If-Match": '"1"'}).status_code in (
            200,
            204,
        )
        create_dossier(c, campaign)


def test_stored_bytes_per_account(small_server: ServerHandle, smtp: SmtpSink) -> None:
    server = small_server
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "octets@exemple.fr")
    with server.client(token) as c:
        dossier = create_dossier(c, campaign)
        for index in range(2):
            r = upload(c, dossier["id"], "piece_identite", tiny_pdf(f"piece {index}"))
            assert r.status_code == 201, r.text
        r = upload(c, dossier["id"], "piece_identite", tiny_pdf("piece 2"))
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "account_storage_full"
        assert "espace réservé aux pièces" in r.json()["detail"]
