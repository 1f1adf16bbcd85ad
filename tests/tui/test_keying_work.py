"""What a key asks of Textual beyond a repaint, counted (never timed): restyles, layouts,
renders and frames that `bench/bench_tui_keying.py` showed on the keys of a dossier
(ADR 0011, "Update (session 11)").

- A character typed in a list field narrows the list at once, from the input's value
  watcher: the character and the new hits are painted in one frame, not two.
- A radio set gaining or losing the focus restyles the button under its cursor only.
- A list shown again is laid out once (its scrollbar asks for no second layout).
- A list shown is painted by the frame of its layout, and by no frame after it.
- Enter in a list field: the pick is applied by the form at once, and the list's closing,
  the move and the next list's opening are one layout.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import OptionList, RadioButton

from cesp_core.demarches import CESP
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.steady import SteadyRadioSet
from cesp_tui.widgets.tab_form import TabForm
from tests.tui.apps.harness import HarnessApp
from tests.tui.counting import calls_of
from tests.tui.test_no_relayout import arrive_at_the_departement, laid_out
from tests.tui.test_tab_form import SIZE, changes, form_app


async def cursor_in(pilot: Pilot[Any], field: str) -> TabForm:
    """The form of the harness, with the cursor in ``field``."""
    form = pilot.app.query_one(TabForm)
    form.row(field).focus_control()
    await pilot.pause()
    return form


async def test_the_list_follows_the_text_without_waiting_for_a_message() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        # No await between the change and the look: nothing else has run.
        select.input.insert_text_at_cursor("haute-v")
        assert [hit.value for hit in select.hits] == ["87"]
        assert select.highlighted_hit is not None and select.is_open
        select.input.value = "xyz"
        assert select.hits == [] and select.is_open
        await pilot.pause()
        assert select.value is None


async def test_a_value_set_by_the_program_is_not_taken_for_typing() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        select.value = "87"
        assert select.value == "87" and select.input.value == "87 - Haute-Vienne"
        await pilot.pause()
        assert select.value == "87"


@pytest.fixture
def restyled(monkeypatch: pytest.MonkeyPatch) -> list[DOMNode]:
    nodes: list[DOMNode] = []
    original = Stylesheet.update_nodes

    def counted(self: Stylesheet, nodes_: Iterable[DOMNode], animate: bool = False) -> None:
        batch = list(nodes_)
        nodes.extend(batch)
        original(self, batch, animate)

    monkeypatch.setattr(Stylesheet, "update_nodes", counted)
    return nodes


async def test_a_radio_set_restyles_the_button_under_its_cursor_only(
    restyled: list[DOMNode],
) -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = await cursor_in(pilot, "nom_naissance")
        radio = form.row("civilite").control_widget
        assert isinstance(radio, SteadyRadioSet)
        restyled.clear()
        await pilot.press("shift+tab")  # into "Civilité"
        await pilot.pause()
        assert radio.has_focus
        into = [node for node in restyled if node is radio or node.parent is radio]
        restyled.clear()
        await pilot.press("tab")  # out of it
        await pilot.pause()
        out_of = [node for node in restyled if node is radio or node.parent is radio]
    assert len(into) == 1 and isinstance(into[0], RadioButton), into
    assert len(out_of) == 1 and out_of[0] is into[0], out_of


async def test_a_list_shown_again_is_laid_out_once(layouts: list[Screen[Any]]) -> None:
    """Its scrollbar, shown again with it, asks for no second layout."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        select = await arrive_at_the_departement(pilot)
        hit_list = select.query_one(OptionList)
        await laid_out(pilot, lambda: hit_list.size.height == 8)
        await pilot.press("shift+tab")
        await laid_out(pilot, lambda: not select.is_open and not layouts[-1]._layout_required)
        assert not select.is_open
        layouts.clear()
        await pilot.press("tab")  # back into the department: the list shows again
        await laid_out(pilot, lambda: bool(layouts))
        await pilot.pause(0.1)
        assert select.is_open and isinstance(select, FilterSelect)
        assert len(layouts) == 1


async def test_a_list_shown_is_painted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`OptionList` measured its options while rendering: the scrollbar got its sizes
    then, and the list and its scrollbar, marked for a repaint, were painted again in a
    frame of their own. The line map is built with the options now."""
    renders = calls_of(monkeypatch, OptionList, "render_lines")
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = await cursor_in(pilot, "date_naissance")
        select = form.row("departement_naissance").control_widget
        assert isinstance(select, FilterSelect)
        renders.clear()
        await pilot.press("tab", "tab")  # past "né(e) à l'étranger", into the department
        hit_list = select.query_one(OptionList)
        await laid_out(pilot, lambda: select.is_open and hit_list.size.height == 8)
        await pilot.pause(0.1)
        bar = hit_list.vertical_scrollbar
        assert (bar.window_virtual_size, bar.window_size) == (30, 8)  # the thumb's sizes
    assert renders == [hit_list]


async def test_enter_in_a_list_is_one_layout_to_the_next_list(
    layouts: list[Screen[Any]],
) -> None:
    """Enter picks the department: the form applies it at once (the list's own `Changed`,
    coming round later, finds it done), the commune list opens in the move, and the
    department's list closes with it."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        select = await arrive_at_the_departement(pilot)
        communes = form.row("commune_naissance").control_widget
        assert isinstance(communes, FilterSelect)
        await pilot.press("8", "7")
        await pilot.pause()
        assert select.highlighted_hit is not None and select.highlighted_hit.value == "87"
        layouts.clear()
        await pilot.press("enter")
        await laid_out(pilot, lambda: communes.is_open and not layouts[-1]._layout_required)
        await pilot.pause(0.1)
        assert app.focused is communes.input and communes.is_open
        assert not select.is_open and select.value == "87"
        assert communes.departement == "87"  # the form applied the pick before the move
        assert {hit.value[:2] for hit in communes.hits} == {"87"}
        assert len(layouts) == 1, layouts
        assert [c for c in changes(app) if c[1] == "departement_naissance"] == [
            ("etat_civil", "departement_naissance", "87")
        ]


async def test_tab_moves_between_fields_without_the_screen_s_focus_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Tab and Shift+Tab go from row to row in the form's order (hidden rows passed
    over) without Textual's walk of the screen; past the last field, the screen's own
    chain takes over (the harness's input after the form)."""
    walks: list[Screen[Any]] = []
    original = Screen.focus_chain

    def counted(self: Screen[Any]) -> list[Any]:
        walks.append(self)
        return original.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(Screen, "focus_chain", property(counted))
    app = HarnessApp(lambda: [TabForm(CESP, "etat_civil", {}, id="form")], after=True)
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("date_naissance").focus_control()
        await pilot.pause()
        walks.clear()
        await pilot.press("tab")
        assert form.row("ne_a_l_etranger").control_widget.has_focus
        await pilot.press("tab")
        assert form.row("departement_naissance").has_focus_within
        await pilot.press("tab", "tab")  # "Pays de naissance" is hidden: passed over
        assert form.row("nationalite_francaise").control_widget.has_focus
        await pilot.press("shift+tab")
        assert form.row("commune_naissance").has_focus_within
        assert walks == []
        form.row("nir").focus_control()
        await pilot.pause()
        await pilot.press("tab")
        assert app.focused is app.query_one("#after")
