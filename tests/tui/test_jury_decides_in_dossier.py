"""Ctrl+D means "Décision" for the jury in the dossier it reads as in the list: after
reading a candidature the jury decides without going back first (in tmux at 80x24,
Ctrl+D did nothing there and the footer offered no decision). Real client, real platform
on loopback."""

from __future__ import annotations

from pathlib import Path

from cesp_tui.app import CespApp
from cesp_tui.screens.staff.jury_home import JuryDossierScreen, JuryHomeScreen
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import tui_app, until
from tests.tui.test_jury_flow import JURY_EMAIL, SIZE, decide, log_in, prepare, select


def offered(app: CespApp) -> set[str]:
    return {b.action for (_n, b, enabled, _t) in app.screen.active_bindings.values() if enabled}


async def test_the_jury_decides_from_the_dossier_it_reads(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    _campaign, numeros = prepare(server, smtp)
    claire = numeros["Martin"]
    app = tui_app(tmp_path / "jury", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, JURY_EMAIL)
        await until(pilot, lambda: isinstance(app.screen, JuryHomeScreen))
        screen = app.screen
        assert isinstance(screen, JuryHomeScreen)
        await until(pilot, lambda: len(screen.rows) == 2)
        await select(pilot, screen, claire)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JuryDossierScreen))
        assert "decision" in offered(app)  # in the footer: "^d Décision"
        await decide(app, pilot, "accepte", "Lu et approuvé")
        # Saved: back to the list, which shows the decision at once.
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: {r.numero: r.state for r in screen.rows}[claire] == "accepte")
