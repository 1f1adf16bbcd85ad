"""Long work in sight (issue 13, item 5): a piece's upload, an import, an export or a PDF
print, and a first sync of many drafts show their progress; the upload, the import (until
the platform has the whole file) and the exports can be stopped and leave nothing half
done; the screen never freezes (keys typed meanwhile are handled).

Against the real platform on loopback (`tests.support.server`). "A slow link" is the
client's own pace (`ApiClient.pace`: small chunks with a pause between them), not a
throttled server. Nothing here is timed: every wait is on a condition.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar

from cesp_client.api import ApiClient
from cesp_client.api.transfer import Pace
from cesp_client.config import ClientConfig
from cesp_client.events import SyncEvent, SyncProgress, UploadCancelled, UploadProgress
from cesp_client.store import DraftStore, PieceState
from cesp_client.sync import SyncEngine
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.pieces import AddPieceModal, PiecesScreen
from cesp_tui.widgets.file_picker import FilePicker
from tests.support.accounts import DEFAULT_PASSWORD, create_cesp_account
from tests.support.dossiers import complete_cesp_values, make_campaign, tiny_pdf
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.tui.apps.settle import until

SIZE = (80, 24)
EMAIL = "lente.connexion@example.fr"
#: A slow link: 16 Kio at a time, a pause between chunks.
SLOW = Pace(chunk_bytes=16 * 1024, pause=0.05)


async def log_in(app: CespApp, pilot: Pilot[Any], identifier: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.api is not None)
    app.screen.query_one("#identifier", Input).value = identifier
    app.screen.query_one("#password", Input).focus()
    await pilot.press(*DEFAULT_PASSWORD, "enter")
    await until(pilot, lambda: app.session is not None, what="logged in")


def server_pieces(server: ServerHandle, token: str, dossier_id: str) -> list[dict[str, Any]]:
    with server.client(token) as client:
        response = client.get(f"/dossiers/{dossier_id}/pieces")
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return list(response.json())


def half_files(server: ServerHandle) -> list[Path]:
    """What the platform is receiving (its streamed intake's temporary files)."""
    folder = server.settings.resolved_files_dir / "tmp"
    return sorted(folder.glob("*.part")) if folder.is_dir() else []


async def add_file(app: CespApp, pilot: Pilot[Any], path: Path) -> None:
    """"a" on the pieces tab, the file's path, Entrée."""
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, AddPieceModal), what="file box")
    app.screen.query_one(FilePicker).input.value = str(path)
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(app.screen, AddPieceModal), what="file checked")


# --- a piece's upload ---------------------------------------------------------------------------


