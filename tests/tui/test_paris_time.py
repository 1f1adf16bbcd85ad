"""One time zone for people: Europe/Paris on every screen and in every file name,
whatever the machine's time zone (TZ=UTC, TZ=America/New_York)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cesp_client.api.etablissement import CampaignWindow
from cesp_client.exports import cell_text
from cesp_client.store import DraftStore
from cesp_client.workspace import transmitted_on
from cesp_core.timefmt import file_stamp, format_moment, paris
from cesp_tui.screens.account.password_setup import _until
from cesp_tui.screens.dossier.home import _local_time
from cesp_tui.screens.etablissement.recap import _local_moment
from cesp_tui.screens.staff.agent_home import _when
from cesp_tui.screens.staff.dossier_history import when_text
from cesp_tui.screens.staff.jury_home import campaign_text

#: 01:30 UTC on 12 March 2027 is 02:30 in Paris (winter time, UTC+1).
INSTANT = datetime(2027, 3, 12, 1, 30, tzinfo=UTC)
NAIVE_UTC = INSTANT.replace(tzinfo=None)  # how the store and the database keep it
PARIS_ISO = "2027-03-12T02:30:00+01:00"  # how the platform answers it


@pytest.fixture(params=["UTC", "America/New_York", "Asia/Tokyo"])
def machine_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def test_the_helper(machine_tz: str) -> None:
    assert format_moment(INSTANT) == "12/03/2027 à 02:30"
    assert format_moment(NAIVE_UTC) == "12/03/2027 à 02:30"
    assert format_moment(PARIS_ISO) == "12/03/2027 à 02:30"
    assert format_moment("2027-03-12T01:30:00Z") == "12/03/2027 à 02:30"
    assert paris(datetime(2027, 7, 1, 12, 0, tzinfo=UTC)).strftime("%H:%M") == "14:00"
    assert file_stamp(INSTANT) == "20270312-0230"
    assert format_moment(None) == "" and format_moment("pas une date") == "pas une date"


def test_every_screen_shows_the_same_text_for_one_instant(machine_tz: str, tmp_path: Path) -> None:
    # The transmission: from the receipt right after, from the store after a restart.
    drafts = DraftStore(tmp_path / "drafts.db")
    dossier = drafts.create_local("srv", "jeanne", "cesp", 1)
    dossier.synced_at = NAIVE_UTC
    assert transmitted_on(dossier, {"transmitted_at": PARIS_ISO}) == "12/03/2027 à 02:30"
    assert transmitted_on(dossier) == "12/03/2027 à 02:30"
    # "Mes demandes", the agent's queue and history, the Récap, CSV cells.
    dossier.updated_at = NAIVE_UTC
    assert _local_time(dossier) == "12/03/2027 02:30"
    assert _when(PARIS_ISO) == "12/03 02:30"
    assert when_text("2027-03-12T01:30:00+00:00") == "12/03/2027 02:30"
    assert _local_moment(NAIVE_UTC) == "12/03/2027 02:30"
    assert cell_text(INSTANT) == "12/03/2027 02:30"
    # The link's validity.
    assert _until({"expires_at": "2027-03-12T01:38:00+00:00"}) == (" (lien valable jusqu'à 02:38)")


def test_closing_dates_show_their_hour_in_paris(machine_tz: str) -> None:
    closes = "2027-03-13T22:59:00+00:00"  # 23:59 in Paris
    window = CampaignWindow.of(
        {"id": 1, "label": "ASP 2027", "closes_at": closes, "is_open": True, "days_left": 3}
    )
    assert window.days_text(datetime(2027, 3, 1, tzinfo=UTC)) == (
        "clôture le 13/03/2027 à 23:59 (3 jours restants)"
    )
    text = campaign_text({"demarche": "asp", "label": "Campagne 2027", "closes_at": closes})
    assert "clôture le 13/03/2027 à 23:59" in text
