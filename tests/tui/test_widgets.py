"""Pilot tests of the reusable widgets: filtered selects, NIR, IBAN, date, header, status."""

from __future__ import annotations

from textual.widgets import OptionList

from cesp_core.demarches import CESP
from cesp_core.demarches.rules import TabState
from cesp_core.referentials import communes_by_code
from cesp_core.text import normalize
from cesp_core.validators.nir import validate_nir
from cesp_tui.widgets.date_input import DateInput
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.iban_input import IbanInput
from cesp_tui.widgets.nir_input import NirInput
from cesp_tui.widgets.status_line import StatusLine, pending_text
from cesp_tui.widgets.tab_header import TabHeader
from tests.support.widget_harness import HarnessApp

SIZE = (80, 24)


def changed_values(app: HarnessApp, kind: type) -> list[object]:
    return [m.value for m in app.of_type(kind)]  # type: ignore[attr-defined]


# --- FilterSelect ------------------------------------------------------------------------


async def test_departement_087_finds_haute_vienne_and_enter_picks_it() -> None:
    app = HarnessApp(lambda: [FilterSelect("departement", id="dep")])
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#dep", FilterSelect)
        select.focus()
        await pilot.press("0", "8", "7")
        assert select.is_open
        assert select.hits[0].value == "87"
        assert select.hits[0].label == "87 - Haute-Vienne"
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == "87"
        assert select.input.value == "87 - Haute-Vienne"
        assert not select.is_open
        assert changed_values(app, FilterSelect.Changed) == ["87"]


async def test_commune_list_restricted_to_87_filters_by_first_letter() -> None:
    app = HarnessApp(lambda: [FilterSelect("commune", departement="87", id="commune")])
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#commune", FilterSelect)
        select.focus()
        await pilot.press("L")
        hits = select.hits
        assert 8 < len(hits) <= select.limit
        keys = []
        for hit in hits:
            commune = communes_by_code(hit.value)[0]
            assert commune.departement == "87"
            keys.append(normalize(commune.nom))
        # Names starting with L first (alphabetically), then names with a word starting
        # with L ("Arnac-la-Poste").
        starting = [key for key in keys if key.startswith("l")]
        assert len(starting) > 8
        assert keys[: len(starting)] == sorted(starting)
        assert all(key.startswith("l") or " l" in key for key in keys)
        assert "limoges" in starting
        # At most 8 rows are shown; the list scrolls for the rest.
        assert select.query_one(OptionList).outer_size.height <= 8
        await pilot.press("down", "down")
        assert select.highlighted_hit == hits[2]
        await pilot.press("up")
        assert select.highlighted_hit == hits[1]
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == hits[1].value
        assert select.input.value == f"{communes_by_code(hits[1].value)[0].nom} (87)"


async def test_typing_limoges_in_87_and_escape_closes_the_list() -> None:
    app = HarnessApp(lambda: [FilterSelect("commune", departement="87", id="commune")])
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#commune", FilterSelect)
        select.focus()
        await pilot.press(*"limog")
        assert select.hits[0].value == "87085"
        await pilot.press("escape")
        assert not select.is_open
        assert select.value is None
        await pilot.press("down")  # reopens
        assert select.is_open
        await pilot.press("enter")
        await pilot.pause()
        assert select.value == "87085"
        assert select.input.value == "Limoges (87)"


async def test_value_set_programmatically_shows_its_label() -> None:
    app = HarnessApp(
        lambda: [
            FilterSelect("pays", value="FR", id="pays"),
            FilterSelect("commune", value="87085", id="commune"),
        ]
    )
    async with app.run_test(size=SIZE) as pilot:
        pays = app.query_one("#pays", FilterSelect)
        assert pays.input.value == "France"
        pays.value = "DE"
        await pilot.pause()
        assert pays.input.value == "Allemagne"
        assert pays.value == "DE"
        assert app.query_one("#commune", FilterSelect).input.value == "Limoges (87)"


async def test_editing_the_text_clears_the_value_and_leaving_with_one_hit_picks_it() -> None:
    app = HarnessApp(lambda: [FilterSelect("departement", value="87", id="dep")])
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#dep", FilterSelect)
        select.focus()  # the whole label is selected: typing replaces it
        await pilot.press("2", "a")
        assert select.value is None
        await pilot.press("tab")
        await pilot.pause()
        assert select.value == "2A"
        assert select.input.value == "2A - Corse-du-Sud"
        assert changed_values(app, FilterSelect.Changed) == [None, "2A"]


