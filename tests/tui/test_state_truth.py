"""Issue 13, item 4 ("state shown truthfully") and item 7 (the merge opens uncovered), in
the whole client against the real platform on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from cesp_client.api.etablissement import CampaignWindow
from cesp_client.session import server_key_for
from cesp_client.store import DraftStore, OpKind
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.merge import MergeScreen
from cesp_tui.screens.dossier.tab import TabScreen
from cesp_tui.widgets.status_line import StatusLine
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import complete_cesp_values, make_campaign, save_tab
from tests.support.server import ServerHandle, restart_server
from tests.support.smtp import SmtpSink
from tests.support.tui import (
    dossier_screen_of,
    new_local_dossier,
    run_app,
    settle_app,
    settle_workers,
    tui_app,
    until,
)
from tests.tui.keywalk import dossier_screen, new_dossier_app, settle
from tests.tui.login import log_in as log_in_as

SIZE = (100, 30)
EMAIL = "lea.moreau@example.org"


def status_text(app: CespApp) -> str:
    line = app.screen.query_one(StatusLine)
    return " ".join(str(w.render()) for w in line.query(Static))


async def log_in(app: CespApp, pilot: Pilot[Any], email: str = EMAIL) -> None:
    await log_in_as(app, pilot, email)


async def first_dossier(app: CespApp, pilot: Pilot[Any]) -> DossierScreen:
    """An applicant's first login opens a dossier in the open campaign."""
    await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="dossier open")
    await settle_app(app, pilot)
    screen = app.screen
    assert isinstance(screen, DossierScreen)
    return screen


async def fill_tab(app: CespApp, pilot: Pilot[Any], screen: DossierScreen, tab: str) -> None:
    await screen.show_tab(tab)
    await settle_app(app, pilot)
    view = screen.current_view
    assert isinstance(view, TabScreen)
    for key, value in complete_cesp_values()[tab].items():
        view.form.set_value(key, value)
    await settle_app(app, pilot)


# --- the pending count is the store's --------------------------------------------------------


async def test_after_a_save_the_status_line_says_all_sent_when_the_store_does(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot)
        screen = await first_dossier(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="dossier created")
        for tab in ("etat_civil", "adresse"):
            await fill_tab(app, pilot, screen, tab)
            await pilot.press("ctrl+s")
            await settle_app(app, pilot)
            await until(pilot, lambda: app.drafts.pending_count() == 0, what="save sent")
            await settle_app(app, pilot)
            await until(pilot, lambda: "tout est envoyé" in status_text(app), what=status_text(app))
            assert "en attente" not in status_text(app)
        await pilot.press("f9")  # "Mes demandes" says the same
        await settle_app(app, pilot)
        assert "tout est envoyé" in status_text(app)


# --- Ctrl+L with changes not sent yet asks first ---------------------------------------------


async def test_logout_with_changes_waiting_asks_first(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    campaign = make_campaign(server)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot)
        await first_dossier(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="dossier created")
        session = app.session
        assert session is not None
        server.stop()  # the platform goes away: what is saved now waits
        try:
            for _ in range(2):
                app.drafts.create_local(session.server_key, session.username, "cesp", campaign)
            await pilot.press("ctrl+l")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="question")
            modal = app.screen
            text = " ".join(str(w.render()) for w in modal.query(Static))
            assert "2 modifications ne sont pas encore envoyées" in text
            assert "envoyées à votre prochaine connexion" in text
            await pilot.press("escape")  # stays logged in
            await settle_app(app, pilot)
            assert app.session is session
            assert isinstance(app.screen, DossierScreen)
            await pilot.press("ctrl+l")
            await until(pilot, lambda: isinstance(app.screen, ConfirmModal), what="question")
            await pilot.press("enter")  # the focus is on "Se déconnecter"
            await until(pilot, lambda: isinstance(app.screen, LoginScreen), what="logged out")
            assert app.session is None
            assert app.drafts.unsent_count((session.server_key, session.username)) == 2
        finally:
            restart_server(server).stop()


# --- the merge opens uncovered ------------------------------------------------------------------


def shown_toasts(app: Any) -> list[str]:
    return [
        str(toast.render())
        for toast in app.screen.query("Toast")
        if toast.display and toast.region.area
    ]


async def test_the_merge_opens_uncovered_by_the_save_notice(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    """A save that meets a change made elsewhere: "« Adresse » enregistré." was still
    shown over the merge box that it led to."""
    campaign_id = make_campaign(server)
    token = create_cesp_account(server, smtp, "jeanne.dupont@example.org")
    with server.client(token) as client:
        username = client.get("/auth/me").json()["username"]
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    server_key = server_key_for(server.url, embedded=False)
    dossier = store.create_local(server_key, username, "cesp", campaign_id, data=values)
    store.mark_tab_saved(dossier.id, "adresse")
    store.close()

    app = tui_app(
        tmp_path,
        server_url=server.url,
        token=token,
        username=username,
        role="candidat",
        open_id=dossier.id,
        tab="adresse",
    )
    async with run_app(app, size=(80, 24), notifications=True) as pilot:
        await until(pilot, lambda: app.drafts.pending_count(dossier.id) == 0, what="synced")
        synced = app.drafts.get(dossier.id)
        assert synced is not None and synced.server_version is not None
        with server.client(token) as other:  # another workstation of the same account
            save_tab(
                other,
                dossier.id,
                "adresse",
                {**values["adresse"], "telephone": "05 55 00 00 00"},
                synced.server_version,
            )
        await settle_workers(app, pilot)
        view = dossier_screen_of(app).current_view
        assert isinstance(view, TabScreen)
        view.form.set_value("telephone", "06 12 12 12 12")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, MergeScreen), what="merge")
        await pilot.pause()
        await pilot.pause()
        assert shown_toasts(app) == []
        app.notify("« Adresse » enregistré.")  # anything said while it is open waits
        await pilot.pause()
        await pilot.pause()
        assert shown_toasts(app) == []