async def test_an_upload_shows_its_bytes_can_be_cancelled_and_leaves_nothing_on_the_platform(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    token = create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    big = tmp_path / "releve_de_notes.pdf"
    big.write_bytes(tiny_pdf("Notes", padding=1024 * 1024))  # 64 chunks on the slow link
    small = tmp_path / "cni.pdf"
    small.write_bytes(tiny_pdf("CNI"))
    app = CespApp(ClientConfig(server_url=server.url, data_dir=tmp_path / "client"))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="first dossier")
        await until(pilot, lambda: app.sync_engine is not None, what="sync engine")
        assert app.sync_engine is not None
        app.sync_engine.client.pace = SLOW
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        dossier_id = screen.dossier_id
        await screen.show_tab("pieces")
        view = screen.current_view
        assert isinstance(view, PiecesScreen)
        view.focus_default()
        await pilot.pause()
        assert app.focused is view.table
        bar = view.query_one("#pieces-upload-bar", ProgressBar)
        assert not bar.region  # nothing is sent: no bar

        await add_file(app, pilot, big)
        size = big.stat().st_size
        await until(
            pilot,
            lambda: view.uploading is not None and 0 < (bar.progress or 0) < size,
            what="upload under way",
        )
        assert bar.total == size and bar.region  # shown, in bytes of the file
        assert "Envoi de « releve_de_notes.pdf »" in str(
            view.query_one("#pieces-upload-text").render()
        )
        assert half_files(server)  # the platform is receiving it
        # The screen does not freeze: a key typed during the upload is handled at once.
        before = view.table.cursor_row
        await pilot.press("down")
        assert view.table.cursor_row == before + 1
        assert view.uploading is not None and (bar.progress or 0) < size  # still sending
        assert "Annuler l'envoi" in [
            b.binding.description for b in app.screen.active_bindings.values()
        ]

        await pilot.press("escape")  # Annuler l'envoi
        await until(pilot, lambda: view.uploading is None, what="upload cancelled")
        await until(pilot, lambda: not app.drafts.pieces(dossier_id), what="piece withdrawn")
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="nothing waits")
        await until(pilot, lambda: not half_files(server), what="half file gone")
        assert server_pieces(server, token, dossier_id) == []
        assert not bar.region
        assert "Annuler l'envoi" not in [
            b.binding.description for b in app.screen.active_bindings.values()
        ]

        # A file sent to the end: the bar follows it, then goes.
        app.sync_engine.client.pace = Pace()
        await add_file(app, pilot, small)
        await until(
            pilot,
            lambda: [p.state for p in app.drafts.pieces(dossier_id)] == [PieceState.UPLOADED],
            what="uploaded",
        )
        await until(pilot, lambda: view.uploading is None, what="bar gone")
        [piece] = server_pieces(server, token, dossier_id)
        assert piece["filename"] == "cni.pdf" and piece["size"] == small.stat().st_size


async def test_the_engine_reports_bytes_sent_and_a_cancel_drops_the_upload(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    """The engine alone (no screen): `UploadProgress` up to the file's size, and
    `cancel_upload` mid-body leaves the platform without the piece or a half file."""
    token = create_cesp_account(server, smtp, EMAIL)
    campaign = make_campaign(server)
    events: list[SyncEvent] = []
    drafts = DraftStore(tmp_path / "drafts.db")
    client = ApiClient(server.url, token)
    username = "me"
    engine = SyncEngine(drafts, client, server_key="k", username=username, post=events.append)
    try:
        dossier_id = drafts.create_local("k", username, "cesp", campaign).id
        await engine.run_once()
        source = tmp_path / "cv.pdf"
        source.write_bytes(tiny_pdf("CV", padding=300 * 1024))
        drafts.add_piece(dossier_id, "cv", source)
        await engine.run_once()
        sent = [e.sent for e in events if isinstance(e, UploadProgress)]
        assert sent[0] == 0 and sent[-1] == source.stat().st_size
        assert sent == sorted(sent) and len(sent) > 2  # chunk by chunk

        client.pace = SLOW
        other = tmp_path / "cv2.pdf"
        other.write_bytes(tiny_pdf("Autre", padding=600 * 1024))
        piece = drafts.add_piece(dossier_id, "cv", other)
        events.clear()
        run = asyncio.ensure_future(engine.run_once())
        while not any(isinstance(e, UploadProgress) and e.sent > 0 for e in events):
            await asyncio.sleep(0.01)
        assert engine.uploading == [piece.id]
        assert engine.cancel_upload(piece.id)
        await run
        assert [e.piece_id for e in events if isinstance(e, UploadCancelled)] == [piece.id]
        await engine.run_once()  # the deletion found by content (if queued): nothing there
        assert [p.filename for p in drafts.pieces(dossier_id)] == ["cv.pdf"]
        assert [p["filename"] for p in server_pieces(server, token, dossier_id)] == ["cv.pdf"]
        assert drafts.pending_count() == 0
        for _ in range(200):
            if not half_files(server):
                break
            await asyncio.sleep(0.02)
        assert not half_files(server)
        assert not engine.cancel_upload(piece.id)  # nothing in flight any more
    finally:
        engine.stop()
        await client.aclose()
        drafts.close()
