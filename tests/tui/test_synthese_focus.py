"""The Synthèse puts the cursor where the next step is, on arrival: on the certification
box once every tab is complete (six Tabs through the sections were needed to reach it,
seen in tmux), on "Transmettre" once the box is ticked too, on the first section while
something is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget

from cesp_core.demarches import get_demarche, rules
from tests.support.dossiers import TINY_PDF, complete_cesp_values
from tests.support.tui import run_app
from tests.tui.keywalk import dossier_screen, new_dossier_app, settle


def describe(widget: Widget | None) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget is not None else "None"


@pytest.mark.parametrize(
    ("pieces", "ticked", "expected"),
    [
        (False, False, "CollapsibleTitle#None"),
        (True, False, "Checkbox#cert-exactitude"),
        (True, True, "Button#transmit"),
    ],
)
async def test_the_cursor_arrives_on_the_next_step(
    pieces: bool, ticked: bool, expected: str, tmp_path: Path
) -> None:
    values = complete_cesp_values()
    app = new_dossier_app(tmp_path, "cesp", "etat_civil", data=values)
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = dossier_screen(app)
        if pieces:
            for piece in rules.required_pieces(get_demarche("cesp"), values):
                path = tmp_path / f"{piece.key}.pdf"
                path.write_bytes(TINY_PDF)
                screen.model.add_piece(piece.key, path)
            screen.reload_pieces()
            await settle(app, pilot)
        if ticked:
            screen.set_certifications(["exactitude"])
        await settle(app, pilot)
        await screen.show_tab("synthese")
        await settle(app, pilot)
        assert describe(app.focused) == expected
