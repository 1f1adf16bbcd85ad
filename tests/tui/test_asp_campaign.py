"""The campaign window in the client: the closing date and the days left on "Mes
demandes" and in the dossier's title; a write the platform refuses after the closing
date shows its French words, and from then on the candidature is read-only (banner);
deleting is refused too. Against the platform on loopback; the campaign is closed in the
platform's database while the client still believes it open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session
from textual.widgets import Input

from cesp_client.api.etablissement import CLOSED_MESSAGE, CampaignWindow
from cesp_core.timefmt import PARIS
from cesp_server.models import Campaign
from cesp_server.models.base import utcnow
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.screens.etablissement.confirmer import ConfirmerScreen
from cesp_tui.screens.etablissement.recap import RecapScreen, campaigns_line
from cesp_tui.widgets.status_line import StatusLine
from tests.support.accounts import DEFAULT_PASSWORD, create_etablissement_account
from tests.support.dossiers import (
    complete_asp_values,
    create_dossier,
    fill_dossier,
    make_campaign,
    save_tab,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import settle_app, tui_app, until

SIZE = (80, 24)
EMAIL = "bam@avicenne.example.fr"


def close_campaign(server: ServerHandle, campaign_id: int) -> None:
    with Session(server.app.state.engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.closes_at = utcnow() - timedelta(minutes=1)
        session.add(campaign)
        session.commit()


def test_the_window_texts() -> None:
    closes = datetime(2026, 3, 13, 23, 59, 59, tzinfo=PARIS)
    base = {"id": 3, "label": "ASP 2026", "closes_at": closes.isoformat(), "is_open": True}
    before = datetime(2026, 3, 1, tzinfo=UTC)
    window = CampaignWindow.of({**base, "days_left": 12})
    assert not window.closed(before)
    assert window.closing_date() == "13/03/2026 à 23:59"
    one = CampaignWindow.of({**base, "days_left": 1})
    assert one.days_text(before).endswith("(1 jour restant)")
    last = CampaignWindow.of({**base, "days_left": 0})
    assert last.days_text(before) == "clôture le 13/03/2026 à 23:59 (dernier jour)"
    assert window.days_text(before) == "clôture le 13/03/2026 à 23:59 (12 jours restants)"
    closed = CampaignWindow.of({**base, "days_left": None, "is_closed": True})
    assert closed.closed() and closed.days_text() == "close depuis le 13/03/2026 à 23:59"
    assert CLOSED_MESSAGE in closed.closed_banner()
    future = {**base, "closes_at": "2099-03-13T23:59:59+01:00", "days_left": 12, "demarche": "asp"}
    assert campaigns_line([future], "asp") == (
        "ASP 2026 : clôture le 13/03/2099 à 23:59 (12 jours restants)"
    )
    assert campaigns_line([future], "cesp") == ""


async def test_days_left_then_a_write_after_closing_is_refused_and_read_only(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    token = create_etablissement_account(server, smtp, EMAIL)
    campaign_id = make_campaign(server, "asp", label="ASP 2026", closes_in=timedelta(days=12))
    with server.client(token) as client:
        made = create_dossier(client, campaign_id)
        save_tab(
            client,
            made["id"],
            "identification",
            complete_asp_values()["identification"],
            made["version"],
        )
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle_app(app, pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        login.query_one("#identifier", Input).value = EMAIL
        login.query_one("#password", Input).focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        await settle_app(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        home = app.screen
        assert isinstance(home, HomeScreen)
        await until(pilot, lambda: home.table.selected_id == made["id"])
        await settle_app(app, pilot)
        line = str(home.query_one("#home-campaigns").render())
        assert line.startswith("ASP 2026 : clôture le ")
        assert "jours restants)" in line  # 11 or 12, depending on the Paris hour

        # The candidature: the window in its title.
        await pilot.press("enter")
        await settle_app(app, pilot)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        await until(pilot, lambda: "jours restants" in screen.title_text())
        assert not screen.readonly

        # The campaign closes; the client still believes it open: the platform refuses.
        close_campaign(server, campaign_id)
        await pilot.press("alt+2")  # "Projet médical"
        await settle_app(app, pilot)
        screen.field_changed("projet_medical", "intitule_projet", "Filière tardive")
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        status = screen.query_one(StatusLine)
        await until(pilot, lambda: CLOSED_MESSAGE in status.message, timeout=20)
        assert status.message.startswith("Refusé par la plateforme")
        assert status.message_is_error
        # From then on: read-only, and the banner says why.
        await until(pilot, lambda: screen.readonly)
        assert "Campagne close" in screen.banner.text
        assert CLOSED_MESSAGE in screen.banner.text
        assert "close depuis le" in screen.title_text()
        assert screen.check_action("save", ()) is False
        assert screen.check_action("confirmer", ()) is False
        # The typed value is kept on this computer.
        assert app.drafts.get(made["id"]).data["projet_medical"]["intitule_projet"] == (  # type: ignore[union-attr]
            "Filière tardive"
        )

        # Opened again: read-only at once; "Mes demandes" and the recap refuse deletion.
        await pilot.press("f9")
        await settle_app(app, pilot)
        assert app.screen is home
        await pilot.press("s")
        await settle_app(app, pilot)
        await pilot.press("o")
        await settle_app(app, pilot)
        assert any(CLOSED_MESSAGE in n.message for n in app._notifications)
        assert app.drafts.get(made["id"]) is not None
        await pilot.press("c")
        await settle_app(app, pilot)
        recap = app.screen
        assert isinstance(recap, RecapScreen)
        await until(pilot, lambda: len(recap.rows) == 1)
        before = len(app._notifications)
        await pilot.press("s")
        await settle_app(app, pilot)
        assert app.screen is recap  # no question: refused at once
        assert any(CLOSED_MESSAGE in n.message for n in list(app._notifications)[before:])
        with server.client(token) as client:
            assert client.get(f"/dossiers/{made['id']}").status_code == 200


async def test_a_late_confirmation_is_refused_with_the_guide_words(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    """Complete and confirmed on this computer, but the campaign closed meanwhile: the
    platform refuses the transmission; the candidature stays a draft, read-only."""
    token = create_etablissement_account(server, smtp, EMAIL)
    campaign_id = make_campaign(server, "asp", label="ASP 2026")
    with server.client(token) as client:
        made = create_dossier(client, campaign_id)
        fill_dossier(client, made)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await settle_app(app, pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        login.query_one("#identifier", Input).value = EMAIL
        login.query_one("#password", Input).focus()
        await pilot.press(*DEFAULT_PASSWORD, "enter")
        await settle_app(app, pilot)
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        home = app.screen
        assert isinstance(home, HomeScreen)
        await until(pilot, lambda: home.table.selected_id == made["id"])
        await until(pilot, lambda: len(app.drafts.pieces(made["id"])) == 5)
        await pilot.press("enter")
        await settle_app(app, pilot)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        await until(pilot, lambda: "jours restants" in screen.title_text())

        close_campaign(server, campaign_id)
        await pilot.press("ctrl+t")
        await settle_app(app, pilot)
        confirmer = app.screen
        assert isinstance(confirmer, ConfirmerScreen)
        assert confirmer._problems == []
        for box in confirmer.query(".confirm-box"):
            box.value = True  # type: ignore[attr-defined]
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        assert app.screen is screen
        await until(pilot, lambda: screen.banner.kind == "error" and screen.readonly)
        assert CLOSED_MESSAGE in screen.query_one(StatusLine).message
        assert CLOSED_MESSAGE in screen.banner.text
        assert app.drafts.get(made["id"]).state == "brouillon"  # type: ignore[union-attr]
        with server.client(token) as client:
            assert client.get(f"/dossiers/{made['id']}").json()["state"] == "brouillon"
        assert not smtp.find(EMAIL, "Accusé de réception")