# --- a save the campaign's closing refuses never says "enregistré" ------------------------------


def _window(closes_at: datetime) -> dict[str, Any]:
    return {
        "id": 1,
        "label": "Campagne CESP 2026",
        "closes_at": closes_at.isoformat(),
        "days_left": 0,
        "is_closed": False,
    }


def _said(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def _footer_keys(app: Any) -> set[str]:
    return {
        binding.key
        for (_node, binding, _enabled, _tip) in app.screen.active_bindings.values()
        if binding.show  # shown, dimmed or not
    }


async def test_a_save_after_the_closing_instant_is_refused_without_enregistre(
    tmp_path: Path,
) -> None:
    """The campaign closed while the dossier was open (the client's clock says so):
    Ctrl+S said "« État civil » enregistré." and only then the platform's refusal."""
    app = new_dossier_app(
        tmp_path,
        "cesp",
        "etat_civil",
        field="nom_naissance",
        campaigns=[_window(datetime.now(UTC) + timedelta(days=1))],
    )
    app.NOTIFICATION_TIMEOUT = 600  # read after the fact, on a loaded machine
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        assert not screen.readonly
        await pilot.press(*"Durand")
        await settle(app, pilot)
        # The clock passes the closing instant (as if a day went by).
        screen.campaign = CampaignWindow.of(_window(datetime.now(UTC) - timedelta(seconds=1)))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        said = _said(app)
        assert not any("enregistré." in m or "enregistré sur" in m for m in said), said
        assert any("n'est pas enregistré : la campagne est close" in m for m in said), said
        assert not [op for op in app.drafts.ops(screen.dossier_id) if op.kind == OpKind.SAVE_TAB]
        assert screen.readonly
        assert "Campagne close" in screen.banner.visible_text
        assert "ctrl+s" not in _footer_keys(app)


async def test_at_the_closing_instant_the_footer_stops_offering_save_and_transmit(
    tmp_path: Path,
) -> None:
    app = new_dossier_app(
        tmp_path, "cesp", "synthese", campaigns=[_window(datetime.now(UTC) + timedelta(days=1))]
    )
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        assert "ctrl+t" in _footer_keys(app)  # "Transmettre ma demande", while open
        # Closing soon: the screen watches the instant (as it does on opening).
        screen.campaign = CampaignWindow.of(_window(datetime.now(UTC) + timedelta(seconds=0.3)))
        screen._watch_closing()
        await until(pilot, lambda: screen.readonly, what="closed")
        await settle(app, pilot)
        assert "ctrl+t" not in _footer_keys(app)
        await screen.show_tab("etat_civil")
        await settle(app, pilot)
        assert "ctrl+s" not in _footer_keys(app)


async def test_a_save_says_enregistre_sur_ce_poste_then_the_platforms_verdict(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    app = tui_app(tmp_path / "client", server_url=server.url)
    app.NOTIFICATION_TIMEOUT = 600  # read after the fact, on a loaded machine
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot)
        screen = await first_dossier(app, pilot)
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="dossier created")
        await fill_tab(app, pilot, screen, "etat_civil")
        await pilot.press("ctrl+s")
        await settle_app(app, pilot)
        said = list(screen.status.said)
        assert "« État civil » enregistré sur ce poste ; envoi à la plateforme." in said
        assert "« État civil » enregistré." not in said
        await until(
            pilot,
            lambda: screen.status.message == "« État civil » enregistré sur la plateforme.",
            what=screen.status.message,
        )


# --- footers show only what can be done ---------------------------------------------------------


def _transmitted_dossier_app(tmp_path: Path, role: str, tab: str) -> CespApp:
    dossier_id = new_local_dossier(tmp_path, "cesp", data=complete_cesp_values(), state="transmis")
    return tui_app(tmp_path, role=role, open_id=dossier_id, tab=tab)


async def test_the_jury_is_not_offered_to_add_a_file(tmp_path: Path) -> None:
    app = _transmitted_dossier_app(tmp_path, "instructeur", "pieces")
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        assert screen.readonly
        assert screen.current_tab == "pieces"
        assert app.focused is not None
        keys = _footer_keys(app)
        assert "a" not in keys and "x" not in keys, keys


# --- support typing in a form: "lecture seule" ----------------------------------------------------


async def test_the_support_typing_in_a_form_is_told_lecture_seule(tmp_path: Path) -> None:
    dossier_id = new_local_dossier(tmp_path, "cesp", data=complete_cesp_values())
    app = tui_app(tmp_path, role="support", open_id=dossier_id, tab="etat_civil")
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        assert screen.readonly
        before = dict(screen.data["etat_civil"])
        assert "Lecture seule" not in screen.status.message
        await pilot.press(*"Dupont")
        await settle(app, pilot)
        assert screen.status.message.startswith("Lecture seule : le support consulte")
        assert screen.data["etat_civil"] == before
