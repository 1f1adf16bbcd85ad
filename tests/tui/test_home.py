""" "Mes demandes": the dossiers of the local store with their sync state, resume with
Enter, a new dossier for the open campaign (one per campaign for an applicant), delete a
draft after a yes/no question, refresh on the sync engine's news; and the same against
the platform on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from cesp_client.api import Offline
from cesp_client.api.client import ApiClient
from cesp_client.events import DossierSynced, SaveRefused
from cesp_client.store import DraftStore, OpKind, PieceState
from cesp_client.sync.local import CONFLICT, REFUSED, park_op
from cesp_tui.messages import OpenFirstDossier
from cesp_tui.screens.common.campaigns import CampaignPicker
from cesp_tui.screens.common.confirm import ConfirmModal
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.widgets.dossier_table import DossierTable
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import complete_cesp_values, make_campaign, tiny_pdf
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import (
    CLOSED_URL,
    SERVER_KEY,
    USERNAME,
    fake,
    run_app,
    settle_workers,
    sync_requests,
    tui_app,
)

SIZE = (80, 24)

CAMPAIGN = {
    "id": 7,
    "demarche": "cesp",
    "label": "CESP 2026",
    "closes_at": "2026-03-13T23:59:59+01:00",
    "is_open": True,
}


class FakeApi(ApiClient):
    """What "Mes demandes" asks the platform: the campaigns (or: offline); every other
    call goes to the closed port (offline)."""

    def __init__(self, campaigns: list[dict[str, Any]] | None = None, offline: bool = False):
        super().__init__(CLOSED_URL)
        self._campaigns = campaigns or []
        self.offline = offline
        self.calls = 0

    async def campaigns(self, demarche: str | None = None) -> list[dict[str, Any]]:
        self.calls += 1
        if self.offline:
            raise Offline("connexion refusée")
        return [dict(c) for c in self._campaigns]


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Let the screens' workers finish and their messages be handled (no sleeping)."""
    await settle_workers(app, pilot)


def home(app: App[Any]) -> HomeScreen:
    screen = app.screen
    assert isinstance(screen, HomeScreen), screen
    return screen


def rows(app: App[Any]) -> dict[str, dict[str, str]]:
    """Numéro -> column key -> cell text (the campaign column only at 100 columns and
    more)."""
    table = home(app).query_one(DossierTable)
    keys = [str(column.key.value) for column in table.ordered_columns]
    found = {}
    for index in range(table.row_count):
        cells = dict(zip(keys, (str(c).strip() for c in table.get_row_at(index)), strict=True))
        found[cells["numero"]] = cells
    return found


def seed(tmp_path: Path) -> dict[str, str]:
    """Dossiers in every sync state; returns numéro -> id."""
    store = DraftStore(tmp_path / "drafts.db")
    ids = {}
    try:
        values = complete_cesp_values()
        up_to_date = store.create_local(
            SERVER_KEY, USERNAME, "cesp", 7, data=values, server_version=3, numero="CESP-A"
        )
        ids["CESP-A"] = up_to_date.id
        pending = store.create_local(
            SERVER_KEY, USERNAME, "cesp", 7, data=values, server_version=2, numero="CESP-B"
        )
        store.set_field(pending.id, "adresse", "telephone", "0611111111")
        store.mark_tab_saved(pending.id, "adresse")
        store.mark_tab_saved(pending.id, "etat_civil")
        ids["CESP-B"] = pending.id
        conflict = store.create_local(
            SERVER_KEY, USERNAME, "cesp", 7, data=values, server_version=2, numero="CESP-C"
        )
        op = store.mark_tab_saved(conflict.id, "adresse")
        park_op(store, op.id or 0, f"{CONFLICT}: version 4")
        ids["CESP-C"] = conflict.id
        refused = store.create_local(SERVER_KEY, USERNAME, "cesp", 8, numero="CESP-D")
        create_op = store.ops(refused.id)[0]
        park_op(store, create_op.id or 0, f"{REFUSED}: dossier existant")
        ids["CESP-D"] = refused.id
        refused_piece = store.create_local(
            SERVER_KEY, USERNAME, "cesp", 7, server_version=1, numero="CESP-E"
        )
        source = tmp_path / "cv.pdf"
        source.write_bytes(tiny_pdf())
        piece = store.add_piece(refused_piece.id, "cv", source)
        store.set_piece_state(piece.id, PieceState.REFUSED, error="fichier illisible")
        ids["CESP-E"] = refused_piece.id
        transmitted = store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            6,
            data=values,
            server_version=9,
            numero="CESP-F",
            state="transmis",
        )
        ids["CESP-F"] = transmitted.id
        # Someone else's dossier on this computer: not listed.
        store.create_local(SERVER_KEY, "quelquun.dautre", "cesp", 7, numero="CESP-Z")
    finally:
        store.close()
    return ids


