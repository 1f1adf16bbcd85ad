"""Issue 13: the focused field is seen without colour (NO_COLOR): its label in reverse
video, where the accent colour alone would be lost."""

from __future__ import annotations

import pytest
from textual.content import Content
from textual.widgets import Label

from cesp_tui.widgets.tab_form import TabForm
from tests.support.tab_form_app import TabFormApp


def _styles(label: Label) -> str:
    content = label.render()
    assert isinstance(content, Content)
    return " ".join(str(span.style) for span in content.spans)


@pytest.mark.parametrize("no_color", [True, False], ids=["NO_COLOR", "colour"])
async def test_the_focused_label_is_marked_without_colour(
    no_color: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = TabFormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        form = app.query_one(TabForm)
        row = form.row("nom_naissance")
        row.focus_control()
        await pilot.pause()
        focused = _styles(row.query_one(".field-label", Label))
        other = _styles(form.row("prenoms").query_one(".field-label", Label))
        assert ("reverse" in focused) is no_color
        assert "bold" in focused
        assert "reverse" not in other
