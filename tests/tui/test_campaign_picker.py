"""Issue 14: one campaign picker (`cesp_tui.screens.common.campaigns`) for "Mes demandes",
the jury and the paper keying: each opens it, lists the campaigns it should (filtered by
démarche and openness), with the closing date and hour in Paris time; Enter picks,
Escape (or F9) cancels and changes nothing. One fetch: `fetch_campaigns` ->
`CampaignsLoaded`, offline said in French."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from cesp_client.api import ApiClient, Offline
from cesp_client.keying import keying_session
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.common.campaigns import CampaignPicker, campaign_line, fetch_campaigns
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.staff.jury_home import JuryHomeScreen
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from tests.support.tui import (
    CLOSED_URL,
    SERVER_KEY,
    USERNAME,
    fake,
    run_app,
    settle_workers,
    tui_app,
)
from tests.tui.keywalk import on_behalf_app

SIZE = (80, 24)

#: Closes at 22:59 UTC, i.e. 23:59 in Paris (winter time).
CESP_OPEN = {
    "id": 7,
    "demarche": "cesp",
    "label": "CESP 2027",
    "closes_at": "2027-03-13T22:59:00+00:00",
    "is_open": True,
}
CESP_OPEN_2 = {
    "id": 9,
    "demarche": "cesp",
    "label": "CESP 2027 — session 2",
    "closes_at": "2027-06-30T21:59:00+00:00",
    "is_open": True,
}
CESP_CLOSED = {
    "id": 5,
    "demarche": "cesp",
    "label": "CESP 2025",
    "closes_at": "2025-03-31T21:59:00+00:00",
    "is_open": False,
}
ASP_OPEN = {
    "id": 11,
    "demarche": "asp",
    "label": "ASP 2027",
    "closes_at": "2027-03-13T22:59:00+00:00",
    "is_open": True,
}
ALL = [CESP_OPEN, CESP_OPEN_2, CESP_CLOSED, ASP_OPEN]


class FakeApi(ApiClient):
    """The platform's campaign list (or: offline); what the screens ask is recorded; every
    other call goes to the closed port (offline)."""

    def __init__(self, campaigns: list[dict[str, Any]] | None = None, offline: bool = False):
        super().__init__(CLOSED_URL)
        self._campaigns = campaigns or []
        self.offline = offline
        self.asked: list[str | None] = []

    async def campaigns(self, demarche: str | None = None) -> list[dict[str, Any]]:
        self.asked.append(demarche)
        if self.offline:
            raise Offline("connexion refusée")
        return [dict(c) for c in self._campaigns if demarche in (None, c["demarche"])]


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    await settle_workers(app, pilot)
    await pilot.pause()


def picker_of(app: App[Any]) -> CampaignPicker:
    screen = app.screen
    assert isinstance(screen, CampaignPicker), screen
    return screen


def shown_lines(picker: CampaignPicker) -> list[str]:
    options = picker.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


# --- the picker itself ------------------------------------------------------------------------


def test_a_campaign_line_gives_the_closing_date_and_hour_in_paris_time() -> None:
    assert campaign_line(CESP_OPEN) == "CESP 2027 — clôture le 13/03/2027 à 23:59"
    assert campaign_line(CESP_OPEN_2) == "CESP 2027 — session 2 — clôture le 30/06/2027 à 23:59"
    assert campaign_line({"id": 3, "label": ""}) == "Campagne n° 3"


@contextlib.asynccontextmanager
async def picker_app(tmp_path: Path, **kwargs: Any) -> AsyncIterator[tuple[Pilot[Any], list[Any]]]:
    """The app with one picker over its login screen; what it was dismissed with."""
    app = tui_app(tmp_path)
    results: list[int | None] = []
    async with run_app(app, size=SIZE) as pilot:
        await app.push_screen(CampaignPicker([CESP_OPEN, CESP_OPEN_2], **kwargs), results.append)
        await pilot.pause()
        yield pilot, results


@pytest.mark.parametrize("key", ["escape", "f9"])
async def test_escape_and_f9_cancel(key: str, tmp_path: Path) -> None:
    async with picker_app(tmp_path) as (pilot, results):
        app = pilot.app
        await pilot.press("down", key)
        await pilot.pause()
        assert results == [None]
        assert not isinstance(app.screen, CampaignPicker)


async def test_arrows_and_enter_pick_and_the_current_one_is_highlighted(tmp_path: Path) -> None:
    async with picker_app(tmp_path, current=9) as (pilot, results):
        picker = picker_of(pilot.app)
        assert picker.query_one(OptionList).highlighted == 1  # the current campaign
        assert picker.query_one(OptionList).has_focus
        await pilot.press("up", "enter")
        await pilot.pause()
        assert results == [7]


async def test_printable_keys_pick_nothing(tmp_path: Path) -> None:
    async with picker_app(tmp_path) as (pilot, results):
        await pilot.press("n", "q", "s", "1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CampaignPicker)
        assert results == []


# --- "Mes demandes" -----------------------------------------------------------------------------


async def test_home_lists_the_open_campaigns_of_its_demarche_enter_picks_escape_cancels(
    tmp_path: Path,
) -> None:
    api = FakeApi(ALL)
    app = tui_app(tmp_path, role="candidat", new_api=fake(api))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        picker = picker_of(app)
        assert picker.title_text == "Nouvelle demande : quelle campagne ?"
        assert shown_lines(picker) == [
            "CESP 2027 — clôture le 13/03/2027 à 23:59",
            "CESP 2027 — session 2 — clôture le 30/06/2027 à 23:59",
        ]
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.drafts.list(SERVER_KEY, USERNAME) == []  # nothing started
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier.campaign_id == 9


# --- the jury -----------------------------------------------------------------------------------

JURY = [
    {**ASP_OPEN, "closes_at": "2027-02-13T22:59:00+00:00", "results_published": False},
    {**CESP_OPEN, "results_published": False},
    {
        **CESP_CLOSED,
        "results_published": True,
        "results_published_at": "2025-06-20T10:30:00+02:00",
    },
]


async def test_jury_lists_every_campaign_f2_opens_enter_picks_escape_cancels(
    tmp_path: Path,
) -> None:
    app = tui_app(
        tmp_path,
        role="instructeur",
        screen=lambda: JuryHomeScreen(campaigns=JURY, dossiers=[], campaign_id=7, viewer="Jury"),
    )
    async with run_app(app, size=(120, 30)) as pilot:
        await pilot.pause()
        jury = app.screen
        assert isinstance(jury, JuryHomeScreen)
        await pilot.press("f2")
        await pilot.pause()
        picker = picker_of(app)
        assert picker.title_text == "Campagne à instruire"
        lines = shown_lines(picker)
        # Both démarches, unpublished first; the démarche and the publication are said.
        assert [line.split(" — ")[0] for line in lines] == [
            "CESP · CESP 2027",
            "ASP · ASP 2027",
            "CESP · CESP 2025",
        ]
        assert "clôture le 13/03/2027 à 23:59" in lines[0]
        assert "résultats publiés le" in lines[2]
        assert picker.query_one(OptionList).highlighted == 0  # the current one: n° 7
        await pilot.press("down", "escape")
        await pilot.pause()
        assert app.screen is jury
        assert jury.campaign_id == 7
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen is jury
        assert jury.campaign_id == 11
        assert "ASP · ASP 2027" in str(jury.query_one("#jury-campaign", Static).render())


# --- the paper keying -----------------------------------------------------------------------------


async def test_paper_keying_asks_among_the_open_cesp_campaigns(tmp_path: Path) -> None:
    api = FakeApi(ALL)
    app = on_behalf_app(tmp_path, new_api=fake(api))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert api.asked == ["cesp"]
        picker = picker_of(app)  # two open: the screen asks at once
        assert picker.title_text == "Saisie papier : quelle campagne ?"
        assert shown_lines(picker) == [
            "CESP 2027 — clôture le 13/03/2027 à 23:59",
            "CESP 2027 — session 2 — clôture le 30/06/2027 à 23:59",
        ]
        await pilot.press("escape")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, OnBehalfScreen)
        assert screen.campaign_id is None
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert app.screen is screen
        assert screen.campaign_id == 9
        assert keying_session(app).campaign_id == 9
        assert "CESP 2027 — session 2" in str(
            screen.query_one("#on-behalf-campaign", Static).render()
        )


async def test_paper_keying_says_when_no_campaign_is_open(tmp_path: Path) -> None:
    app = on_behalf_app(tmp_path, new_api=fake(FakeApi([CESP_CLOSED, ASP_OPEN])))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, OnBehalfScreen)
        status = str(screen.query_one("#on-behalf-status", Static).render())
        assert "Aucune campagne CESP n'est ouverte" in status
        assert screen.campaign_id is None


# --- the one fetch ------------------------------------------------------------------------------


class FetchApp(App[None]):
    def __init__(self, api: Any) -> None:
        super().__init__()
        self.api = api
        self.loaded: list[CampaignsLoaded] = []

    def on_campaigns_loaded(self, message: CampaignsLoaded) -> None:
        self.loaded.append(message)


@pytest.mark.parametrize(
    ("api", "offline"),
    [(FakeApi(offline=True), True), (None, True), (FakeApi([CESP_OPEN, ASP_OPEN]), False)],
    ids=["offline", "not-connected", "answer"],
)
async def test_fetch_campaigns_posts_one_message(api: Any, offline: bool) -> None:
    app = FetchApp(api)
    async with app.run_test(size=SIZE) as pilot:
        fetch_campaigns(app, api, "asp", purpose="new", offline="Hors ligne, ici.")
        await settle(app, pilot)
        assert len(app.loaded) == 1
        loaded = app.loaded[0]
        assert loaded.purpose == "new"
        assert loaded.offline is offline
        if offline:
            assert (loaded.error, loaded.campaigns) == ("Hors ligne, ici.", [])
        else:
            assert (loaded.error, loaded.campaigns) == (None, [ASP_OPEN])


# --- the screen below stays in sight ------------------------------------------------------------


def visible_text(app: App[Any]) -> str:
    """The text of the app's screenshot (what the terminal shows, boxes over screens)."""
    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r"<text[^>]*>(.*?)</text>", svg))).replace("\xa0", " ")


async def test_the_picker_leaves_the_screen_below_in_sight(tmp_path: Path) -> None:
    """Over "Mes demandes" in the client, the box was drawn on an opaque screen: the
    app's ``Screen { background }`` rule won over the picker's default CSS, and the list
    it is asked for vanished while it was open, unlike under the other boxes."""
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "Mes demandes" in visible_text(app)
        await app.push_screen(CampaignPicker([CESP_OPEN, CESP_OPEN_2]))
        await settle(app, pilot)
        shown = visible_text(app)
        assert "CESP 2027 — clôture le 13/03/2027 à 23:59" in shown  # the box
        assert "Mes demandes" in shown  # and the screen it was opened from, dimmed
