""" "Mes demandes" offers "s Supprimer le brouillon" only on a draft: on a transmitted
dossier the footer offered it and only answered "Seul un brouillon peut être supprimé"
(seen in tmux at 80x24, issue 13: footers offer only what can be done)."""

from __future__ import annotations

from pathlib import Path

from cesp_tui.screens.dossier.home import HomeScreen
from cesp_tui.widgets.dossier_table import DossierTable
from tests.support.dossiers import complete_cesp_values
from tests.support.tui import new_local_dossier, run_app, settle_app, tui_app, until


def enabled_actions(app: object) -> set[str]:
    screen = app.screen  # type: ignore[attr-defined]
    return {b.action for (_n, b, enabled, _t) in screen.active_bindings.values() if enabled}


async def test_delete_is_offered_on_a_draft_only(tmp_path: Path) -> None:
    new_local_dossier(tmp_path, numero="CESP-A")
    new_local_dossier(
        tmp_path, data=complete_cesp_values(), server_version=3, numero="CESP-T", state="transmis"
    )
    app = tui_app(tmp_path, role="candidat")
    async with run_app(app) as pilot:
        await until(pilot, lambda: isinstance(app.screen, HomeScreen))
        table = app.screen.query_one(DossierTable)
        await until(pilot, lambda: len(table.dossier_rows) == 2)
        table.focus()
        offered = {}
        for index, row in enumerate(table.dossier_rows):
            table.move_cursor(row=index)
            await settle_app(app, pilot)
            offered[row.numero] = "delete" in enabled_actions(app)
        assert offered == {"CESP-A": True, "CESP-T": False}
