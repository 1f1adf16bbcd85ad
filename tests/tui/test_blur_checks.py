"""Issue 13, property 3: a field of a fixed format (postal code, phone, e-mail, FINESS,
RPPS, BIC, a number in a range) is checked on leaving it (the problem under it at once,
not at the next save: an RPPS with a wrong key only said "✗ Erreurs" at the save), and
the message goes as soon as the value is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.support.dossiers import complete_asp_values, complete_cesp_values
from tests.support.tui import run_app
from tests.tui.keywalk import form_of, new_dossier_app, press, settle

SIZE = (80, 24)


def _error_text(app, field: str) -> str:
    row = form_of(app).row(field)
    line = row.query_one(".field-error", Static)
    return str(line.render()) if line.display and line.has_class("-visible") else ""


CASES = {
    "code_postal": ("cesp", "adresse", "7500", "75011"),
    "telephone": ("cesp", "adresse", "0612", "0612345678"),
    "email": ("cesp", "adresse", "lea@", "lea@example.org"),
    "bic": ("cesp", "coordonnees_bancaires", "BNPAFRP", "BNPAFRPP"),
    "rpps": ("asp", "candidat", "10000001016", "10000000009"),
    "etab_partenaire_finess": ("asp", "identification", "950110016", "950110015"),
}


@pytest.mark.parametrize("field", list(CASES))
async def test_a_wrong_value_is_shown_on_leaving_the_field_and_goes_once_fixed(
    field: str, tmp_path: Path
) -> None:
    demarche, tab, bad, good = CASES[field]
    data = complete_cesp_values() if demarche == "cesp" else complete_asp_values()
    values = dict(data[tab])
    values[field] = None
    if field == "rpps":
        values["inscrit_ordre"] = True  # the RPPS is asked of a registered candidate
    data[tab] = values
    app = new_dossier_app(tmp_path, demarche, tab, data=data, field=field)
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        row = form_of(app).row(field)
        control = row.control_widget
        assert isinstance(control, Input)
        control.focus()
        await pilot.pause()
        control.value = bad
        await pilot.pause()
        assert _error_text(app, field) == ""  # not while typing
        await press(app, "tab")
        await settle(app, pilot)
        assert row.problem is not None
        assert _error_text(app, field) == row.problem
        control.focus()
        await pilot.pause()
        control.value = good
        await pilot.pause()
        assert row.problem is None
        assert _error_text(app, field) == ""
        await press(app, "tab")
        await settle(app, pilot)
        assert row.problem is None
