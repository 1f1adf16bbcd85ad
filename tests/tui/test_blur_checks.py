"""Issue 13, property 3: a postal code or a phone number is checked on leaving the field
(the problem under it at once, not at the next save), and the message goes as soon as
the value is fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from tests.support.dossiers import complete_cesp_values
from tests.support.tui import run_app
from tests.tui.keywalk import form_of, new_dossier_app, press, settle

SIZE = (80, 24)


def _error_text(app, field: str) -> str:
    row = form_of(app).row(field)
    line = row.query_one(".field-error", Static)
    return str(line.render()) if line.display and line.has_class("-visible") else ""


@pytest.mark.parametrize(
    ("field", "bad", "good"),
    [("code_postal", "7500", "75011"), ("telephone", "0612", "0612345678")],
)
async def test_a_wrong_value_is_shown_on_leaving_the_field_and_goes_once_fixed(
    field: str, bad: str, good: str, tmp_path: Path
) -> None:
    adresse = dict(complete_cesp_values()["adresse"])
    adresse[field] = None
    app = new_dossier_app(tmp_path, "cesp", "adresse", data={"adresse": adresse}, field=field)
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
