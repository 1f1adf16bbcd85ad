"""The embedded platform opens one campaign per démarche on a fresh machine, once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from cesp_server.db import make_engine
from cesp_server.local_seed import ensure_open_campaigns
from cesp_server.migrate import upgrade
from cesp_server.models.campaign import Campaign
from tests.support.server import test_settings as make_settings


def test_local_campaigns_are_created_once_and_open(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    engine = make_engine(settings)
    try:
        upgrade(engine, settings)
        now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
        created = ensure_open_campaigns(engine, now)
        assert sorted(c.demarche for c in created) == ["asp", "cesp"]
        assert ensure_open_campaigns(engine, now) == []
        with Session(engine) as session:
            campaigns = session.exec(select(Campaign)).all()
        assert len(campaigns) == 2
        for campaign in campaigns:
            assert campaign.opens_at <= datetime(2026, 11, 23, 9, 0) < campaign.closes_at
            assert "plateforme locale" in campaign.label
        later = datetime(2027, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
        assert len(ensure_open_campaigns(engine, later)) == 2  # the first ones have closed
    finally:
        engine.dispose()
