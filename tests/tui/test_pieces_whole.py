"""Nothing hides at 80x24 in the pieces table either: a piece type or a file name cut to
fit its column ("Projet médical signé des deux éta…", "scolarite.p…", seen in tmux on the
ASP candidature) is shown whole under the table while the cursor is on it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from cesp_tui.screens.dossier.pieces import PiecesScreen
from tests.support.tui import run_app
from tests.tui.keywalk import new_dossier_app, settle
from tests.tui.test_pieces_screen import add_pdfs, pieces_view


def row_line(view: PiecesScreen) -> str:
    line = view.query_one("#pieces-row", Static)
    return str(line.render()) if line.display and line.has_class("-visible") else ""


def shown_cells(view: PiecesScreen) -> list[str]:
    table = view.table
    return [str(c).strip() for c in table.get_row_at(table.cursor_row)]


async def test_a_cut_piece_type_or_file_name_is_shown_whole_under_the_table(
    tmp_path: Path,
) -> None:
    app = new_dossier_app(tmp_path, "asp", "pieces")
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        view = pieces_view(app)
        add_pdfs(view, "engagement_poste", tmp_path / "engagement-poste-perenne-signe.pdf")
        await settle(app, pilot)
        view.table.focus()
        seen_cut = seen_whole = 0
        for _ in range(view.table.row_count):
            cells = shown_cells(view)
            cut = any(c.endswith("…") for c in cells)
            line = row_line(view)
            if cut:
                seen_cut += 1
                assert line, f"{cells} is cut and not shown whole"
                # The whole text is there: the cut cell's start, then its end.
                for cell in cells:
                    if cell.endswith("…"):
                        assert cell.removesuffix("…").removesuffix(" *") in line
            else:
                seen_whole += 1
                assert line == "", f"{cells} is whole, yet {line!r} is shown"
            await pilot.press("down")
            await settle(app, pilot)
        # Both kinds met at 80 columns: two long types and the long file name are cut.
        assert seen_cut >= 3 and seen_whole >= 1
