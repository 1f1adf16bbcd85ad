"""The jury's footer offers "Instruire" (F7) only on a transmitted dossier: on a dossier
already in instruction or decided, F7 was offered and only answered with a refusal
(seen in tmux at 80x24, issue 13: footers offer only what can be done)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from cesp_tui.app import CespApp
from cesp_tui.screens.staff.jury_home import JuryHomeScreen
from tests.support.dossiers import jury_summary
from tests.support.tui import settle_app, tui_app

CAMPAIGN = {
    "id": 4,
    "demarche": "asp",
    "label": "ASP 2026",
    "closes_at": "2026-03-31T23:59:59+02:00",
    "results_published": False,
}


STATES = ["transmis", "en_instruction", "accepte", "refuse"]


def footer_actions(app: CespApp) -> set[str]:
    return {b.action for (_n, b, enabled, _t) in app.screen.active_bindings.values() if enabled}


async def test_f7_is_offered_on_a_transmitted_dossier_only(tmp_path: Path) -> None:
    app = tui_app(tmp_path / "client", server_url="http://127.0.0.1:9")
    dossiers = [
        jury_summary(n, state, f"Candidat {n}", "Hôpital Avicenne")
        for n, state in enumerate(STATES, start=1)
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle_app(app, pilot)
        screen = JuryHomeScreen(campaigns=[CAMPAIGN], dossiers=dossiers, campaign_id=4)
        await app.push_screen(screen)
        await settle_app(app, pilot)
        screen.query_one(DataTable).focus()
        await settle_app(app, pilot)
        offered = []
        for _state in STATES:
            offered.append("instruct" in footer_actions(app))
            await pilot.press("down")
            await settle_app(app, pilot)
        assert offered == [True, False, False, False]
        assert "decide" in footer_actions(app)  # the decision stays offered on every row
