"""The agent's "Nouveau dossier papier" form, in the real app on a real platform at
80x24: its problems lie under their fields. Seen in the tmux walk in a column at the
right edge: the account screens' stylesheet (loaded with the login screen, and kept by
Textual) indented every `.field-error`, the dossier forms' too."""

from __future__ import annotations

from pathlib import Path

from cesp_tui.screens.staff.agent_home import AgentHomeScreen
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from cesp_tui.widgets.field_row import FieldRow
from tests.support.accounts import create_staff_account
from tests.support.dossiers import make_campaign
from tests.support.server import ServerHandle
from tests.support.tui import tui_app, until
from tests.tui.login import log_in

SIZE = (80, 24)
AGENT_EMAIL = "agent.saisie@example.org"


async def test_the_paper_form_problems_lie_under_their_fields(
    tmp_path: Path, server: ServerHandle
) -> None:
    make_campaign(server, label="CESP de test")
    create_staff_account(server, "agent", AGENT_EMAIL)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, AGENT_EMAIL)
        await until(pilot, lambda: isinstance(app.screen, AgentHomeScreen), what="agent home")
        home = app.screen
        await until(pilot, lambda: home.workspace is not None)  # type: ignore[attr-defined]
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, OnBehalfScreen), what="paper form")
        screen = app.screen
        await until(pilot, lambda: screen.campaign_id is not None, what="campaign")  # type: ignore[attr-defined]
        await pilot.press(*"02041998")
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        wrong = []
        shown = 0
        for row in screen.query(FieldRow):
            for error in row.query(".field-error"):
                if not error.display or not error.region.width:
                    continue
                shown += 1
                control = row.query_one(".field-control")
                where = error.content_region  # where its text starts (padding counts)
                if where.x != control.region.x or where.y <= control.region.y:
                    wrong.append(f"{row.key}: message at {where}, field at {control.region}")
        assert shown >= 2
        assert wrong == []
