"""Typing in a field, completing a grouped value, narrowing a list and moving between
fields repaint, and never lay the screen out again.

A layout pass reflows every widget of the screen (about 30 ms with the repaint that
follows on a tab of the dossier, ADR 0011); these keys are the bulk of keying, so they
must not cause one. Counted, not timed: the number of `Screen._refresh_layout` runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import OptionList

from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.message_line import MessageLine
from cesp_tui.widgets.tab_form import TabForm
from tests.support.dossiers import CESP_IBAN, CESP_NIR
from tests.tui.test_tab_form import SIZE, form_app


async def laid_out(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    """Until the layout pass already asked for has run (it may lag behind a pause on a
    busy machine)."""
    for _ in range(100):
        if done():
            break
        await pilot.pause(0.02)
    await pilot.pause()


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


async def test_completing_a_date_a_nir_and_an_iban_lays_nothing_out(
    layouts: list[Screen[Any]],
) -> None:
    """The key that completes the value brings its line under the field (the date in
    words, what the NIR says, the bank): the line is reserved, so it is a repaint."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("date_naissance").focus_control()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*"15031999")
        await pilot.pause()
        date_line = form.row("date_naissance").query_one(MessageLine)
        assert date_line.text == "lundi 15 mars 1999"
        form.row("nir").focus_control()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*CESP_NIR)
        await pilot.pause()
        nir_line = form.row("nir").query_one(MessageLine)
        assert nir_line.text.startswith("✓ Clé correcte")
        assert nir_line.size.height == 1
        assert layouts == []
    app = form_app("coordonnees_bancaires")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("iban").focus_control()
        await pilot.pause()
        layouts.clear()
        await pilot.press(*CESP_IBAN)
        await pilot.pause()
        assert "IBAN valide" in form.row("iban").query_one(MessageLine).text
        assert layouts == []


async def test_a_message_too_long_for_the_line_gets_the_lines_it_needs() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        line = form.row("nir").query_one(MessageLine)
        assert line.size.height == 1
        line.show("mot " * 30, "invalid")
        await pilot.pause()
        assert line.size.height == 3
        line.show("court", "invalid")
        await pilot.pause()
        assert line.size.height == 1


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


async def arrive_at_the_departement(pilot: Pilot[Any]) -> FilterSelect:
    """The cursor on the empty department field: its list is open, nothing highlighted."""
    form = pilot.app.query_one(TabForm)
    select = form.row("departement_naissance").control_widget
    assert isinstance(select, FilterSelect)
    form.row("departement_naissance").focus_control()
    await pilot.pause()
    assert select.is_open and select.highlighted_hit is None
    return select


async def test_keying_a_list_field_lays_nothing_out(layouts: list[Screen[Any]]) -> None:
    """The department list opens when the field is reached (one layout, on the move);
    every character typed then only narrows it, down to "Aucun résultat" and back."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        await laid_out(pilot, lambda: select.query_one(OptionList).size.height == 8)
        layouts.clear()
        await pilot.press(*"hau")
        await pilot.pause()
        assert select.highlighted_hit is not None
        await pilot.press(*"xyz")
        await pilot.pause()
        assert select.hits == [] and select.is_open
        await pilot.press("backspace", "backspace", "backspace", *"te-vi")
        await pilot.pause()
        assert [hit.value for hit in select.hits] == ["87"]
        assert layouts == []


async def test_enter_on_a_list_opened_on_arrival_picks_nothing() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        form = app.query_one(TabForm)
        await pilot.press("enter")
        await pilot.pause()
        assert select.value is None and not select.is_open
        assert form.row("commune_naissance").control_widget.input.has_focus  # type: ignore[attr-defined]