async def test_the_list_shows_each_dossier_and_how_it_stands(tmp_path: Path) -> None:
    seed(tmp_path)
    app = tui_app(tmp_path, role="candidat", new_api=fake(FakeApi([CAMPAIGN])))
    async with run_app(app, size=(120, 40)) as pilot:
        await settle(app, pilot)
        found = rows(app)
        assert set(found) == {"CESP-A", "CESP-B", "CESP-C", "CESP-D", "CESP-E", "CESP-F"}
        assert found["CESP-A"]["campaign"] == "CESP 2026"  # the label the platform gave
        assert found["CESP-A"]["state"] == "Brouillon"
        assert found["CESP-A"]["sync"] == "à jour"
        assert found["CESP-B"]["sync"] == "2 modifications en attente"
        assert found["CESP-C"]["sync"] == "conflit"
        assert found["CESP-D"]["campaign"] == "Campagne n° 8"  # not among the platform's answer
        assert found["CESP-D"]["sync"] == "refusé par la plateforme"
        assert found["CESP-E"]["sync"] == "refusé par la plateforme"
        assert found["CESP-F"]["state"] == "Transmis"
        assert next(iter(found)) == "CESP-F"  # most recently changed first
        assert app.focused is home(app).query_one(DossierTable)
        await pilot.resize_terminal(80, 24)  # narrower: the campaign is left out
        await pilot.pause()
        assert "campaign" not in rows(app)["CESP-A"]
        assert rows(app)["CESP-B"]["sync"] == "2 modifications en attente"
        assert "Mes demandes" in str(home(app).query_one("#home-title", Static).render())


async def test_enter_resumes_the_dossier_under_the_cursor(tmp_path: Path) -> None:
    ids = seed(tmp_path)
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        table = home(app).query_one(DossierTable)
        target = next(i for i, r in enumerate(table.dossier_rows) if r.numero == "CESP-B")
        table.move_cursor(row=target)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        assert screen.dossier_id == ids["CESP-B"]
        assert screen.data["adresse"]["telephone"] == "0611111111"
        await pilot.press("f9")
        await settle(app, pilot)
        assert home(app).query_one(DossierTable).selected_id == ids["CESP-B"]


