"""Issue 14: one checked-input base (`cesp_tui.widgets.checked_input.CheckedInput`) under
the NIR, IBAN and date inputs: the validator of `cesp_core` says what is wrong on leaving
the field (not while typing an incomplete value), the message stays under the field until
the value is fixed and goes at once then; the value reported (and stored) is unchanged.
The lengths and checks come from `cesp_core`, not from the widgets."""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual import on
from textual.app import App, ComposeResult
from textual.widgets import Input

import cesp_tui
from cesp_core.validators.dates import validate_date
from cesp_core.validators.iban import MAX_IBAN_LENGTH, iban_length, validate_iban
from cesp_core.validators.nir import NIR_LENGTH, validate_nir
from cesp_core.validators.postal import validate_postal_code
from cesp_tui.widgets.checked_input import CheckedInput
from cesp_tui.widgets.date_input import DateInput
from cesp_tui.widgets.iban_input import IbanInput
from cesp_tui.widgets.message_line import MessageLine
from cesp_tui.widgets.nir_input import NirInput
from tests.support.tui import run_app
from tests.tui.keywalk import form_of, new_dossier_app, settle

SIZE = (80, 24)


class CheckedApp(App[None]):
    """One checked input, then an ordinary field to leave it for; records `Changed`."""

    CSS = "Screen { layout: vertical; } #after { height: 1; }"

    def __init__(self, build: Callable[[], CheckedInput]) -> None:
        super().__init__()
        self.build = build
        self.changed: list[CheckedInput.Changed] = []

    def compose(self) -> ComposeResult:
        yield self.build()
        yield Input(id="after", compact=True)

    @on(CheckedInput.Changed)
    def _record(self, message: CheckedInput.Changed) -> None:
        self.changed.append(message)


@dataclass(frozen=True)
class Case:
    build: Callable[[], CheckedInput]
    partial: str
    rest: str
    validator: Callable[[str], str | None]
    #: The value as the dossier stores it, once fixed.
    stored: str
    #: What the line says of the fixed value ("" when nothing).
    valid_says: str


CASES = {
    "nir": Case(NirInput, "1990387", "08512319", validate_nir, "199038708512319", "Clé correcte"),
    "iban": Case(
        IbanInput,
        "FR76300060000112",
        "34567890189",
        validate_iban,
        "FR7630006000011234567890189",
        "AGRIFRPPXXX",
    ),
    "date": Case(DateInput, "1403", "1999", validate_date, "1999-03-14", "14 mars 1999"),
    # The base alone, over any validator of cesp_core (here a postal code).
    "base": Case(
        lambda: CheckedInput(validator=validate_postal_code),
        "750",
        "11",
        validate_postal_code,
        "75011",
        "",
    ),
}


def line_of(checked: CheckedInput) -> str:
    return checked.query_one(MessageLine).text


@pytest.mark.parametrize("kind", CASES)
async def test_checked_on_leaving_and_cleared_as_soon_as_fixed(kind: str) -> None:
    case = CASES[kind]
    app = CheckedApp(case.build)
    async with app.run_test(size=SIZE) as pilot:
        checked = app.query_one(CheckedInput)
        checked.focus()
        await pilot.pause()
        await pilot.press(*case.partial)
        await pilot.pause()
        assert line_of(checked) == ""  # not while typing
        assert checked.live_message is None
        await pilot.press("tab")  # leaves the field
        await pilot.pause()
        assert app.query_one("#after", Input).has_focus
        expected = case.validator(checked.text)
        assert expected is not None
        assert checked.live_message == expected
        assert line_of(checked) == expected
        assert checked.message_line.has_class("-invalid")
        # Back in the field: the message stays while the value is still wrong...
        checked.focus()
        await pilot.pause()
        await pilot.press("end", *case.rest[:-1])
        await pilot.pause()
        assert checked.live_message == case.validator(checked.text) is not None
        assert line_of(checked) == checked.live_message
        # ...and goes with the key that fixes it.
        await pilot.press(case.rest[-1])
        await pilot.pause()
        assert checked.live_message is None
        assert case.valid_says in line_of(checked)
        assert not checked.message_line.has_class("-invalid")
        assert app.changed[-1].value == case.stored
        await pilot.press("tab")
        await pilot.pause()
        assert checked.live_message is None


@pytest.mark.parametrize("kind", CASES)
async def test_an_empty_field_left_says_nothing(kind: str) -> None:
    app = CheckedApp(CASES[kind].build)
    async with app.run_test(size=SIZE) as pilot:
        checked = app.query_one(CheckedInput)
        checked.focus()
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert line_of(checked) == ""
        assert checked.live_message is None


async def test_a_wrong_nir_left_in_a_dossier_is_said_under_it_and_stored_compact(
    tmp_path: Path,
) -> None:
    app = new_dossier_app(tmp_path, "cesp", "etat_civil", field="nir")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        row = form_of(app).row("nir")
        nir = row.control_widget
        assert isinstance(nir, NirInput)
        nir.focus()
        await pilot.pause()
        await pilot.press(*"1990387")
        await pilot.press("tab")
        await settle(app, pilot)
        assert line_of(nir) == validate_nir("1990387")
        nir.focus()
        await pilot.pause()
        await pilot.press("end", *"08512319")
        await settle(app, pilot)
        assert "Clé correcte" in line_of(nir)
        assert row.value == "199038708512319"
        assert form_of(app).values()["nir"] == "199038708512319"


# --- the checks are cesp_core's ------------------------------------------------------------------


def test_the_lengths_come_from_cesp_core() -> None:
    from cesp_tui.widgets import iban_input, nir_input

    assert NIR_LENGTH == 15
    assert nir_input._NirField.max_significant == NIR_LENGTH
    assert iban_input._IbanField.max_significant == MAX_IBAN_LENGTH == 34
    assert (iban_length("FR76"), iban_length("de"), iban_length("ZZ"), iban_length("F")) == (
        27,
        22,
        None,
        None,
    )


def _client_sources() -> list[Path]:
    return sorted(Path(cesp_tui.__file__).parent.rglob("*.py"))


def test_no_check_is_reimplemented_in_the_client() -> None:
    """The widgets and screens call `cesp_core` for NIR, IBAN and piece formats: they
    import neither the libraries those checks are built on nor spell a file signature."""
    found: list[str] = []
    for path in _client_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            found += [
                f"{path.name}: import {m}"
                for m in modules
                if m.split(".")[0] in ("schwifty", "stdnum", "pycountry")
            ]
            signature = (b"%PDF", b"\xff\xd8", b"\x89PNG")
            if isinstance(node, ast.Constant) and isinstance(node.value, bytes):
                found += [f"{path.name}: signature {node.value!r}"] * node.value.startswith(
                    signature
                )
    assert found == []


def test_client_and_platform_check_pieces_with_the_same_functions(tmp_path: Path) -> None:
    from cesp_core.validators import pieces
    from cesp_server import files
    from cesp_tui.screens.dossier.pieces import check_piece_file

    assert files.sniff is pieces.sniff
    assert files.formats_phrase is pieces.formats_phrase
    assert files.extension_kind is pieces.extension_format
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    said = check_piece_file(fake, ("pdf",), 1024)
    assert said is not None
    assert said == pieces.validate_piece_file("scan.pdf", fake.read_bytes(), 17, ("pdf",), 1024)
