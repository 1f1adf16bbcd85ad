"""Démarches and campaigns: public reads, admin creation, Paris dates, days left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from cesp_core.demarches import DEMARCHES
from cesp_server.crud.campaigns import CampaignError, create_campaign, days_left, is_open
from cesp_server.models import Campaign
from tests.support.accounts import create_cesp_account, create_staff_account
from tests.support.dossiers import make_campaign
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink

PARIS = ZoneInfo("Europe/Paris")


def test_demarches_are_published(server: ServerHandle) -> None:
    with server.client() as c:
        listed = c.get("/demarches").json()
        assert [d["key"] for d in listed] == list(DEMARCHES)
        asp = c.get("/demarches/asp").json()
        assert asp == DEMARCHES["asp"].to_dict()
        assert asp["first_tab"] == "identification"
        assert asp["pieces"][0]["formats"] == ["pdf"]
        r = c.get("/demarches/inconnue")
        assert r.status_code == 404
        assert r.json()["code"] == "demarche_not_found"


def test_campaign_list_with_paris_dates(server: ServerHandle) -> None:
    open_id = make_campaign(server, "cesp", closes_in=timedelta(days=5), label="Ouverte")
    past_id = make_campaign(
        server, "asp", opens_in=timedelta(days=-60), closes_in=timedelta(days=-1), label="Passée"
    )
    with server.client() as c:
        listed = {x["id"]: x for x in c.get("/campaigns").json()}
        assert set(listed) == {open_id, past_id}
        opened = listed[open_id]
        assert opened["is_open"] is True
        assert opened["is_closed"] is False
        assert opened["days_left"] in (4, 5, 6)
        assert opened["closes_at"].endswith(("+01:00", "+02:00"))
        assert opened["demarche_title"].startswith("Contrat d'Engagement")
        past = listed[past_id]
        assert past["is_open"] is False and past["is_closed"] is True
        assert past["days_left"] is None
        assert [x["id"] for x in c.get("/campaigns", params={"demarche": "asp"}).json()] == [
            past_id
        ]
        assert c.get(f"/campaigns/{open_id}").json() == opened
        assert c.get("/campaigns/424242").status_code == 404
        assert c.get("/campaigns/0").status_code == 422


def test_admin_creates_campaigns(server: ServerHandle, smtp: SmtpSink) -> None:
    admin = create_staff_account(server, "admin", "admin@exemple.fr")
    candidat = create_cesp_account(server, smtp, "curieux@exemple.fr")
    payload = {
        "demarche": "asp",
        "year": 2026,
        "label": "Assistants spécialistes partagés 2026",
        "opens_at": "2026-01-15T09:00:00",
        "closes_at": "2026-03-13T23:59:59",  # "jusqu'au 13 mars inclus", Paris time
    }
    with server.client(candidat) as c:
        r = c.post("/campaigns", json=payload)
        assert r.status_code == 403
    with server.client() as c:
        assert c.post("/campaigns", json=payload).status_code == 401
    with server.client(admin) as c:
        r = c.post("/campaigns", json=payload)
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["closes_at"] == "2026-03-13T23:59:59.999999+01:00"
        assert created["opens_at"] == "2026-01-15T09:00:00+01:00"
        r = c.post("/campaigns", json={**payload, "closes_at": "2026-01-01T00:00:00"})
        assert r.status_code == 422
        assert r.json()["code"] == "invalid_campaign"
        assert c.post("/campaigns", json={**payload, "demarche": "xyz"}).status_code == 422
    with Session(server.app.state.engine) as session:
        stored = session.get(Campaign, created["id"])
        assert stored is not None
        # stored as naive UTC
        assert stored.closes_at == datetime(2026, 3, 13, 22, 59, 59, 999999)


def test_closing_date_is_inclusive_and_days_are_paris_days(server: ServerHandle) -> None:
    with Session(server.app.state.engine, expire_on_commit=False) as session:
        campaign = create_campaign(
            session,
            demarche="cesp",
            year=2026,
            label="Été",
            opens_at=datetime(2026, 6, 1, tzinfo=PARIS),
            closes_at=datetime(2026, 7, 10, 23, 59, 59, tzinfo=PARIS),
        )
        with pytest.raises(CampaignError):
            create_campaign(
                session,
                demarche="cesp",
                year=2026,
                label=" ",
                opens_at=datetime(2026, 6, 1),
                closes_at=datetime(2026, 7, 1),
            )

    def utc(*args: int) -> datetime:
        return datetime(*args, tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)

    assert is_open(campaign, utc(2026, 7, 10, 23, 59, 59))
    assert not is_open(campaign, utc(2026, 7, 11, 0, 0, 0))
    assert days_left(campaign, utc(2026, 7, 10, 0, 5)) == 0
    assert days_left(campaign, utc(2026, 7, 9, 23, 55)) == 1
    # 00:30 in Paris on 8 July is still 7 July in UTC: the Paris day counts
    assert days_left(campaign, utc(2026, 7, 8, 0, 30)) == 2
    assert days_left(campaign, utc(2026, 7, 11, 0, 1)) is None
