"""A certification is read whole before it is ticked: `LongCheckbox` wraps its statement
(Textual's Checkbox is one line and cut the ASP "Confirmer" box's first statement with
"…" at 80 columns)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cesp_tui.widgets.long_checkbox import LongCheckbox
from tests.tui.terminal import full_render

STATEMENT = "Les deux établissements partenaires ont validé le projet médical partagé"


class _Box(App[None]):
    def compose(self) -> ComposeResult:
        yield LongCheckbox(STATEMENT, compact=True)


def screen_text(app: App[None]) -> list[str]:
    return ["".join(c[0] for c in row).rstrip() for row in full_render(app).cells]


async def test_the_statement_wraps_whole_and_ticks_as_a_checkbox() -> None:
    app = _Box()
    async with app.run_test(size=(40, 8)) as pilot:
        box = app.query_one(LongCheckbox)
        assert box.size.height >= 2
        shown = " ".join(line.strip() for line in screen_text(app) if line.strip())
        assert "…" not in shown
        assert STATEMENT.split() == shown.replace("▐X▌", "").split()
        box.focus()
        await pilot.press("space")
        assert box.value is True
