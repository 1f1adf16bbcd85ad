"""Keying a dossier form's list fields (department, commune, country) and the lines under
its fields: what the user sees, not how many frames or layouts it took (those tests went
with the forked rendering, ADR 0023)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from cesp_core.demarches import CESP
from cesp_tui.widgets.checked_input import CheckedInput
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.message_line import MessageLine
from cesp_tui.widgets.tab_form import TabForm
from tests.support.dossiers import CESP_IBAN, CESP_NIR
from tests.support.widget_harness import HarnessApp
from tests.tui.test_tab_form import SIZE, changes, form_app


async def until(pilot: Pilot[Any], done: Callable[[], bool]) -> None:
    """Until ``done`` (a busy machine may lag a few frames behind a pause)."""
    for _ in range(100):
        if done():
            break
        await pilot.pause(0.02)
    await pilot.pause()


async def arrive_at_the_departement(pilot: Pilot[Any]) -> FilterSelect:
    """The cursor on the empty department field: its list is open, nothing highlighted."""
    form = pilot.app.query_one(TabForm)
    select = form.row("departement_naissance").control_widget
    assert isinstance(select, FilterSelect)
    form.row("departement_naissance").focus_control()
    await pilot.pause()
    assert select.is_open and select.highlighted_hit is None
    return select


async def test_the_list_follows_the_text() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        select.input.insert_text_at_cursor("haute-v")
        await pilot.pause()
        assert [hit.value for hit in select.hits] == ["87"]
        assert select.highlighted_hit is not None and select.is_open
        select.input.value = "xyz"
        await pilot.pause()
        assert select.hits == [] and select.is_open
        assert select.value is None


async def test_a_value_set_by_the_program_is_not_taken_for_typing() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        select.value = "87"
        assert select.value == "87" and select.input.value == "87 - Haute-Vienne"
        await pilot.pause()
        assert select.value == "87"


async def test_keying_a_list_field_narrows_it_down_to_no_hit_and_back() -> None:
    """The list opens when the field is reached; every character typed narrows it, and
    it stays eight lines high (it floats over the fields below: nothing moves)."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        hit_list = select.query_one(OptionList)
        await until(pilot, lambda: hit_list.size.height == 8)
        commune_row = app.query_one(TabForm).row("commune_naissance")
        row_at = commune_row.region
        await pilot.press(*"hau")
        await pilot.pause()
        assert select.highlighted_hit is not None
        await pilot.press(*"xyz")
        await pilot.pause()
        assert select.hits == [] and select.is_open
        assert "Aucun résultat" in str(hit_list.get_option_at_index(0).prompt)
        await pilot.press("backspace", "backspace", "backspace", *"te-vi")
        await pilot.pause()
        assert [hit.value for hit in select.hits] == ["87"]
        assert hit_list.size.height == 8
        assert commune_row.region == row_at


async def test_enter_on_a_list_opened_on_arrival_picks_nothing() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        form = app.query_one(TabForm)
        await pilot.press("enter")
        await pilot.pause()
        assert select.value is None and not select.is_open
        assert form.row("commune_naissance").control_widget.input.has_focus  # type: ignore[attr-defined]


async def test_enter_in_a_list_picks_and_opens_the_next_list_restricted() -> None:
    """Enter picks the department: the form applies it (once), the commune list opens
    with the department's communes only, and the department's list is closed."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        select = await arrive_at_the_departement(pilot)
        communes = form.row("commune_naissance").control_widget
        assert isinstance(communes, FilterSelect)
        await pilot.press("8", "7")
        await pilot.pause()
        assert select.highlighted_hit is not None and select.highlighted_hit.value == "87"
        await pilot.press("enter")
        await until(pilot, lambda: communes.is_open)
        assert app.focused is communes.input and communes.is_open
        assert not select.is_open and select.value == "87"
        assert communes.departement == "87"
        assert {hit.value[:2] for hit in communes.hits} == {"87"}
        assert [c for c in changes(app) if c[1] == "departement_naissance"] == [
            ("etat_civil", "departement_naissance", "87")
        ]


async def test_tab_and_shift_tab_follow_the_form_s_order() -> None:
    """Row to row in the form's order (hidden rows passed over); past the last field,
    the screen's own chain takes over (the harness's input after the form)."""
    app = HarnessApp(lambda: [TabForm(CESP, "etat_civil", {}, id="form")], after=True)
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("date_naissance").focus_control()
        await pilot.pause()
        await pilot.press("tab")
        assert form.row("ne_a_l_etranger").control_widget.has_focus
        await pilot.press("tab")
        assert form.row("departement_naissance").has_focus_within
        await pilot.press("tab", "tab")  # "Pays de naissance" is hidden: passed over
        assert form.row("nationalite_francaise").control_widget.has_focus
        await pilot.press("shift+tab")
        assert form.row("commune_naissance").has_focus_within
        form.row("nir").focus_control()
        await pilot.pause()
        await pilot.press("tab")
        assert app.focused is app.query_one("#after")


async def test_completing_a_date_a_nir_and_an_iban_shows_their_line() -> None:
    """The key that completes the value brings its line under the field (the date in
    words, what the NIR says, the bank), one line high."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("date_naissance").focus_control()
        await pilot.pause()
        await pilot.press(*"15031999")
        await pilot.pause()
        date_line = form.row("date_naissance").query_one(MessageLine)
        assert date_line.text == "lundi 15 mars 1999"
        form.row("nir").focus_control()
        await pilot.pause()
        await pilot.press(*CESP_NIR)
        await pilot.pause()
        nir_line = form.row("nir").query_one(MessageLine)
        assert nir_line.text.startswith("✓ Clé correcte")
        assert nir_line.size.height == 1
    app = form_app("coordonnees_bancaires")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("iban").focus_control()
        await pilot.pause()
        await pilot.press(*CESP_IBAN)
        await pilot.pause()
        assert "IBAN valide" in form.row("iban").query_one(MessageLine).text


async def test_the_list_and_the_lines_follow_the_text_in_the_key_s_own_frame() -> None:
    """What a key changes is there when the key has been handled, before any message
    goes round the app's queue: the frame that shows the new text shows the new list and
    the new line under the field with it (they came one frame later, after
    `Input.Changed`, 20 to 40 ms more per key through a terminal: ADR 0024)."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        form = app.query_one(TabForm)
        select.input.insert_text_at_cursor("haute-v")  # as a key does, no pause after
        assert [hit.value for hit in select.hits] == ["87"]
        assert select.highlighted_hit is not None and select.is_open

        form.row("date_naissance").focus_control()
        await pilot.pause()
        date = form.row("date_naissance").control_widget
        assert isinstance(date, CheckedInput)
        date.input.insert_text_at_cursor("15031999")
        assert date.message_line.text == "lundi 15 mars 1999"


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
