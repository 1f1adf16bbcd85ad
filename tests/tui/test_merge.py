"""The merge screen: both versions field by field, a choice per field or for all, nothing
overwritten without a choice; the result written locally and re-queued; and a real 412
conflict between two clients of the platform on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from cesp_client.store import DraftStore, OpKind
from cesp_client.sync.local import CONFLICT, is_parked, park_op
from cesp_core.demarches import CESP
from cesp_tui.app import CespApp
from cesp_tui.screens.dossier.merge import MergeScreen, differing_fields, merged_values
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import complete_cesp_values, make_campaign, save_tab
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    dossier_screen_of,
    run_app,
    settle_workers,
    sync_requests,
    tui_app,
)

SIZE = (80, 24)

MINE = {
    "adresse": "12 rue Jean Jaurès",
    "code_postal": "87000",
    "commune": "87085",
    "telephone": "06 12 34 56 78",
    "complement": "Bâtiment B",
}
THEIRS = {
    "adresse": "4 avenue de la Libération",
    "code_postal": "87000",
    "commune": "87085",
    "telephone": "05 55 00 00 00",
    "complement": None,
}


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    """Let the screens' workers finish and their messages be handled (no sleeping)."""
    await settle_workers(app, pilot)


def test_differing_fields_in_the_tab_order() -> None:
    assert differing_fields(CESP, "adresse", MINE, THEIRS) == [
        "adresse",
        "complement",
        "telephone",
    ]
    # Blank and absent are the same value.
    assert differing_fields(CESP, "adresse", {"complement": ""}, {}) == []


def test_merged_values_take_the_server_copy_and_my_chosen_fields() -> None:
    merged = merged_values(MINE, THEIRS, {"adresse": "theirs", "telephone": "mine"})
    assert merged["adresse"] == "4 avenue de la Libération"
    assert merged["telephone"] == "06 12 34 56 78"
    assert merged["complement"] is None


async def show_merge(
    app: CespApp, theirs: dict[str, Any] = THEIRS, base: dict[str, Any] | None = None
) -> list[dict[str, Any] | None]:
    """The merge of "Adresse" over the running client app; its answers go to the list."""
    results: list[dict[str, Any] | None] = []
    await app.push_screen(MergeScreen(CESP, "adresse", MINE, theirs, 7, base), results.append)
    return results


