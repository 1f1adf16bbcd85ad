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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, ProgressBar

from cesp_client.api import ApiClient
from cesp_client.api.transfer import Pace
from cesp_client.events import SyncEvent, SyncProgress, UploadCancelled, UploadProgress
from cesp_client.exports import Column, WriteCancelled, write_csv, write_pdf
from cesp_client.store import DraftStore, PieceState
from cesp_client.sync import SyncEngine
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
from cesp_tui.screens.dossier.dossier import DossierScreen
from cesp_tui.screens.dossier.pieces import AddPieceModal, PiecesScreen
from cesp_tui.screens.etablissement.recap import ExportPathModal
from cesp_tui.screens.staff.export_dossiers import ExportScreen
from cesp_tui.screens.staff.import_dossiers import ImportScreen
from cesp_tui.widgets.file_picker import FilePicker
from cesp_tui.widgets.status_line import StatusLine
from cesp_tui.widgets.work_progress import WorkProgressLine
from tests.support.accounts import DEFAULT_PASSWORD, create_cesp_account, create_staff_account
from tests.support.dossiers import (
    complete_cesp_values,
    import_csv,
    import_row,
    make_campaign,
    post_import,
    tiny_pdf,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink
from tests.support.tui import run_app, settle_app, tui_app, until

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


def status_pending(status: StatusLine) -> str:
    return str(status.query_one(".status-pending").render())


async def laid_out(pilot: Pilot[Any], widget: Any, shown: bool) -> None:
    """Wait until ``widget`` is on screen (or gone): a class change is laid out at the
    next refresh, later on a loaded machine."""
    await until(pilot, lambda: bool(widget.region) == shown, what=f"{widget} shown={shown}")


def in_sight(app: App[Any], bar: Any) -> None:
    """At 80x24 the progress line is on screen and hides neither the focused widget
    nor the footer's last line."""
    focused = app.focused
    assert focused is not None and bar.region
    assert app.screen.region.contains_region(bar.region)
    assert focused.region and not focused.region.overlaps(bar.region)
    assert bar.region.bottom < app.screen.region.bottom  # the footer keeps its line


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
    """ "a" on the pieces tab, the file's path, Entrée."""
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
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="first dossier")
        await until(pilot, lambda: app.sync_engine is not None, what="sync engine")
        assert app.sync_engine is not None
        app.sync_engine.client.pace = SLOW
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        dossier_id = screen.dossier_id
        await settle_app(app, pilot)  # the dossier's own start-up (focus, campaign...)
        await screen.show_tab("pieces")
        view = screen.current_view
        assert isinstance(view, PiecesScreen)
        view.focus_default()
        await until(pilot, lambda: app.focused is view.table, what="cursor on the pieces")
        bar = view.query_one("#pieces-upload-bar", ProgressBar)
        assert not bar.region  # nothing is sent: no bar

        await add_file(app, pilot, big)
        size = big.stat().st_size
        await until(
            pilot,
            lambda: view.uploading is not None and 0 < (bar.progress or 0) < size,
            what="upload under way",
        )
        assert bar.total == size  # in bytes of the file
        await laid_out(pilot, bar, True)
        in_sight(app, view.query_one("#pieces-upload"))
        assert "Envoi de « releve_de_notes.pdf »" in str(
            view.query_one("#pieces-upload-text").render()
        )
        await until(pilot, lambda: bool(half_files(server)), what="the platform receives it")
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
        await laid_out(pilot, bar, False)
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


# --- the import and the export of the back office -----------------------------------------------


def staff_app(
    data_dir: Path, server: ServerHandle, token: str, make_screen: Callable[[], Screen[None]]
) -> CespApp:
    """The client logged in as the agent of ``token``, ``make_screen`` over its home."""
    return tui_app(
        data_dir / "client",
        server_url=server.url,
        role="agent",
        token=token,
        screen=make_screen,
    )


def server_dossiers(server: ServerHandle, token: str) -> list[dict[str, Any]]:
    with server.client(token) as client:
        response = client.get("/dossiers", params={"limit": 200})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def binding_descriptions(app: App[Any]) -> list[str]:
    return [b.binding.description for b in app.screen.active_bindings.values()]