async def test_delete_a_draft_after_yes_only(tmp_path: Path) -> None:
    ids = seed(tmp_path)
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        table = home(app).query_one(DossierTable)

        def select(numero: str) -> None:
            index = next(i for i, r in enumerate(table.dossier_rows) if r.numero == numero)
            table.move_cursor(row=index)

        select("CESP-F")  # transmitted: cannot be deleted
        await pilot.press("s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert app.drafts.get(ids["CESP-F"]) is not None

        select("CESP-D")  # never reached the server
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "CESP-D" in app.screen.question
        await pilot.press("n")
        await settle(app, pilot)
        assert app.drafts.get(ids["CESP-D"]) is not None
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert app.drafts.get(ids["CESP-D"]) is None  # gone at once
        assert "CESP-D" not in rows(app)

        select("CESP-A")  # on the server: its deletion is queued
        await pilot.press("s")
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert [op.kind for op in app.drafts.ops(ids["CESP-A"])] == [OpKind.DELETE]
        assert sync_requests(app) >= 1


async def test_new_dossier_for_the_open_campaign_then_resume_it(tmp_path: Path) -> None:
    api = FakeApi([CAMPAIGN, {**CAMPAIGN, "id": 3, "is_open": False, "label": "CESP 2025"}])
    app = tui_app(tmp_path, role="candidat", new_api=fake(api))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        assert "Aucune demande" in str(home(app).query_one("#home-empty", Static).render())
        await pilot.press("n")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        assert screen.current_tab == "etat_civil"  # straight to "État civil"
        assert screen.dossier.campaign_id == 7
        first = screen.dossier_id
        assert [op.kind for op in app.drafts.ops(first)] == [OpKind.CREATE]
        await pilot.press("f9")
        await settle(app, pilot)
        assert rows(app)  # listed now
        # Kept as they are sent: a notification leaves the app's list once shown for
        # its few seconds, which a loaded machine can spend settling.
        said: list[str] = []
        notify = app.notify

        def recorded(message: str, *args: Any, **kwargs: Any) -> None:
            said.append(str(message))
            notify(message, *args, **kwargs)

        app.notify = recorded  # type: ignore[method-assign]
        await pilot.press("n")  # one dossier per campaign: the same one again
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier_id == first
        assert len(app.drafts.list(SERVER_KEY, USERNAME)) == 1
        assert any("déjà une demande" in message for message in said), said


async def test_several_open_campaigns_ask_which_one(tmp_path: Path) -> None:
    api = FakeApi([CAMPAIGN, {**CAMPAIGN, "id": 9, "label": "CESP 2026 (session 2)"}])
    app = tui_app(tmp_path, new_api=fake(api), role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, CampaignPicker)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier.campaign_id == 9
        assert len(app.drafts.list(SERVER_KEY, USERNAME)) == 1


async def test_offline_or_no_open_campaign_is_said(tmp_path: Path) -> None:
    app = tui_app(tmp_path, role="candidat", new_api=fake(FakeApi(offline=True)))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any(
            n.severity == "error" and n.message.startswith("Hors ligne") for n in app._notifications
        )
    closed = tui_app(
        tmp_path, role="candidat", new_api=fake(FakeApi([{**CAMPAIGN, "is_open": False}]))
    )
    async with run_app(closed, size=SIZE) as pilot:
        await settle(closed, pilot)
        await pilot.press("n")
        await settle(closed, pilot)
        assert any("Aucune campagne n'est ouverte" in n.message for n in closed._notifications)
        assert closed.drafts.list(SERVER_KEY, USERNAME) == []


async def test_the_list_follows_the_sync_engine(tmp_path: Path) -> None:
    ids = seed(tmp_path)
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        # The engine sent B's changes (behind the screen's back), then says so.
        for op in app.drafts.ops(ids["CESP-B"]):
            app.drafts.op_done(op.id or 0, 5)
        assert rows(app)["CESP-B"]["sync"] == "2 modifications en attente"
        app.sync_news.publish(DossierSynced(ids["CESP-B"], "save_tab", 5))
        await settle(app, pilot)
        assert rows(app)["CESP-B"]["sync"] == "à jour"
        app.sync_news.publish(SaveRefused(ids["CESP-A"], "adresse", "La campagne est close."))
        await settle(app, pilot)
        assert rows(app)["CESP-A"]["sync"] == "refusé par la plateforme"
        home(app).post_message(OpenFirstDossier(ids["CESP-A"], "cesp", 7, "adresse"))
        await settle(app, pilot)
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.current_tab == "adresse"


# --- against the platform ------------------------------------------------------------------------


async def test_a_new_dossier_reaches_the_platform_and_gets_its_numero(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    make_campaign(server, label="CESP de test")
    token = create_cesp_account(server, smtp, "jeanne.dupont@example.org")
    with server.client(token) as client:
        username = client.get("/auth/me").json()["username"]
    app = tui_app(
        tmp_path,
        server_url=server.url,
        token=token,
        username=username,
        role="candidat",
    )
    async with run_app(app, size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        dossier_id = screen.dossier_id
        for _ in range(200):
            await pilot.pause(0.05)
            if app.drafts.pending_count(dossier_id) == 0:
                break
        await pilot.press("f9")
        await settle(app, pilot)
        found = rows(app)
        numero = next(iter(found))
        assert numero.startswith("CESP-")
        assert found[numero]["campaign"] == "CESP de test"
        assert found[numero]["sync"] == "à jour"
    with server.client(token) as client:
        listed = client.get("/dossiers").json()["items"]
    assert [d["id"] for d in listed] == [dossier_id]


async def test_in_the_real_client_first_login_keying_and_home(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    """`CespApp` itself: after the first login the dossier opens on "État civil"; a saved
    tab reaches the platform; F9 comes back to "Mes demandes", up to date."""
    import time

    from cesp_tui.screens.account.login import LoginScreen

    async def until(pilot: Pilot[Any], condition: Any, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, "condition not reached in time"
            await pilot.pause(0.05)

    make_campaign(server, label="CESP de test")
    create_cesp_account(server, smtp, "jeanne.dupont@example.org")
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with run_app(app, size=SIZE) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.api is not None)
        app.screen.query_one("#identifier").value = "jeanne.dupont"  # type: ignore[attr-defined]
        app.screen.query_one("#password").focus()
        await pilot.press(*"Motdepasse1!", "enter")
        await until(pilot, lambda: isinstance(app.screen, DossierScreen))
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        assert screen.current_tab == "etat_civil"
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        await pilot.press("tab")  # "Nom de naissance" (filled from the account)
        await pilot.press("end", *"-Martin", "ctrl+s")
        await until(pilot, lambda: app.drafts.pending_count() == 0)
        token = app.session.token  # type: ignore[union-attr]
        with server.client(token) as client:
            data = client.get(f"/dossiers/{screen.dossier_id}").json()["data"]
        assert data["etat_civil"]["nom_naissance"].lower() == "dupont-martin"
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, HomeScreen) and rows(app))
        await until(pilot, lambda: next(iter(rows(app).values()))["sync"] == "à jour")
        numero = next(iter(rows(app)))
        assert numero.startswith("CESP-")


async def test_the_command_palette_opens_any_dossier(tmp_path: Path) -> None:
    from textual.command import CommandList

    ids = seed(tmp_path)
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)

        async def pick(query: str) -> str:
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*query)
            hits = app.screen.query_one(CommandList)
            for _ in range(100):
                await settle(app, pilot)
                await pilot.pause(0.05)
                if hits.option_count and hits.highlighted is not None:
                    break
            prompt = str(hits.get_option_at_index(hits.highlighted or 0).prompt)
            await pilot.press("enter")
            await settle(app, pilot)
            return prompt

        assert "Ouvrir la demande CESP-B" in await pick("demande cesp-b")
        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier_id == ids["CESP-B"]
        # From a dossier, to another one (the first goes: F9 still leads home).
        assert "Ouvrir la demande CESP-A" in await pick("demande cesp-a")
        screen = app.screen
        assert isinstance(screen, DossierScreen) and screen.dossier_id == ids["CESP-A"]
        assert sum(isinstance(s, DossierScreen) for s in app.screen_stack) == 1
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
