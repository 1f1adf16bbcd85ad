"""Sync you can see and trust, in the whole client against the real platform: Ctrl+Q
with changes waiting says how many and that they leave at the next login."""

from __future__ import annotations

from pathlib import Path

from tests.support.accounts import create_cesp_account
from tests.support.dossiers import make_campaign
from tests.support.server import ServerHandle, restart_server
from tests.support.smtp import SmtpSink
from tests.support.tui import tui_app
from tests.tui.login import log_in

SIZE = (100, 30)
EMAIL = "lea.moreau@example.org"


async def test_quit_with_changes_waiting_says_how_many(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    campaign = make_campaign(server)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        session = app.session
        assert session is not None
        server.stop()  # the platform goes away: what is saved now waits
        try:
            for _ in range(2):
                dossier = app.drafts.create_local(
                    session.server_key, session.username, "cesp", campaign
                )
            assert dossier is not None
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert app.quit_message == (
                "2 modifications en attente seront envoyées à votre prochaine connexion."
            )
        finally:
            restart_server(server).stop()
