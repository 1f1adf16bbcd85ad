"""Issue 15: an inclusive closing covers its whole minute; results only after the closing;
nothing the owner sees moves before the publication."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from cesp_server.cli import main
from cesp_server.crud.campaigns import create_campaign, ensure_campaign_open
from cesp_server.errors import ApiProblem
from cesp_server.models import Campaign
from tests.support.accounts import create_cesp_account, create_staff_account
from tests.support.dossiers import (
    close_campaign,
    create_dossier,
    fill_dossier,
    make_campaign,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink

PARIS = ZoneInfo("Europe/Paris")


def test_cli_closing_minute_lasts_until_its_last_microsecond(server: ServerHandle) -> None:
    code = main(
        [
            "--database-url",
            server.settings.resolved_database_url,
            "--data-dir",
            str(server.settings.data_dir),
            "campaign",
            "create",
            "--demarche=asp",
            "--year=2027",
            "--label=ASP 2027",
            "--opens=2027-01-15 09:00",
            "--closes=2027-03-13 23:59",
        ]
    )
    assert code == 0
    with Session(server.app.state.engine) as db:
        campaign = db.exec(select(Campaign)).one()
    # Paris is UTC+1 in March before the change of time
    assert campaign.closes_at == datetime(2027, 3, 13, 22, 59, 59, 999999)
    ensure_campaign_open(campaign, now=datetime(2027, 3, 13, 22, 59, 59, 500000))
    with pytest.raises(ApiProblem) as refused:
        ensure_campaign_open(campaign, now=datetime(2027, 3, 13, 23, 0, 0))
    assert refused.value.code == "campaign_closed"


def test_api_closing_minute_is_inclusive(server: ServerHandle) -> None:
    admin = create_staff_account(server, "admin", "admin.clos@exemple.fr")
    with server.client(admin) as c:
        r = c.post(
            "/campaigns",
            json={
                "demarche": "cesp",
                "year": 2027,
                "label": "CESP 2027",
                "opens_at": "2027-01-15T09:00",
                "closes_at": "2027-03-13T23:59",
            },
        )
    assert r.status_code == 201, r.text
    assert r.json()["closes_at"] == "2027-03-13T23:59:59.999999+01:00"
    assert r.json()["results_publishable_from"] == "2027-03-14T00:00:00+01:00"


def _open_asp_campaign(server: ServerHandle) -> tuple[int, datetime]:
    """An open ASP campaign closing at 23:59 (Paris) in ten days, and that closing."""
    now = datetime.now(PARIS)
    closing_day = (now + timedelta(days=10)).date()
    closes = datetime(closing_day.year, closing_day.month, closing_day.day, 23, 59, tzinfo=PARIS)
    with Session(server.app.state.engine, expire_on_commit=False) as session:
        campaign = create_campaign(
            session,
            demarche="asp",
            year=now.year,
            label="ASP ouverte",
            opens_at=now - timedelta(days=10),
            closes_at=closes,
        )
    assert campaign.id is not None
    return campaign.id, closes


def test_results_are_published_only_after_the_closing(server: ServerHandle) -> None:
    campaign, closes = _open_asp_campaign(server)
    next_day = (closes + timedelta(minutes=1)).astimezone(PARIS)
    expected = next_day.strftime("%d/%m/%Y 00:00")
    jury = create_staff_account(server, "instructeur", "jury.tot@exemple.fr")
    with server.client(jury) as c:
        shown = c.get(f"/campaigns/{campaign}").json()
        assert shown["results_publishable_from"] == next_day.replace(hour=0, minute=0).isoformat()
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 409, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["code"] == "campaign_not_closed"
        assert f"publication possible à partir du {expected}" in body["detail"]
        assert c.get(f"/campaigns/{campaign}").json()["results_published"] is False

        close_campaign(server, campaign)
        r = c.post(f"/campaigns/{campaign}/publish")
        assert r.status_code == 200, r.text
        assert r.json()["campaign"]["results_published"] is True
    assert datetime.now(UTC) < closes  # the rule, not the clock, refused the first try


def test_owner_sees_nothing_move_before_publication(server: ServerHandle, smtp: SmtpSink) -> None:
    campaign = make_campaign(server, "cesp")
    owner = create_cesp_account(server, smtp, "attente@exemple.fr")
    jury = create_staff_account(server, "instructeur", "jury.discret@exemple.fr")
    with server.client(owner) as c:
        dossier = create_dossier(c, campaign)
        fill_dossier(c, dossier)
        assert transmit(c, dossier).status_code == 200
    url = f"/dossiers/{dossier['id']}"
    with server.client(jury) as c:
        assert c.post(f"{url}/instruction").status_code == 200

    def owner_view() -> tuple[str, dict, dict]:
        with server.client(owner) as c:
            read = c.get(url)
            assert read.status_code == 200
            listed = c.get("/dossiers").json()
        return read.headers["ETag"], read.json(), listed

    before = owner_view()
    with server.client(jury) as c:
        for choice in ("refuse", "accepte"):
            r = c.put(f"{url}/decision", json={"decision": choice, "comment": "Avis"})
            assert r.status_code == 200, r.text
    assert owner_view() == before  # version, ETag, state, modification time, list

    close_campaign(server, campaign)
    with server.client(jury) as c:
        assert c.post(f"/campaigns/{campaign}/publish").status_code == 200
    etag, body, _listed = owner_view()
    assert body["version"] > before[1]["version"] and etag != before[0]
    assert body["state"] == "accepte"
    assert body["updated_at"] != before[1]["updated_at"]