def cells(screen: MergeScreen) -> list[list[str]]:
    table: DataTable[Any] = screen.query_one(DataTable)
    return [[str(c).strip() for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_choices_field_by_field_and_nothing_without_a_choice(tmp_path: Path) -> None:
    app = tui_app(tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        results = await show_merge(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        rows = cells(screen)
        assert [r[0] for r in rows] == ["Adresse", "Complément d'adresse", "Téléphone"]
        assert rows[0][1:] == ["12 rue Jean Jaurès", "4 avenue de la Libération", "à choisir"]
        assert rows[1][1:3] == ["Bâtiment B", "—"]
        assert "version 7" in str(screen.query_one("#merge-help", Static).render())
        # "Valider" is not available while a field has no choice.
        assert screen.check_action("apply", ()) is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert results == [] and app.screen is screen
        await pilot.press("m")  # Adresse: mine; the cursor moves on
        await pilot.press("s")  # Complément: the server's
        await pilot.pause()
        assert [r[3] for r in cells(screen)] == ["ma version", "serveur", "à choisir"]
        await pilot.press("enter")  # Téléphone: Enter alternates (mine first)
        await pilot.press("enter")
        await pilot.pause()
        assert cells(screen)[2][3] == "serveur"
        assert screen.check_action("apply", ()) is True
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert results == [
        {
            "adresse": "12 rue Jean Jaurès",
            "code_postal": "87000",
            "commune": "87085",
            "telephone": "05 55 00 00 00",
            "complement": None,
        }
    ]


async def test_all_mine_all_theirs_and_later(tmp_path: Path) -> None:
    app = tui_app(tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        results = await show_merge(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        await pilot.press("r")
        await pilot.pause()
        assert [r[3] for r in cells(screen)] == ["serveur"] * 3
        assert screen.result() == THEIRS
        await pilot.press("g")
        await pilot.pause()
        assert [r[3] for r in cells(screen)] == ["ma version"] * 3
        assert screen.result()["complement"] == "Bâtiment B"
        await pilot.press("p")  # later: nothing is decided
        await pilot.pause()
    assert results == [None]


#: The tab as both sides last synced it: "complement" was changed here only,
#: "adresse" on the server only, "telephone" on both sides.
BASE = {
    "adresse": "12 rue Jean Jaurès",
    "code_postal": "87000",
    "commune": "87085",
    "telephone": "06 00 00 00 00",
    "complement": None,
}


async def test_with_the_base_only_fields_changed_on_both_sides_are_asked(tmp_path: Path) -> None:
    app = tui_app(tmp_path)
    async with run_app(app, size=SIZE) as pilot:
        results = await show_merge(app, {**THEIRS, "adresse": "1 place Denis Dussoubs"}, BASE)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        assert [r[0] for r in cells(screen)] == ["Téléphone"]
        sides = str(screen.query_one("#merge-sides", Static).render())
        assert "Modifié ici seulement (gardé) : Complément d'adresse." in sides
        assert "Modifié sur le serveur seulement (repris) : Adresse." in sides
        assert "Modifié des deux côtés (à choisir) : Téléphone." in sides
        await pilot.press("r")  # all the server's: only the asked field
        await pilot.press("ctrl+s")
        await pilot.pause()
    [result] = results
    assert result is not None
    assert result["complement"] == "Bâtiment B"  # changed here only: never undone
    assert result["adresse"] == "1 place Denis Dussoubs"  # changed there only: taken
    assert result["telephone"] == "05 55 00 00 00"


async def test_a_parked_conflict_opens_the_merge_and_the_result_is_requeued(
    tmp_path: Path,
) -> None:
    values = complete_cesp_values()
    server_copy = {**values, "adresse": dict(THEIRS)}
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local(
        SERVER_KEY, USERNAME, "cesp", 1, data={**values, "adresse": dict(MINE)}, server_version=5
    )
    store.apply_server_copy(dossier.id, version=5, data=server_copy)
    op = store.mark_tab_saved(dossier.id, "adresse")
    assert op.id is not None
    park_op(store, op.id, f"{CONFLICT}: version 5")
    store.close()

    app = tui_app(tmp_path, role="candidat", open_id=dossier.id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, MergeScreen)  # opened on its own
        assert screen.tab_key == "adresse"
        await pilot.press("m", "s", "m")  # adresse: mine, complément: theirs, tél.: mine
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        dossier_screen = dossier_screen_of(app)
        assert dossier_screen.data["adresse"]["adresse"] == "12 rue Jean Jaurès"
        assert dossier_screen.data["adresse"]["complement"] is None
        assert sync_requests(app) >= 1
        saved = app.drafts.get(dossier.id)
        assert saved is not None
        assert saved.data["adresse"] == {
            **THEIRS,
            "adresse": "12 rue Jean Jaurès",
            "telephone": "06 12 34 56 78",
        }
        ops = app.drafts.ops(dossier.id)
        saves = [o for o in ops if o.kind == OpKind.SAVE_TAB]
        assert len(saves) == 1  # the parked save went, a new one is queued
        assert not is_parked(saves[0])
        assert not (saves[0].last_error or "").startswith(CONFLICT)
        assert saves[0].payload["values"]["telephone"] == "06 12 34 56 78"
        await pilot.press("alt+2")
        await settle(app, pilot)
        form_view = dossier_screen.current_view
        assert form_view is not None
        assert form_view.form.row("complement").value is None  # type: ignore[attr-defined]
        assert form_view.form.row("adresse").value == "12 rue Jean Jaurès"  # type: ignore[attr-defined]


async def test_merge_later_keeps_both_versions(tmp_path: Path) -> None:
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local(
        SERVER_KEY, USERNAME, "cesp", 1, data={**values, "adresse": dict(MINE)}, server_version=5
    )
    store.apply_server_copy(dossier.id, version=5, data={**values, "adresse": dict(THEIRS)})
    op = store.mark_tab_saved(dossier.id, "adresse")
    assert op.id is not None
    park_op(store, op.id, f"{CONFLICT}: version 5")
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier.id)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("p")
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        assert "Ctrl+R" in screen.status.message and screen.status.message_is_error
        assert app.drafts.get(dossier.id).data["adresse"] == MINE  # type: ignore[union-attr]
        assert [o.id for o in app.drafts.ops(dossier.id) if o.kind == OpKind.SAVE_TAB] == [op.id]
        assert screen.check_action("merge", ()) is True
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert isinstance(app.screen, MergeScreen)


# --- a real conflict -----------------------------------------------------------------------------


async def test_a_412_from_the_platform_is_merged_field_by_field(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign_id = make_campaign(server)
    token = create_cesp_account(server, smtp, "jeanne.dupont@example.org")
    with server.client(token) as client:
        username = client.get("/auth/me").json()["username"]
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    dossier = store.create_local(server.url.rstrip("/"), username, "cesp", campaign_id, data=values)
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
    async with run_app(app, size=SIZE) as pilot:
        for _ in range(200):  # created and saved on the platform
            await pilot.pause(0.05)
            if app.drafts.pending_count(dossier.id) == 0:
                break
        synced = app.drafts.get(dossier.id)
        assert synced is not None and synced.server_version is not None
        # Meanwhile, someone else (another client of the same account) changes the address.
        with server.client(token) as other:
            save_tab(
                other,
                dossier.id,
                "adresse",
                {**values["adresse"], "telephone": "05 55 00 00 00", "adresse": "4 avenue X"},
                synced.server_version,
            )
        # Here, the phone is changed too, differently, and saved.
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        form_view = screen.current_view
        assert form_view is not None
        form_view.form.row("telephone").focus_control()  # type: ignore[attr-defined]
        await pilot.press("ctrl+u")  # clear the field (Input: delete to the start)
        await pilot.press("end")
        for _ in range(20):
            await pilot.press("backspace")
        await pilot.press(*"0612121212", "ctrl+s")
        for _ in range(200):  # the engine gets a 412 and posts SyncConflict
            await pilot.pause(0.05)
            if isinstance(app.screen, MergeScreen):
                break
        merge = app.screen
        assert isinstance(merge, MergeScreen)
        rows = cells(merge)
        # Three-way: the address changed there only is taken, not asked.
        assert [r[0] for r in rows] == ["Téléphone"]
        assert rows[0][1:3] == ["0612121212", "05 55 00 00 00"]
        sides = str(merge.query_one("#merge-sides", Static).render())
        assert "Modifié sur le serveur seulement (repris) : Adresse." in sides
        await pilot.press("m", "ctrl+s")  # phone: mine
        for _ in range(200):
            await pilot.pause(0.05)
            if app.drafts.pending_count(dossier.id) == 0 and not isinstance(
                app.screen, MergeScreen
            ):
                break
        assert app.drafts.pending_count(dossier.id) == 0
    with server.client(token) as client:
        answer = client.get(f"/dossiers/{dossier.id}").json()
    assert answer["data"]["adresse"]["adresse"] == "4 avenue X"
    assert answer["data"]["adresse"]["telephone"] == "06 12 12 12 12"  # normalised there
