""" "Mes demandes" offers "s Supprimer le brouillon" only on a draft: on a transmitted
dossier the footer offered it and only answered "Seul un brouillon peut être supprimé"
(seen in tmux at 80x24, issue 13: footers offer only what can be done)."""

from __future__ import annotations

from pathlib import Path

from cesp_client.store import DraftStore, DraftWriter
from cesp_client.workspace import Workspace
from cesp_tui.app import CespApp
from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.widgets.dossier_table import DossierTable
from tests.support.dossiers import complete_cesp_values
from tests.support.tui import settle_app, tui_app


def enabled_actions(app: CespApp) -> set[str]:
    return {b.action for (_n, b, enabled, _t) in app.screen.active_bindings.values() if enabled}


async def test_delete_is_offered_on_a_draft_only(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts.db")
    store.create_local("local", "lea.martin", "cesp", 1, numero="CESP-A")
    store.create_local(
        "local",
        "lea.martin",
        "cesp",
        1,
        data=complete_cesp_values(),
        server_version=3,
        numero="CESP-T",
        state="transmis",
    )
    workspace = Workspace(
        store=store,
        writer=DraftWriter(store),
        server_key="local",
        username="lea.martin",
        role="candidat",
        applicant_demarche="cesp",
    )
    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle_app(app, pilot)
            await app.push_screen(HomeScreen(workspace))
            await settle_app(app, pilot)
            table = app.screen.query_one(DossierTable)
            table.focus()
            offered = {}
            for index, row in enumerate(table.dossier_rows):
                table.move_cursor(row=index)
                await settle_app(app, pilot)
                offered[row.numero] = "delete" in enabled_actions(app)
            assert offered == {"CESP-A": True, "CESP-T": False}
    finally:
        workspace.writer.close()
        store.close()
