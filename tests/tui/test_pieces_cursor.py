"""Removing files one after the other with the keyboard: after a file is removed the
cursor stays at its place, on the next file of the same type, so that x, o, x, o removes
file after file (it went back to the table's first row: the next x said "Placez le
curseur sur un fichier", seen in tmux at 80x24); after the type's last file it goes up,
to the type's row when none is left, so that "a" adds to the same type."""

from __future__ import annotations

from pathlib import Path

from cesp_tui.screens.dossier.pieces import PiecesScreen
from tests.support.tui import run_app
from tests.tui.keywalk import dossier_screen, new_dossier_app, settle
from tests.tui.test_pieces_screen import add_pdfs, pieces_view


def current_file(view: PiecesScreen) -> str | None:
    piece = view.current_piece()
    return piece.filename if piece is not None else None


async def test_x_then_o_removes_file_after_file(tmp_path: Path) -> None:
    app = new_dossier_app(tmp_path, "cesp", "pieces")
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        view = pieces_view(app)
        files = (tmp_path / name for name in ("a.pdf", "b.pdf", "c.pdf"))
        add_pdfs(view, "piece_identite", *files, select=True)
        await settle(app, pilot)
        await pilot.press("down")  # from the type's row to its first file
        assert current_file(view) == "a.pdf"
        for expected_next in ("b.pdf", "c.pdf"):
            await pilot.press("x")
            await settle(app, pilot)
            await pilot.press("o")
            await settle(app, pilot)
            assert current_file(view) == expected_next
        # The type's last file removed: back on the type's row, not the next type's.
        assert current_file(view) == "c.pdf"
        await pilot.press("x", "o")
        await settle(app, pilot)
        assert view.current_row_key() == "type:piece_identite"
        await pilot.press("end")  # the last row, then Home: the first (a type's row)
        assert view.table.cursor_row == view.table.row_count - 1
        await pilot.press("home")
        assert view.table.cursor_row == 0
        assert [p.filename for p in screen.model.pieces] == []
        assert view.table.cursor_row < view.table.row_count
