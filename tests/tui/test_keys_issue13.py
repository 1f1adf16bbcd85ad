"""Issue 13: the defects it lists, one test each. A test marked ``xfail(strict=True)``
fails on today's code; it turns into a failure the day the behaviour is fixed (then the
fixer removes the mark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from cesp_core.demarches import CESP
from cesp_tui.app import CespApp
from tests.support.dossiers import complete_asp_values
from tests.support.tui import new_local_dossier, run_app, tui_app
from tests.tui.keywalk import (
    dossier_screen,
    dossier_values,
    field_of,
    focus_problem,
    form_of,
    freeze_cursors,
    layout_problems,
    new_dossier_app,
    press,
    settle,
    visible_box,
)

SIZE = (80, 24)


async def _opened(app: CespApp, pilot: Any) -> None:
    await settle(app, pilot)
    freeze_cursors(app)


# --- a digit on a radio row -------------------------------------------------------------------


async def test_a_digit_on_a_radio_row_changes_nothing(tmp_path: Path) -> None:
    app = new_dossier_app(tmp_path, "cesp", "etat_civil", field="civilite")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        assert field_of(app.focused) == "civilite"
        before = dossier_values(app)
        await press(app, "5")
        await settle(app, pilot)
        assert dossier_screen(app).current_tab == "etat_civil"
        assert field_of(app.focused) == "civilite"
        await press(app, "x")  # the next key does not replace anything either
        await settle(app, pilot)
        assert dossier_values(app) == before


async def test_a_digit_in_a_text_field_is_typed_there(tmp_path: Path) -> None:
    """The guard beside it: digits are characters where a field takes text."""
    app = new_dossier_app(tmp_path, "cesp", "adresse", field="adresse")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        for key in "12":
            await press(app, key)
        await settle(app, pilot)
        assert dossier_screen(app).current_tab == "adresse"
        assert dossier_screen(app).data["adresse"]["adresse"] == "12"


# --- letters and spaces on a radio row ------------------------------------------------------


def _situation(app: CespApp) -> Any:
    return dossier_screen(app).data.get("volet_social", {}).get("situation_familiale")


async def test_spaces_after_a_letter_keep_the_option_picked(tmp_path: Path) -> None:
    """Space selects the option under the highlight; a letter moves both."""
    app = new_dossier_app(tmp_path, "cesp", "volet_social", field="situation_familiale")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        await press(app, "v")  # "Veuf ou veuve"
        await settle(app, pilot)
        assert _situation(app) == "veuf"
        for _ in range(3):
            await press(app, "space")
            await settle(app, pilot)
            assert _situation(app) == "veuf"


@pytest.mark.parametrize(
    ("field", "keys"),
    [
        pytest.param("situation_familiale", [], id="opened-on-it"),
        pytest.param("enfants_a_charge", ["shift+tab"], id="back-to-it"),
    ],
)
async def test_spaces_on_a_saved_situation_familiale_keep_it(
    field: str, keys: list[str], tmp_path: Path
) -> None:
    """A dossier that says "Veuf ou veuve": Space on the row (the option picked is the
    one under the highlight) does not make it "Célibataire"."""
    data = {"volet_social": {"situation_familiale": "veuf"}}
    app = new_dossier_app(tmp_path, "cesp", "volet_social", data=data, field=field)
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        for key in keys:
            await press(app, key)
        await settle(app, pilot)
        assert field_of(app.focused) == "situation_familiale"
        for _ in range(2):
            await press(app, "space")
            await settle(app, pilot)
            assert _situation(app) == "veuf"


async def test_a_letter_jumps_only_to_an_option_whose_label_starts_with_it(
    tmp_path: Path,
) -> None:
    app = new_dossier_app(tmp_path, "cesp", "volet_social", field="situation_familiale")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        await press(app, "c")
        await settle(app, pilot)
        assert _situation(app) == "celibataire"
        await press(app, "c")  # "Célibataire" is the only label beginning with C
        await settle(app, pilot)
        assert _situation(app) == "celibataire"


async def test_a_letter_picks_the_option_whose_label_starts_with_it(tmp_path: Path) -> None:
    """The guard beside it: "m" is "Marié(e)…" (value ``couple``), "s" "Séparé(e)…"."""
    app = new_dossier_app(tmp_path, "cesp", "volet_social", field="situation_familiale")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        await press(app, "m")
        await settle(app, pilot)
        assert _situation(app) == "couple"
        await press(app, "s")
        await settle(app, pilot)
        assert _situation(app) == "separe"
        assert field_of(app.focused) == "situation_familiale"


# --- horizontal radio rows at 80 columns ------------------------------------------------------

RADIO_ROWS = [
    ("cesp", "volet_social", "situation_familiale", {}),
    ("cesp", "etudes", "statut_padhue", {"etudes": {"filiere": "medecine", "niveau": "PADHUE"}}),
    ("asp", "perspectives", "poste_perenne", {}),
    ("asp", "perspectives", "etablissement_poste", {}),
]


@pytest.mark.parametrize(
    ("demarche", "tab", "field", "data"),
    [pytest.param(*row, id=f"{row[0]}.{row[2]}") for row in RADIO_ROWS],
)
async def test_every_option_of_a_radio_row_is_on_screen_at_80_columns(
    demarche: str, tab: str, field: str, data: dict[str, Any], tmp_path: Path
) -> None:
    saved = ["identification"] if demarche == "asp" else []
    app = new_dossier_app(tmp_path, demarche, tab, data=data, saved=saved, field=field)
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        row = form_of(app).row(field)
        labels = [c.label for c in row.field.choices]
        shown = [str(b.label) for b in row.query("RadioButton")]
        assert shown == labels
        assert layout_problems(row) == []
        assert focus_problem(app) is None


# --- ASP "Candidat": the RPPS -----------------------------------------------------------------


def _asp_candidat(tmp_path: Path, candidat: dict[str, Any], field: str) -> CespApp:
    values = complete_asp_values()
    return new_dossier_app(
        tmp_path,
        "asp",
        "candidat",
        data={"identification": values["identification"], "candidat": candidat},
        saved=["identification"],
        field=field,
    )


async def test_after_ticking_the_ordre_box_tab_shows_the_rpps(tmp_path: Path) -> None:
    candidat = {k: v for k, v in complete_asp_values()["candidat"].items() if k != "inscrit_ordre"}
    candidat.pop("rpps", None)
    candidat.pop("date_previsionnelle_inscription", None)
    app = _asp_candidat(tmp_path, candidat, "inscrit_ordre")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        assert field_of(app.focused) == "inscrit_ordre"
        await press(app, "space")
        await press(app, "tab")
        await settle(app, pilot)
        await pilot.pause()
        assert field_of(app.focused) == "rpps"
        assert focus_problem(app) is None


RPPS_MESSAGE = "Le dernier chiffre du n° RPPS (la clé)"


async def test_the_rpps_message_is_on_screen_after_ctrl_s(tmp_path: Path) -> None:
    candidat = dict(complete_asp_values()["candidat"])
    candidat.update(inscrit_ordre=True, rpps="10000001016")
    candidat.pop("date_previsionnelle_inscription", None)
    app = _asp_candidat(tmp_path, candidat, "nom")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        await press(app, "ctrl+s")
        await settle(app, pilot)
        await pilot.pause()
        shown = [
            widget
            for widget in app.screen.query(Static)
            if RPPS_MESSAGE in str(widget.render()) and widget.region.area
        ]
        assert shown, "the message is nowhere on the screen"
        for widget in shown:
            box = visible_box(widget)
            assert box.intersection(widget.region) == widget.region, (widget.region, box)


# --- Études: the levels of the filière --------------------------------------------------------

LEVELS = {
    "medecine": {"DFASM1", "DFASM2", "DFASM3", "3e cycle", "PADHUE"},
    "odontologie": {"DFASO1", "DFASO2", "TCCEO1", "3e cycle", "PADHUE"},
}


@pytest.mark.parametrize("filiere", sorted(LEVELS))
async def test_niveau_offers_only_the_levels_of_the_filiere(filiere: str, tmp_path: Path) -> None:
    data = {"etudes": {"filiere": filiere}}
    app = new_dossier_app(tmp_path, "cesp", "etudes", data=data, field="niveau")
    async with run_app(app, size=SIZE) as pilot:
        await _opened(app, pilot)
        control = form_of(app).row("niveau").control_widget
        offered = {hit.label for hit in control.hits}
        assert offered == LEVELS[filiere]
        assert CESP.tab("etudes").field("niveau").choices  # (the démarche lists them all)


# --- Ctrl+P while the first dossier opens -------------------------------------------------------


async def test_ctrl_p_while_the_first_dossier_opens_then_again(tmp_path: Path) -> None:
    """A first login opens its dossier from "Mes demandes" at once
    (`HomeScreen.open_dossier`): Ctrl+P pressed on "Mes demandes" just before, then
    again on the dossier, must not crash the client."""
    dossier_id = new_local_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat")  # "Mes demandes" first
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        home = app.screen
        await press(app, "ctrl+p")
        home.open_dossier(dossier_id)  # type: ignore[attr-defined]
        await settle(app, pilot)
        await press(app, "ctrl+p")
        await settle(app, pilot)
        assert dossier_screen(app) is not None
