"""Typing in a field and moving between fields repaint, and never lay the screen out again.

A layout pass reflows every widget of the screen (about 30 ms with the repaint that
follows on a tab of the dossier, ADR 0011); these keys are the bulk of keying, so they
must not cause one. Counted, not timed: the number of `Screen._refresh_layout` runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.screen import Screen

from cesp_tui.widgets.tab_form import TabForm
from tests.tui.test_tab_form import SIZE, form_app


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> list[Screen[Any]]:
    runs: list[Screen[Any]] = []
    original = Screen._refresh_layout

    def counted(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
        runs.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    return runs


async def test_typing_in_a_text_field_lays_nothing_out(layouts: list[Screen[Any]]) -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("prenoms").focus_control()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*"Jean Pierre Marie")
        await pilot.pause()
        assert form.values()["prenoms"] == "Jean Pierre Marie"
        assert layouts == []


async def test_typing_a_nir_and_a_date_lays_nothing_out(layouts: list[Screen[Any]]) -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("date_naissance").focus_control()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*"1503")
        await pilot.pause()
        assert layouts == []


async def test_moving_between_fields_lays_nothing_out(layouts: list[Screen[Any]]) -> None:
    """Fields with and without help lines: the help shows in the band at the foot."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("nom_naissance").focus_control()
        await pilot.pause()
        layouts.clear()
        for key in ("tab", "tab", "shift+tab", "shift+tab", "enter", "enter"):
            await pilot.press(key)
            await pilot.pause()
        assert layouts == []


async def test_filtering_an_open_hit_list_lays_nothing_out(layouts: list[Screen[Any]]) -> None:
    """Opening the department list lays the form out once; narrowing it does not."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("departement_naissance").focus_control()
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        layouts.clear()
        await pilot.press(*"aute")
        await pilot.pause()
        assert layouts == []
