"""Pilot tests of `TabForm`: fields from the démarche, live visibility, focus, problems."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, Input, Label, RadioSet, Static, TextArea

from cesp_core.demarches import CESP
from cesp_core.demarches.rules import tab_problems
from cesp_core.problems import Problem
from cesp_tui.widgets.date_input import DateInput
from cesp_tui.widgets.field_row import FieldRow
from cesp_tui.widgets.filter_select import FilterSelect
from cesp_tui.widgets.iban_input import IbanInput
from cesp_tui.widgets.nir_input import NirInput
from cesp_tui.widgets.tab_form import TabForm
from tests.support.widget_harness import HarnessApp

SIZE = (80, 24)


def form_app(tab: str, values: dict | None = None) -> HarnessApp:
    return HarnessApp(lambda: [TabForm(CESP, tab, values or {}, id="form")], after=False)


def changes(app: HarnessApp) -> list[tuple[str, str, object]]:
    return [(m.tab, m.field, m.value) for m in app.of_type(TabForm.FieldChanged)]  # type: ignore[attr-defined]


async def test_rows_follow_the_demarche_and_the_control_suits_the_type() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE):
        form = app.query_one(TabForm)
        assert [row.key for row in form.rows] == [f.key for f in CESP.tab("etat_civil").fields]
        assert isinstance(form.row("civilite").control_widget, RadioSet)  # 2 choices
        assert isinstance(form.row("nom_naissance").control_widget, Input)
        assert isinstance(form.row("date_naissance").control_widget, DateInput)
        assert isinstance(form.row("departement_naissance").control_widget, FilterSelect)
        assert isinstance(form.row("ne_a_l_etranger").control_widget, Checkbox)
        assert isinstance(form.row("nir").control_widget, NirInput)
        assert form.row("nom_naissance").label_text == "Nom de naissance *"
        assert form.row("nom_usage").label_text == "Nom d'usage"
        # Defaults show: "Nationalité française" is ticked, so its country is hidden.
        assert form.row("nationalite_francaise").control_widget.value is True  # type: ignore[attr-defined]
        assert not form.row("pays_nationalite").display
        assert not form.row("pays_naissance").display


async def test_enter_moves_to_the_next_visible_field_and_changes_are_reported() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("nom_naissance").focus_control()
        await pilot.press(*"Dupont", "enter")
        assert app.focused is form.row("nom_usage").control_widget
        await pilot.press("enter", *"Jean", "enter")
        assert app.focused is form.row("date_naissance").control_widget.input  # type: ignore[attr-defined]
        await pilot.press(*"14031999", "enter")
        assert app.focused is form.row("ne_a_l_etranger").control_widget
        await pilot.pause()
        assert form.values() == {
            "nom_naissance": "Dupont",
            "prenoms": "Jean",
            "date_naissance": "1999-03-14",
        }
        assert ("etat_civil", "nom_naissance", "Dupont") in changes(app)
        assert ("etat_civil", "nom_naissance", "D") in changes(app)  # every keystroke
        assert changes(app)[-1] == ("etat_civil", "date_naissance", "1999-03-14")


async def test_unticking_nationalite_francaise_shows_pays_de_nationalite() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        row = form.row("pays_nationalite")
        assert not row.display
        form.row("nationalite_francaise").focus_control()
        await pilot.press("space")
        await pilot.pause()
        assert row.display
        assert ("etat_civil", "nationalite_francaise", False) in changes(app)
        # Tab goes to the newly shown field.
        await pilot.press("tab")
        assert app.focused is row.control_widget.input  # type: ignore[attr-defined]
        await pilot.press(*"allem", "enter")
        await pilot.pause()
        assert form.values()["pays_nationalite"] == "DE"
        assert app.focused is form.row("nir").control_widget.input  # type: ignore[attr-defined]


async def test_born_abroad_swaps_the_birthplace_fields() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        assert form.row("departement_naissance").display
        form.row("ne_a_l_etranger").focus_control()
        await pilot.press("enter")  # Enter ticks a box (it does not move on)
        await pilot.pause()
        assert not form.row("departement_naissance").display
        assert not form.row("commune_naissance").display
        assert form.row("pays_naissance").display


async def test_commune_list_follows_the_department_field() -> None:
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("departement_naissance").focus_control()
        await pilot.press("0", "8", "7", "enter")
        await pilot.pause()
        commune = form.row("commune_naissance").control_widget
        assert isinstance(commune, FilterSelect)
        assert commune.departement == "87"
        assert app.focused is commune.input
        await pilot.press("l")
        assert commune.hits and all(hit.label.endswith("(87)") for hit in commune.hits)
        await pilot.press(*"imo", "enter")
        await pilot.pause()
        assert form.values()["commune_naissance"] == "87085"
        # Another department: the commune no longer fits and is cleared.
        form.row("departement_naissance").focus_control()
        await pilot.press(*"23", "enter")
        await pilot.pause()
        assert commune.departement == "23"
        assert form.values()["commune_naissance"] is None


async def test_stored_values_show_without_being_rewritten() -> None:
    values = {"departement_naissance": "87", "commune_naissance": "87085", "nir": "199038708512319"}
    app = form_app("etat_civil", values)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        form = app.query_one(TabForm)
        commune = form.row("commune_naissance").control_widget
        assert isinstance(commune, FilterSelect)
        assert commune.input.value == "Limoges (87)"
        assert commune.departement == "87"
        assert form.row("nir").control_widget.formatted == "1 99 03 87 085 123 19"  # type: ignore[attr-defined]
        assert changes(app) == []


async def test_changing_niveau_swaps_the_etudes_fields() -> None:
    app = form_app("etudes", {"filiere": "medecine", "niveau": "DFASM2"})
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        assert form.row("universite").display
        assert not form.row("universite_3e_cycle").display
        niveau = form.row("niveau").control_widget
        assert isinstance(niveau, FilterSelect)  # 8 choices: a filtered list
        niveau.focus()
        await pilot.press(*"3e", "enter")
        await pilot.pause()
        assert form.values()["niveau"] == "3E_CYCLE"
        assert not form.row("universite").display
        for key in ("universite_3e_cycle", "subdivision", "des", "semestre"):
            assert form.row(key).display
        niveau.focus()
        await pilot.press(*"padhue", "enter")
        await pilot.pause()
        assert form.row("pays_diplome").display
        assert not form.row("subdivision").display


async def test_postal_code_restricts_and_fills_the_commune() -> None:
    app = form_app("adresse")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        form.row("code_postal").focus_control()
        await pilot.press(*"87000")
        await pilot.pause()
        commune = form.row("commune").control_widget
        assert isinstance(commune, FilterSelect)
        assert commune.postal_code == "87000"
        assert form.values()["commune"] == "87085"  # the only commune of 87000
        assert commune.input.value == "Limoges (87)"
        await pilot.press("enter")
        assert app.focused is commune.input


async def test_a_valid_iban_fills_the_bic_and_the_bank() -> None:
    app = form_app("coordonnees_bancaires")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        iban = form.row("iban").control_widget
        assert isinstance(iban, IbanInput)
        iban.focus()
        await pilot.press(*"FR7630004000031234567890143")
        await pilot.pause()
        assert form.values()["iban"] == "FR7630004000031234567890143"
        assert form.values()["bic"] == "BNPAFRPP"
        assert form.values()["domiciliation"] == "BNP PARIBAS"
        assert form.row("bic").control_widget.value == "BNPAFRPP"  # type: ignore[attr-defined]


async def test_problems_are_routed_to_their_fields_and_the_first_is_focused() -> None:
    values = {"nom_naissance": "Dupont", "date_naissance": "31/02/1999"}
    app = form_app("etat_civil", values)
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        problems = tab_problems(CESP, "etat_civil", form.data)
        problems.append(Problem("etat_civil", None, "Enregistrez d'abord l'onglet « X »."))
        shown = form.show_problems(problems, focus=True)
        await pilot.pause()
        assert shown == len(problems)
        assert form.row("civilite").problem == "Ce champ est obligatoire."
        assert form.row("civilite").has_class("-problem")
        assert "n'existe pas" in (form.row("date_naissance").problem or "")
        assert form.row("nom_naissance").problem is None
        assert form.row("pays_nationalite").problem is None  # hidden: not required
        banner = form.query_one(".tab-problems")
        assert banner.has_class("-visible")
        assert "Enregistrez d'abord" in str(banner.render())
        assert app.focused is form.row("civilite").control_widget
        # Typing in a field clears its message.
        form.row("prenoms").focus_control()
        await pilot.press("J")
        await pilot.pause()
        assert form.row("prenoms").problem is None
        assert form.row("civilite").problem == "Ce champ est obligatoire."
        form.clear_problems()
        assert not banner.has_class("-visible")


async def test_textarea_and_int_fields_of_volet_social() -> None:
    app = form_app("volet_social")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        assert isinstance(form.row("commentaire").control_widget, TextArea)
        assert not form.row("commentaire").is_single_line
        enfants = form.row("enfants_a_charge").control_widget
        assert isinstance(enfants, Input)
        enfants.focus()
        await pilot.press("x", "2")  # letters are refused
        await pilot.pause()
        assert form.values()["enfants_a_charge"] == "2"
        assert not form.row("echelon_bourse").display
        form.row("boursier").focus_control()
        await pilot.press("space")
        await pilot.pause()
        assert form.row("echelon_bourse").display
        row: FieldRow = form.row("commentaire")
        row.focus_control()
        await pilot.press(*"Deux enfants")
        await pilot.pause()
        assert form.values()["commentaire"] == "Deux enfants"


async def test_the_help_line_follows_the_focus() -> None:
    """The focused field's help in the band at the foot of the form, its label in bold;
    a field without help empties the band."""
    app = form_app("etat_civil")
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        band = form.query_one(".field-help", Static)

        def label_is_bold(key: str) -> bool:
            label = form.row(key).query_one(".field-label", Label)
            content = label.visual
            assert isinstance(content, Content)
            return any("bold" in str(span.style) for span in content.spans)

        form.row("nom_usage").focus_control()
        await pilot.pause()
        assert str(band.content) == CESP.tab("etat_civil").field("nom_usage").help
        assert label_is_bold("nom_usage") and not label_is_bold("prenoms")
        await pilot.press("enter")  # to "Prénoms"
        await pilot.pause()
        assert str(band.content) == CESP.tab("etat_civil").field("prenoms").help
        assert label_is_bold("prenoms") and not label_is_bold("nom_usage")
        form.row("nom_naissance").focus_control()  # no help
        await pilot.pause()
        assert str(band.content) == ""
        assert form.row("nom_naissance").region.height == 1  # no line opened under it


async def test_niveau_offers_only_the_levels_of_the_chosen_filiere() -> None:
    from cesp_core.demarches.cesp import NIVEAUX_PAR_FILIERE

    app = form_app("etudes", {"niveau": "DFASM2"})
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(TabForm)
        assert len(form.row("niveau").field.choices) == 8  # no filière yet: all
        form.set_value("filiere", "odontologie")
        await pilot.pause()
        offered = [c.value for c in form.row("niveau").field.choices]
        assert offered == list(NIVEAUX_PAR_FILIERE["odontologie"])
        assert form.row("niveau").value is None  # DFASM2 is not an odontology level
        assert ("etudes", "niveau", None) in changes(app)
        form.set_value("filiere", "medecine")
        await pilot.pause()
        row = form.row("niveau")
        assert [c.value for c in row.field.choices] == list(NIVEAUX_PAR_FILIERE["medecine"])
        control = row.control_widget
        assert isinstance(control, FilterSelect)  # the same kind of control
        assert [hit.value for hit in control.search("")] == list(NIVEAUX_PAR_FILIERE["medecine"])
        assert control.search("DFASO") == []