async def test_a_new_department_clears_a_commune_outside_it() -> None:
    app = HarnessApp(
        lambda: [FilterSelect("commune", value="87085", departement="87", id="commune")]
    )
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#commune", FilterSelect)
        select.set_restriction(departement="87")
        await pilot.pause()
        assert select.value == "87085"
        select.set_restriction(departement="23")
        await pilot.pause()
        assert select.value is None
        assert select.input.value == ""


async def test_choice_list_filters_its_choices() -> None:
    field = CESP.tab("etudes").field("niveau")
    app = HarnessApp(lambda: [FilterSelect("choice", choices=field.choices, id="niveau")])
    async with app.run_test(size=SIZE) as pilot:
        select = app.query_one("#niveau", FilterSelect)
        select.focus()
        await pilot.press("d", "f", "a", "s", "o")
        assert [hit.value for hit in select.hits] == ["DFASO1", "DFASO2"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert select.value == "DFASO2"


# --- NirInput ----------------------------------------------------------------------------


async def test_nir_is_grouped_as_insee_prints_it_and_checked_at_15_characters() -> None:
    app = HarnessApp(lambda: [NirInput(id="nir")])
    async with app.run_test(size=SIZE) as pilot:
        nir = app.query_one("#nir", NirInput)
        nir.focus()
        await pilot.press(*"19903870851231")
        assert nir.formatted == "1 99 03 87 085 123 1"
        assert nir.live_message is None  # not yet 15 characters
        await pilot.press("9")
        assert nir.formatted == "1 99 03 87 085 123 19"
        assert nir.value == "199038708512319"
        assert nir.live_message is None
        message = nir.query_one(".nir-message")
        assert "Clé correcte" in str(message.render())
        assert nir.input.cursor_position == len(nir.formatted)
        await pilot.press("backspace", "8")
        assert nir.value == "199038708512318"
        assert nir.live_message == validate_nir("199038708512318")
        assert "clé" in (nir.live_message or "")
        assert changed_values(app, NirInput.Changed)[-1] == "199038708512318"


async def test_nir_keeps_the_cursor_and_accepts_2a_only_for_corsica() -> None:
    app = HarnessApp(lambda: [NirInput(id="nir")])
    async with app.run_test(size=SIZE) as pilot:
        nir = app.query_one("#nir", NirInput)
        nir.focus()
        await pilot.press("1", "9", "9", "a")  # a letter is refused here
        assert nir.formatted == "1 99"
        await pilot.press("0", "3", "2", "a", "0", "0", "4")
        assert nir.formatted == "1 99 03 2A 004"
        # Backspace right after a group separator removes the digit before it.
        await pilot.press("left", "left", "left", "backspace")
        assert nir.value == "199032004"
        assert nir.formatted == "1 99 03 20 04"
        assert nir.input.cursor_position == len("1 99 03 2")


async def test_nir_typed_with_separators_is_regrouped() -> None:
    app = HarnessApp(lambda: [NirInput(id="nir")])
    async with app.run_test(size=SIZE) as pilot:
        nir = app.query_one("#nir", NirInput)
        nir.focus()
        await pilot.press(*"1.99-03 87")
        assert nir.formatted == "1 99 03 87"
        nir.value = "199038708512319"
        await pilot.pause()
        assert nir.formatted == "1 99 03 87 085 123 19"


# --- IbanInput ---------------------------------------------------------------------------


async def test_iban_grouped_by_4_with_derived_bic_and_bank() -> None:
    app = HarnessApp(lambda: [IbanInput(id="iban")])
    async with app.run_test(size=SIZE) as pilot:
        iban = app.query_one("#iban", IbanInput)
        iban.focus()
        await pilot.press(*"fr76300060000112345678901")
        assert iban.formatted == "FR76 3000 6000 0112 3456 7890 1"
        assert not app.of_type(IbanInput.Derived)
        await pilot.press("8", "9")
        await pilot.pause()
        assert iban.formatted == "FR76 3000 6000 0112 3456 7890 189"
        assert iban.value == "FR7630006000011234567890189"
        derived = app.of_type(IbanInput.Derived)
        assert len(derived) == 1
        assert derived[0].bic == "AGRIFRPPXXX"  # type: ignore[attr-defined]
        assert derived[0].bank_name == "CREDIT AGRICOLE SA"  # type: ignore[attr-defined]
        assert "AGRIFRPPXXX" in str(iban.query_one(".iban-message").render())


async def test_iban_with_a_wrong_key_says_so_when_complete() -> None:
    app = HarnessApp(lambda: [IbanInput(id="iban")])
    async with app.run_test(size=SIZE) as pilot:
        iban = app.query_one("#iban", IbanInput)
        iban.focus()
        await pilot.press(*"FR7630006000011234567890188")
        assert iban.live_message is not None
        assert "clé" in iban.live_message.lower() or "contrôle" in iban.live_message.lower()
        assert not app.of_type(IbanInput.Derived)


# --- DateInput ---------------------------------------------------------------------------


async def test_date_typed_as_8_digits_gets_its_slashes() -> None:
    app = HarnessApp(lambda: [DateInput(id="date")])
    async with app.run_test(size=SIZE) as pilot:
        date_input = app.query_one("#date", DateInput)
        date_input.focus()
        await pilot.press("1", "4", "0")
        assert date_input.text == "14/0"
        assert date_input.value is None
        await pilot.press(*"31999")
        assert date_input.text == "14/03/1999"
        assert date_input.value == "1999-03-14"
        assert "dimanche 14 mars 1999" in str(date_input.query_one(".date-message").render())
        last = app.of_type(DateInput.Changed)[-1]
        assert last.value == "1999-03-14"  # type: ignore[attr-defined]


async def test_date_typed_with_slashes_and_a_day_that_does_not_exist() -> None:
    app = HarnessApp(lambda: [DateInput(id="date")])
    async with app.run_test(size=SIZE) as pilot:
        date_input = app.query_one("#date", DateInput)
        date_input.focus()
        await pilot.press(*"31/02/1999")
        assert date_input.text == "31/02/1999"
        assert date_input.value is None
        assert date_input.live_message is not None
        assert "n'existe pas" in date_input.live_message
        date_input.value = "2001-12-25"
        await pilot.pause()
        assert date_input.text == "25/12/2001"
        assert date_input.value == "2001-12-25"


# --- TabHeader and StatusLine --------------------------------------------------------------


async def test_tab_header_shows_numbers_states_and_fits_80_columns() -> None:
    states = {"etat_civil": TabState.COMPLET, "adresse": TabState.ERREURS}
    app = HarnessApp(lambda: [TabHeader(CESP, states=states, current="adresse", id="tabs")])
    async with app.run_test(size=SIZE) as pilot:
        header = app.query_one("#tabs", TabHeader)
        cells = list(header.query(".tab-cell"))
        assert len(cells) == len(CESP.tabs)
        assert sum(cell.outer_size.width for cell in cells) <= 80
        first = str(cells[0].render())
        # At 80 columns the number alone ("Alt+" when there is room, ADR 0033).
        assert first.startswith("1 État civil")
        assert header.key_for("etat_civil") == "Alt+1"
        assert "✓ Complet" in first
        assert cells[1].has_class("-current", "-erreurs")
        assert header.state_text("etudes") == ""
        header.set_state("etudes", TabState.INCOMPLET)
        header.current = "etudes"
        await pilot.pause()
        assert "… Incomplet" in str(cells[2].render())
        assert cells[2].has_class("-current") and not cells[1].has_class("-current")
        await pilot.click("#tab-synthese")
        assert app.of_type(TabHeader.TabSelected)[-1].tab == "synthese"  # type: ignore[attr-defined]


async def test_status_line_online_pending_and_loud_errors() -> None:
    assert pending_text(0) == "tout est envoyé"
    assert pending_text(1) == "1 modification en attente"
    assert pending_text(3) == "3 modifications en attente"
    app = HarnessApp(lambda: [StatusLine(id="status")], after=False)
    async with app.run_test(size=SIZE) as pilot:
        status = app.query_one("#status", StatusLine)
        assert "connexion" in str(status.query_one(".status-connection").render())
        status.online = False
        status.pending = 3
        await pilot.pause()
        assert "hors ligne" in str(status.query_one(".status-connection").render())
        assert "3 modifications en attente" in str(status.query_one(".status-pending").render())
        status.show_message("Enregistrement refusé par le serveur.", error=True)
        await pilot.pause()
        message = status.query_one(".status-message")
        assert message.has_class("-error")
        status.show_message("Onglet enregistré.", timeout=0.05)
        await pilot.pause(0.2)
        assert not message.has_class("-error")
        assert status.message == ""
