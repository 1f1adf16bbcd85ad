"""The "Pièces justificatives" tab: files added with the keyboard (path completion or a
directory tree), checked before any upload (extension and magic bytes, size), queued,
listed with their size and state, removed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, DirectoryTree, Static

from cesp_client.store import DraftStore, OpKind, PieceState
from cesp_core.demarches import CESP
from cesp_tui.app import CespApp
from cesp_tui.messages import PiecesChanged
from cesp_tui.screens.dossier.pieces import (
    AddPieceModal,
    PiecesScreen,
    check_piece_file,
    human_size,
)
from cesp_tui.widgets.file_picker import FilePicker, complete_path
from tests.support.dossiers import FAKE_EXE, TINY_JPEG, TINY_PDF, TINY_PNG, complete_cesp_values
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
FORMATS = ("pdf", "jpeg", "png")


@pytest.fixture(autouse=True)
def _forget_last_directory() -> None:
    AddPieceModal.last_directory = None


def new_dossier(tmp_path: Path, data: dict[str, Any] | None = None) -> str:
    store = DraftStore(tmp_path / "drafts.db")
    try:
        return store.create_local(SERVER_KEY, USERNAME, "cesp", 1, data=data).id
    finally:
        store.close()


async def settle(app: CespApp, pilot: Pilot[Any]) -> None:
    """Let workers finish and their messages be handled; a `DirectoryTree` keeps a loader
    worker for its whole life: that one is not waited for."""
    await settle_workers(app, pilot, ignore=lambda w: isinstance(w.node, DirectoryTree))


def pieces_view(app: CespApp) -> PiecesScreen:
    view = dossier_screen_of(app).current_view
    assert isinstance(view, PiecesScreen), view
    return view


def add_pdfs(view: PiecesScreen, piece_type: str, *paths: Path, select: bool = False) -> None:
    """Small PDFs written at ``paths``, added to ``piece_type`` through the dossier's model
    (as the file picker does), then the table told (the cursor on that type: ``select``)."""
    for path in paths:
        path.write_bytes(TINY_PDF)
        view.model.add_piece(piece_type, path)
    view.post_message(PiecesChanged(select_type=piece_type if select else None))


def table_text(view: PiecesScreen) -> list[list[str]]:
    table = view.table
    return [[str(cell).strip() for cell in table.get_row_at(i)] for i in range(table.row_count)]


def files_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    (folder / "cni_recto_verso.pdf").write_bytes(TINY_PDF)
    (folder / "photo.jpg").write_bytes(TINY_JPEG)
    (folder / "rib.png").write_bytes(TINY_PNG)
    (folder / "scan.pdf").write_bytes(FAKE_EXE)  # an .exe renamed .pdf
    (folder / "setup.exe").write_bytes(FAKE_EXE)
    big = folder / "enorme.pdf"
    with big.open("wb") as handle:  # one byte over the limit (sparse: quick to make)
        handle.write(b"%PDF-1.4\n")
        handle.truncate(CESP.max_file_bytes + 1)
    return folder


# --- the checks, on their own -------------------------------------------------------------------


def test_check_piece_file_says_why_in_french(tmp_path: Path) -> None:
    folder = files_dir(tmp_path)
    limit = CESP.max_file_bytes
    assert check_piece_file(folder / "cni_recto_verso.pdf", FORMATS, limit) is None
    assert check_piece_file(folder / "photo.jpg", FORMATS, limit) is None
    assert check_piece_file(folder / "rib.png", FORMATS, limit) is None
    fake = check_piece_file(folder / "scan.pdf", FORMATS, limit)
    assert fake is not None and "n'est pas un vrai fichier PDF" in fake
    exe = check_piece_file(folder / "setup.exe", FORMATS, limit)
    assert exe is not None and exe.startswith("Format refusé") and "PDF, JPEG ou PNG" in exe
    big = check_piece_file(folder / "enorme.pdf", FORMATS, limit)
    assert big is not None and "trop volumineux (10 Mo)" in big and "10 Mo au plus" in big
    assert "dépasserait" in (
        check_piece_file(folder / "cni_recto_verso.pdf", FORMATS, limit, room_left=10) or ""
    )
    assert "introuvable" in (check_piece_file(folder / "absent.pdf", FORMATS, limit) or "")
    assert "est un dossier" in (check_piece_file(folder, FORMATS, limit) or "")
    # A PNG renamed .jpg is refused too: extension and content must agree.
    (folder / "faux.jpg").write_bytes(TINY_PNG)
    assert "n'est pas un vrai fichier JPEG" in (
        check_piece_file(folder / "faux.jpg", FORMATS, limit) or ""
    )
    assert "Format refusé" in (check_piece_file(folder / "rib.png", ("pdf",), limit) or "")


def test_human_size() -> None:
    assert human_size(812) == "812 o"
    assert human_size(12_800) == "12,5 Ko"
    assert human_size(10 * 1024 * 1024) == "10 Mo"
    assert human_size(3_355_443) == "3,2 Mo"


def test_path_completion(tmp_path: Path) -> None:
    folder = files_dir(tmp_path)
    (folder / "sous-dossier").mkdir()
    base = tmp_path
    assert complete_path(f"{folder}/cn", base) == f"{folder}/cni_recto_verso.pdf"
    assert complete_path(f"{folder}/CN", base) == f"{folder}/CNi_recto_verso.pdf"
    assert complete_path(f"{folder}/sou", base) == f"{folder}/sous-dossier/"
    assert complete_path("scans/ph", base) == "scans/photo.jpg"
    assert complete_path(f"{folder}/s", base) == f"{folder}/scan.pdf"  # first match
    assert complete_path(f"{folder}/zz", base) is None
    assert complete_path("", base) is None


# --- the screen ---------------------------------------------------------------------------------


async def test_required_marks_follow_the_dossier(tmp_path: Path) -> None:
    data = complete_cesp_values()
    data["volet_social"]["commentaire"] = "Deux enfants à charge."
    dossier_id = new_dossier(tmp_path, data)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="pieces")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        rows = table_text(pieces_view(app))
        labels = [row[0] for row in rows]
        assert labels[0] == "Pièce d'identité *"
        assert "Justificatif volet social *" in labels  # the social tab says something
        assert "Diplôme (PADHUE)" in labels  # not PADHUE: not required
        assert rows[0][3] == "manquante"
        assert app.focused is pieces_view(app).table


async def test_a_pdf_is_accepted_and_queued_through_path_completion(tmp_path: Path) -> None:
    folder = files_dir(tmp_path)
    AddPieceModal.last_directory = folder
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="pieces")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")  # on "Pièce d'identité"
        await settle(app, pilot)
        assert isinstance(app.screen, AddPieceModal)
        picker = app.screen.query_one(FilePicker)
        assert picker.input.value == f"{folder}/"
        await pilot.press("c", "n")
        await settle(app, pilot)
        await pilot.press("right")  # accept the completion
        assert picker.input.value == f"{folder}/cni_recto_verso.pdf"
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, AddPieceModal)
        pieces = app.drafts.pieces(dossier_id)
        assert [(p.piece_type, p.filename, p.state) for p in pieces] == [
            ("piece_identite", "cni_recto_verso.pdf", PieceState.PENDING)
        ]
        assert pieces[0].size == len(TINY_PDF)
        uploads = [op for op in app.drafts.ops(dossier_id) if op.kind == OpKind.UPLOAD]
        assert [op.payload["piece_id"] for op in uploads] == [pieces[0].id]
        rows = table_text(pieces_view(app))
        assert ["", "cni_recto_verso.pdf", human_size(len(TINY_PDF)), "à envoyer"] in rows
        assert rows[0][3] == "1 fichier"
        assert sync_requests(app) >= 1  # the sync engine is told at once
        assert "1 fichier" not in dossier_screen_of(app).header.state_text("pieces")
        # Several files per type: a second one for the same piece.
        await pilot.press("a")
        await settle(app, pilot)
        await pilot.press("p", "h", "right", "enter")
        await settle(app, pilot)
        assert [p.filename for p in app.drafts.pieces(dossier_id)] == [
            "cni_recto_verso.pdf",
            "photo.jpg",
        ]
        assert table_text(pieces_view(app))[0][3] == "2 fichiers"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("scan.pdf", "n'est pas un vrai fichier PDF"),
        ("enorme.pdf", "trop volumineux"),
        ("setup.exe", "Format refusé"),
    ],
)
async def test_bad_files_are_refused_before_any_upload(
    tmp_path: Path, name: str, expected: str
) -> None:
    folder = files_dir(tmp_path)
    AddPieceModal.last_directory = folder
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="pieces")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        await pilot.press(*name, "enter")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, AddPieceModal)  # still open, saying why
        error = modal.query_one("#add-piece-error", Static)
        assert error.has_class("-visible")
        assert expected in str(error.render())
        assert app.drafts.pieces(dossier_id) == []
        assert [op.kind for op in app.drafts.ops(dossier_id)] == [OpKind.CREATE]
        assert not (tmp_path / "draft-pieces").exists() or not any(
            (tmp_path / "draft-pieces").iterdir()
        )
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen.current_view, PiecesScreen)  # type: ignore[attr-defined]


@pytest.mark.timeout(60)
async def test_the_directory_tree_alternative(tmp_path: Path) -> None:
    folder = files_dir(tmp_path)
    AddPieceModal.last_directory = folder
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="pieces")
    async with run_app(app, size=(120, 40)) as pilot:
        await settle(app, pilot)
        pieces_view(app).select_piece_type("rib")
        await pilot.press("a")
        await settle(app, pilot)
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        tree = app.screen.query_one(DirectoryTree)
        assert app.focused is tree
        assert Path(tree.path) == folder
        names = [str(node.label) for node in tree.root.children]
        target = names.index("rib.png")
        for _ in range(target + 1):  # the cursor starts on the root
            await pilot.press("down")
        await pilot.press("enter")
        await settle(app, pilot)
        assert [(p.piece_type, p.filename) for p in app.drafts.pieces(dossier_id)] == [
            ("rib", "rib.png")
        ]


async def test_removing_a_file_asks_first(tmp_path: Path) -> None:
    folder = files_dir(tmp_path)
    dossier_id = new_dossier(tmp_path)
    store = DraftStore(tmp_path / "drafts.db")
    store.add_piece(dossier_id, "cv", folder / "cni_recto_verso.pdf")
    store.close()
    app = tui_app(tmp_path, role="candidat", open_id=dossier_id, tab="pieces")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        view = pieces_view(app)
        table: DataTable[Any] = view.table
        row = next(i for i, r in enumerate(table_text(view)) if r[1] == "cni_recto_verso.pdf")
        table.move_cursor(row=row)
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("n")  # "Non": nothing happens
        await settle(app, pilot)
        assert len(app.drafts.pieces(dossier_id)) == 1
        await pilot.press("x")
        await settle(app, pilot)
        await pilot.press("o")  # "Oui"
        await settle(app, pilot)
        assert app.drafts.pieces(dossier_id) == []
        # Never sent: the upload is simply dropped.
        assert [op.kind for op in app.drafts.ops(dossier_id)] == [OpKind.CREATE]
        assert all(r[1] != "cni_recto_verso.pdf" for r in table_text(pieces_view(app)))