async def test_an_import_shows_what_is_sent_and_a_cancel_before_the_end_imports_nothing(
    tmp_path: Path, server: ServerHandle
) -> None:
    make_campaign(server, label="CESP de test")
    agent = create_staff_account(server, "agent", "paul.agent@example.org")
    rows = [import_row(f"candidat{n}@example.org") for n in range(3)]
    path = tmp_path / "papier.csv"
    path.write_bytes(import_csv(rows))
    app = staff_app(tmp_path, server, agent, lambda: ImportScreen(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        app.api.pace = Pace(chunk_bytes=64, pause=0.05)
        await until(pilot, lambda: screen.campaign_id is not None, what="campaigns")
        picker = screen.query_one(FilePicker)
        picker.input.value = str(path)
        picker.input.focus()
        await pilot.press("enter")
        await until(pilot, lambda: screen.path == path, what="file picked")
        assert "Annuler l'envoi" not in binding_descriptions(app)
        line = screen.query_one(WorkProgressLine)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (line.bar.progress or 0) > 0, what="file on its way")
        assert line.bar.total == path.stat().st_size
        await laid_out(pilot, line, True)
        assert "papier.csv (3 lignes)" in line.text
        in_sight(app, line)
        # The screen answers meanwhile: a key typed in the path is taken at once.
        typed = picker.input.value
        await pilot.press("x")
        assert len(picker.input.value) == len(typed) + 1 and "x" in picker.input.value
        assert (line.bar.progress or 0) < path.stat().st_size  # still on its way
        assert "Annuler l'envoi" in binding_descriptions(app)
        await pilot.press("escape")
        assert not screen.busy
        await laid_out(pilot, line, False)
        assert "Envoi annulé : rien n'a été importé." in str(
            screen.query_one("#import-status").render()
        )
        await until(pilot, lambda: not half_files(server), what="the platform dropped it")
        assert server_dossiers(server, agent) == []

        # To the end: the bar follows the bytes, then the platform's report.
        app.api.pace = Pace(chunk_bytes=256, pause=0.0)
        picker.input.value = str(path)
        await pilot.press("ctrl+b")  # a dry run: checked, nothing created
        await until(pilot, lambda: screen.outcome is not None, what="report")
        assert not screen.busy
        await laid_out(pilot, line, False)
        assert screen.outcome is not None and screen.outcome.report["total"] == 3
    assert server_dossiers(server, agent) == []


async def test_an_export_is_written_as_it_arrives_and_a_cancel_leaves_no_file(
    tmp_path: Path, server: ServerHandle
) -> None:
    campaign_id = make_campaign(server, label="CESP de test")
    agent = create_staff_account(server, "agent", "paul.agent@example.org")
    with server.client(agent) as client:
        rows = [import_row(f"candidat{n}@example.org") for n in range(3)]
        assert post_import(client, campaign_id, import_csv(rows[:1])).status_code == 200
    out = tmp_path / "sortie"
    app = staff_app(tmp_path, server, agent, lambda: ExportScreen(base=out))
    async with run_app(app, size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        app.api.pace = Pace(chunk_bytes=32, pause=0.05)
        await until(pilot, lambda: bool(screen.campaigns), what="campaigns")
        path_input = screen.query_one("#export-path", Input)
        target = Path(path_input.value)
        line = screen.query_one(WorkProgressLine)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: (line.bar.progress or 0) > 0, what="export arriving")
        assert "Réception de l'export" in line.text
        await laid_out(pilot, line, True)
        in_sight(app, line)
        assert (line.bar.progress or 0) < (line.bar.total or 0)  # Content-Length known
        assert "Annuler l'export" in binding_descriptions(app)
        await pilot.press("escape")
        assert not screen.busy
        await laid_out(pilot, line, False)
        assert "Export annulé" in str(screen.query_one("#export-status").render())
        await until(pilot, lambda: not list(out.glob(".*.part")), what="temporary file removed")
        assert not target.exists() and list(out.iterdir()) == []

        app.api.pace = Pace()
        await pilot.press("ctrl+s")
        await until(pilot, lambda: screen.written is not None, what="written")
        assert target.is_file()
        await laid_out(pilot, line, False)
        assert "1 dossier exporté" in str(screen.query_one("#export-status").render())
        assert [p.name for p in out.iterdir()] == [target.name]


# --- the first sync of many drafts --------------------------------------------------------------


async def test_the_engine_reports_a_pass_of_many_changes(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    token = create_cesp_account(server, smtp, EMAIL)
    campaign = make_campaign(server)
    events: list[SyncEvent] = []
    drafts = DraftStore(tmp_path / "drafts.db")
    client = ApiClient(server.url, token)
    engine = SyncEngine(drafts, client, server_key="k", username="me", post=events.append)
    try:
        dossier_id = drafts.create_local("k", "me", "cesp", campaign).id
        values = complete_cesp_values()
        for tab in ("etat_civil", "adresse", "etudes", "volet_social"):
            for field, value in values[tab].items():
                drafts.set_field(dossier_id, tab, field, value)
            drafts.mark_tab_saved(dossier_id, tab)
        assert await engine.run_once() == 5  # the creation and four saves
        progress = [(e.sent, e.total, e.active) for e in events if isinstance(e, SyncProgress)]
        assert progress == [(n, 5, True) for n in range(5)] + [(5, 5, False)]
        with server.client(token) as http:
            assert http.get(f"/dossiers/{dossier_id}").json()["version"] == 5
        # One change alone: no bar for it.
        events.clear()
        drafts.set_field(dossier_id, "adresse", "telephone", "0601020304")
        drafts.mark_tab_saved(dossier_id, "adresse")
        assert await engine.run_once() == 1
        assert not [e for e in events if isinstance(e, SyncProgress)]
    finally:
        engine.stop()
        await client.aclose()
        drafts.close()


async def test_the_first_sync_of_many_drafts_shows_on_the_status_line_and_typing_goes_on(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    create_cesp_account(server, smtp, EMAIL)
    make_campaign(server)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(tiny_pdf("Scan", padding=160 * 1024))  # 10 chunks on the slow link
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(app, pilot, EMAIL)
        await until(pilot, lambda: isinstance(app.screen, DossierScreen), what="first dossier")
        await until(pilot, lambda: app.sync_engine is not None, what="sync engine")
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="first dossier sent")
        assert app.sync_engine is not None and app.session is not None
        app.sync_engine.client.pace = SLOW
        screen = app.screen
        assert isinstance(screen, DossierScreen)
        # Scans queued on this computer (as after a day offline): four uploads to send.
        for _ in range(4):
            app.drafts.add_piece(screen.dossier_id, "cv", scan)
        status = app.screen.query_one(StatusLine)
        view = screen.current_view
        assert view is not None
        field = view.query(Input).first()
        field.focus()
        await pilot.pause()
        app.request_sync()
        await until(pilot, lambda: status.syncing, what="pass under way")
        await until(pilot, lambda: "envoi " in status_pending(status), what="envoi n/N")
        assert status_pending(status).endswith("/4")
        await laid_out(pilot, status.query_one(".status-sync-bar"), True)
        in_sight(app, status.query_one(".status-sync-bar"))
        # Typing is not held up by the pass.
        before = field.value
        await pilot.press("Z")
        assert field.value != before and "Z" in field.value
        assert status.syncing
        await until(pilot, lambda: not status.syncing, what="pass ended", timeout=60)
        await laid_out(pilot, status.query_one(".status-sync-bar"), False)
        await until(pilot, lambda: app.drafts.pending_count() == 0, what="all sent")
        await until(pilot, lambda: status_pending(status) == "tout est envoyé")


# --- the Récap's CSV and PDF --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_list_writers_count_rows_and_stop_without_leaving_a_file(tmp_path: Path, kind: str) -> None:
    columns = [Column("numero", "N°"), Column("nom", "Candidat")]
    rows = [{"numero": f"ASP-2026-{n:06d}", "nom": f"Candidat {n}"} for n in range(250)]
    seen: list[tuple[int, int]] = []

    def write(target: Path, **kwargs: Any) -> Path:
        if kind == "csv":
            return write_csv(target, columns, rows, **kwargs)
        return write_pdf(target, "Récapitulatif", columns, rows, unicode_font=False, **kwargs)

    done = write(tmp_path / f"liste.{kind}", progress=lambda d, t: seen.append((d, t)))
    assert done.is_file()
    assert seen[0] == (0, 250) and seen[-1] == (250, 250)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and 3 < len(seen) <= 130

    stop_at = 100
    counted: list[int] = []

    def cancelled() -> bool:
        return bool(counted) and counted[-1] >= stop_at

    target = tmp_path / "annule" / f"liste.{kind}"
    target.parent.mkdir()
    with pytest.raises(WriteCancelled):
        write(target, progress=lambda d, t: counted.append(d), cancelled=cancelled)
    assert counted[-1] < 250
    assert list(target.parent.iterdir()) == []  # no file, no temporary file


async def test_the_recap_print_counts_its_rows(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    from tests.support.accounts import create_etablissement_account
    from tests.tui.test_asp_recap import EMAIL as ETAB_EMAIL
    from tests.tui.test_asp_recap import NOM, open_recap, seed

    token = create_etablissement_account(server, smtp, ETAB_EMAIL, etablissement_nom=NOM)
    seed(server, token, make_campaign(server, "asp", label="ASP 2026"))
    app = tui_app(tmp_path / "client", server_url=server.url)
    async with app.run_test(size=SIZE) as pilot:
        recap = await open_recap(app, pilot)
        line = recap.query_one(WorkProgressLine)
        assert "Annuler l'écriture" not in binding_descriptions(app)
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ExportPathModal), what="file box")
        app.screen.query_one(Input).value = str(tmp_path / "recap.pdf")
        await pilot.press("enter")
        await until(pilot, lambda: (tmp_path / "recap.pdf").is_file(), what="printed")
        await until(pilot, lambda: recap.writing is None, what="done")
        assert (line.bar.progress, line.bar.total) == (3, 3)  # the three rows, counted
        assert "mise en page" in line.text
        await laid_out(pilot, line, False)
