"""A refusal of the platform stays on screen until it is answered, and no longer: a file
refused (a damaged PDF) then a good one added, the red banner and the status line still
said "Refusé… ce PDF est illisible" (seen in tmux at 80x24, issue 13). Against the real
platform on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from cesp_client.store import PieceState
from cesp_tui.app import CespApp
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.pieces import AddPieceModal
from cesp_tui.widgets.file_picker import FilePicker
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import TINY_PDF, make_campaign
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import settle_app, tui_app, until
from tests.tui.login import log_in

SIZE = (80, 24)
EMAIL = "lea.martin@example.org"
#: Starts as a PDF does (the client's check passes) but no PDF reader can open it.
DAMAGED_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def add_file(app: CespApp, pilot: Pilot[Any], path: Path) -> None:
    await pilot.press("a")
    await settle_app(app, pilot)
    assert isinstance(app.screen, AddPieceModal)
    app.screen.query_one(FilePicker).input.value = str(path)
    await pilot.press("enter")
    await settle_app(app, pilot)


async def test_a_refused_file_then_a_good_one_leaves_no_refusal_on_screen(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    damaged, good = tmp_path / "identite.pdf", tmp_path / "identite-bis.pdf"
    damaged.write_bytes(DAMAGED_PDF)
    good.write_bytes(TINY_PDF)
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="dossier open")
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="dossier created")
        await screen.show_tab("pieces")
        await settle_app(app, pilot)

        await add_file(app, pilot, damaged)
        await until(pilot, lambda: screen.banner.kind == "error", what="the refusal")
        assert "illisible" in screen.banner.visible_text
        assert screen.status.message_is_error

        await add_file(app, pilot, good)
        await until(
            pilot,
            lambda: any(p.state == PieceState.UPLOADED for p in screen.model.pieces),
            what="the good file sent",
        )
        await settle_app(app, pilot)
        assert screen.banner.kind != "error", screen.banner.visible_text
        assert "illisible" not in screen.banner.visible_text
        assert not screen.status.message_is_error, screen.status.message
        # The refused file keeps its own line in the pieces table, with the reason.
        refused = [p for p in screen.model.pieces if p.state == PieceState.REFUSED]
        assert [p.filename for p in refused] == ["identite.pdf"]


def test_the_refusal_line_says_it_once() -> None:
    """The platform's reason is a sentence ("Fichier refusé : ce PDF est illisible ou
    endommagé. Enregistrez-le à nouveau en PDF."): the line read "« x » refusée :
    Fichier refusé : … en PDF.." before."""
    from cesp_tui.screens.dossier.pieces import refusal_text

    said = refusal_text(
        "identite.pdf",
        "Fichier refusé : ce PDF est illisible ou endommagé. Enregistrez-le à nouveau en PDF.",
    )
    assert said == (
        "«\u00a0identite.pdf\u00a0» : Fichier refusé : ce PDF est illisible ou endommagé. "
        "Enregistrez-le à nouveau en PDF."
    )
    assert (
        refusal_text("rib.pdf", "fichier illisible")
        == "«\u00a0rib.pdf\u00a0» refusée : fichier illisible."
    )
    assert refusal_text("cv.pdf", None) == "«\u00a0cv.pdf\u00a0» refusée par la plateforme."
