"""Import files (CSV, JSON): good lines, bad lines, malformed files; the export round trip;
the column table of docs/import-format.md."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cesp_core.demarches import ASP, CESP
from cesp_core.imports import (
    APPLICANT_TAB,
    EXPORT_META_COLUMNS,
    FILE_TAB,
    MAX_LINES,
    ImportResult,
    column_names,
    columns_markdown,
    export_record,
    parse_import,
    to_csv,
)
from cesp_core.masking import mask_nir
from cesp_core.problems import INVALID, MISSING


def nir_with_key(first13: str) -> str:
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


NIR = nir_with_key("1990387085123")
IBAN = "FR7630006000011234567890189"
DOC = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"


def complete_row(email: str = "jean.durand@exemple.fr") -> dict[str, Any]:
    """A complete CESP dossier as an agent types it from paper (French dates, oui/non...)."""
    return {
        "applicant.email": email,
        "etat_civil.civilite": "M.",
        "etat_civil.nom_naissance": "Durand",
        "etat_civil.prenoms": "Jean Pierre",
        "etat_civil.date_naissance": "15/03/1999",
        "etat_civil.ne_a_l_etranger": "non",
        "etat_civil.departement_naissance": "087",
        "etat_civil.commune_naissance": "87085",
        "etat_civil.nationalite_francaise": "oui",
        "etat_civil.nir": f"{NIR[0]} {NIR[1:3]} {NIR[3:5]} {NIR[5:7]} {NIR[7:10]} "
        f"{NIR[10:13]} {NIR[13:]}",
        "adresse.adresse": "12 rue Jean Jaurès",
        "adresse.pays": "France",
        "adresse.code_postal": "87000",
        "adresse.commune": "87085",
        "adresse.telephone": "0612345678",
        "etudes.filiere": "Médecine",
        "etudes.niveau": "DFASM2",
        "etudes.universite": "Université de Limoges",
        "etudes.annee_universitaire": "2025-2026",
        "volet_social.situation_familiale": "celibataire",
        "volet_social.boursier": "non",
        "coordonnees_bancaires.titulaire": "Jean Pierre DURAND",
        "coordonnees_bancaires.iban": "FR76 3000 6000 0112 3456 7890 189",
        "coordonnees_bancaires.bic": "AGRIFRPP",
    }


def csv_bytes(rows: list[dict[str, Any]], delimiter: str = ";", bom: bool = True) -> bytes:
    names = list(dict.fromkeys(k for row in rows for k in row))
    lines = [delimiter.join(names)]
    for row in rows:
        cells = []
        for name in names:
            value = "" if row.get(name) is None else str(row[name])
            if delimiter in value or '"' in value:
                value = '"' + value.replace('"', '""') + '"'
            cells.append(value)
        lines.append(delimiter.join(cells))
    return (b"\xef\xbb\xbf" if bom else b"") + "\r\n".join(lines).encode("utf-8")


def single_file_problem(result: ImportResult) -> str:
    assert result.lines == []
    assert len(result.file_problems) == 1, result.file_problems
    problem = result.file_problems[0]
    assert problem.tab == FILE_TAB
    return problem.message


# --- good lines -----------------------------------------------------------------------------


@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (",", False), (";", False)])
def test_a_complete_line_is_normalised(delimiter: str, bom: bool) -> None:
    result = parse_import(CESP, csv_bytes([complete_row()], delimiter, bom), "saisie.csv")
    assert result.ok and result.format == "csv"
    (line,) = result.lines
    assert line.line == 2  # the header is line 1
    assert line.problems == [] and line.warnings == []
    assert line.applicant is not None
    assert line.applicant.email == "jean.durand@exemple.fr"
    assert (line.applicant.nom, line.applicant.prenom) == ("Durand", "Jean")
    assert line.applicant.civilite == "M"
    etat_civil = line.data["etat_civil"]
    assert etat_civil["civilite"] == "M"
    assert etat_civil["date_naissance"] == "1999-03-15"
    assert etat_civil["departement_naissance"] == "87"
    assert etat_civil["nir"] == NIR
    assert etat_civil["ne_a_l_etranger"] is False
    assert line.data["adresse"]["pays"] == "FR"
    assert line.data["adresse"]["telephone"] == "06 12 34 56 78"
    assert line.data["etudes"]["filiere"] == "medecine"
    assert line.data["coordonnees_bancaires"]["iban"] == IBAN
    assert line.saved_tabs == [
        "etat_civil",
        "adresse",
        "etudes",
        "volet_social",
        "coordonnees_bancaires",
    ]


def test_an_incomplete_line_imports_as_a_draft_with_warnings() -> None:
    row = {
        "applicant.email": "claire@exemple.fr",
        "applicant.nom": "Martin",
        "applicant.prenom": "Claire",
        "applicant.civilite": "Madame",
        "applicant.date_naissance": "20/06/1998",
        "adresse.adresse": "3 place du Marché",
    }
    result = parse_import(CESP, csv_bytes([row]), "saisie.csv")
    assert result.ok
    (line,) = result.lines
    assert line.problems == []
    # the identity prefills the civil status, which then lacks its NIR...
    assert line.data["etat_civil"] == {
        "civilite": "F",
        "nom_naissance": "Martin",
        "prenoms": "Claire",
        "date_naissance": "1998-06-20",
    }
    warned = {(w.tab, w.field) for w in line.warnings}
    assert ("etat_civil", "nir") in warned
    assert ("adresse", "telephone") in warned
    # ...and a tab with nothing keyed is reported once
    assert ("etudes", None) in warned
    assert all(w.code == MISSING for w in line.warnings)
    assert line.saved_tabs == ["adresse"]


def test_json_flat_or_nested() -> None:
    flat = complete_row("a@exemple.fr")
    nested: dict[str, Any] = {}
    for name, value in complete_row("b@exemple.fr").items():
        tab, _, key = name.partition(".")
        nested.setdefault(tab, {})[key] = value
    nested["volet_social"]["enfants_a_charge"] = 2  # a JSON number
    nested["volet_social"]["boursier"] = False  # a JSON boolean
    result = parse_import(CESP, json.dumps([flat, nested]).encode(), "lot.json")
    assert result.format == "json" and result.ok, result
    assert [x.line for x in result.lines] == [1, 2]
    assert result.lines[1].data["volet_social"]["enfants_a_charge"] == "2"
    assert result.lines[1].data["etat_civil"] == result.lines[0].data["etat_civil"]


def test_json_recognised_without_extension() -> None:
    result = parse_import(CESP, json.dumps([complete_row()]).encode(), "upload")
    assert result.format == "json" and result.ok


# --- bad lines ------------------------------------------------------------------------------


def test_wrong_values_refuse_their_line_only() -> None:
    wrong_key = complete_row("cle@exemple.fr")
    wrong_key["etat_civil.nir"] = NIR[:13] + f"{(int(NIR[13:]) + 1) % 97:02d}"
    unknown_commune = complete_row("commune@exemple.fr")
    unknown_commune["adresse.commune"] = "99999"
    bad_box = complete_row("case@exemple.fr")
    bad_box["volet_social.boursier"] = "peut-être"
    bad_email = complete_row("pas-une-adresse")
    no_email = complete_row("")
    masked = complete_row("masque@exemple.fr")
    masked["etat_civil.nir"] = mask_nir(NIR)
    rows = [complete_row(), wrong_key, unknown_commune, bad_box, bad_email, no_email, masked]
    result = parse_import(CESP, csv_bytes(rows), "saisie.csv")
    assert not result.ok and result.file_problems == []
    by_line = {x.line: x for x in result.lines}
    assert by_line[2].ok
    assert [(p.tab, p.field) for p in by_line[3].problems] == [("etat_civil", "nir")]
    assert "clé" in by_line[3].problems[0].message
    assert ("adresse", "commune") in {(p.tab, p.field) for p in by_line[4].problems}
    assert by_line[5].problems[0].field == "boursier"
    assert "oui ou non" in by_line[5].problems[0].message
    assert (APPLICANT_TAB, "email") in {(p.tab, p.field) for p in by_line[6].problems}
    assert by_line[7].problems[0].code == MISSING and by_line[7].problems[0].field == "email"
    assert "masquée" in by_line[8].problems[0].message
    assert all(p.code in (INVALID, MISSING) for x in result.lines for p in x.problems)


def test_the_same_applicant_twice_is_refused() -> None:
    result = parse_import(CESP, csv_bytes([complete_row(), complete_row("JEAN.DURAND@exemple.fr")]))
    first, second = result.lines
    assert first.ok and not second.ok
    assert "ligne 2" in second.problems[0].message


def test_a_line_with_too_many_cells() -> None:
    content = csv_bytes([complete_row()]) + b"\r\nx@exemple.fr;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;trop"
    result = parse_import(CESP, content, "saisie.csv")
    assert result.lines[0].ok
    assert not result.lines[1].ok and "cellules" in result.lines[1].problems[0].message


# --- malformed files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "filename", "words"),
    [
        (b"", "vide.csv", "vide"),
        (b"  \r\n \n", "vide.csv", "vide"),
        (bytes(range(256)) * 4, "scan.pdf", "binaire"),
        (b"%PDF-1.4\n\x00\x01\x02 binary", "dossiers.csv", "binaire"),
        (
            "applicant.email;etat_civil.nom_naissance\r\nx@exemple.fr;Lefèvre".encode("cp1252"),
            "excel.csv",
            "UTF-8",
        ),
        ("applicant.email\nx@e.fr".encode("utf-16"), "utf16.csv", "UTF-16"),
        (b"applicant.email;etat_civil.nom_naissance\r\n", "entete.csv", "aucune ligne"),
        (b"bonjour, voici mes dossiers\nmerci", "lettre.txt", "Aucune colonne reconnue"),
        (
            b"applicant.email;etat_civil.nir;etat_civil.numero_secu;adresse.rue\r\nx@e.fr;;;",
            "colonnes.csv",
            "Colonnes inconnues : « etat_civil.numero_secu », « adresse.rue »",
        ),
        (b"etat_civil.nom_naissance\r\nDurand", "sans-email.csv", "applicant.email"),
        (b"applicant.email;applicant.email\r\na@e.fr;b@e.fr", "double.csv", "en double"),
        (b'{"applicant.email": "a@e.fr"}', "objet.json", "liste d'objets"),
        (b"[]", "vide.json", "aucune ligne"),
        (b'[{"applicant.email": "a@e.fr",}]', "virgule.json", "JSON illisible (ligne 1"),
        (b'"juste un texte"', "texte.json", "liste d'objets"),
        (b"[" * 100_000, "profond.json", "JSON"),
        (b'applicant.email;x\r\n"a@e.fr;\r\n', "guillemet.csv", "Colonnes inconnues"),
    ],
)
def test_a_malformed_file_gives_one_clear_problem(
    content: bytes, filename: str, words: str
) -> None:
    message = single_file_problem(parse_import(CESP, content, filename))
    assert words in message, message


def test_json_items_that_are_not_objects_refuse_their_line() -> None:
    result = parse_import(CESP, json.dumps([complete_row(), "texte", [1, 2]]).encode(), "l.json")
    assert [x.ok for x in result.lines] == [True, False, False]
    assert "objet" in result.lines[1].problems[0].message


def test_json_nested_too_deep_in_a_value_refuses_the_line() -> None:
    row = complete_row()
    row["etat_civil.nir"] = {"valeur": NIR}
    result = parse_import(CESP, json.dumps([row]).encode(), "l.json")
    assert not result.ok and result.lines[0].problems[0].field == "nir"


def test_control_characters_and_lone_surrogates() -> None:
    row = complete_row()
    row["etat_civil.nom_naissance"] = "Dur\u0000and"
    row["applicant.nom"] = "Bip\u0007"
    result = parse_import(CESP, json.dumps([row]).encode(), "l.json")
    fields = {(p.tab, p.field) for p in result.lines[0].problems}
    assert fields == {("etat_civil", "nom_naissance"), (APPLICANT_TAB, "nom")}
    content = b'[{"applicant.email": "a@e.fr", "applicant.nom": "\\ud800"}]'
    assert "impossibles" in single_file_problem(parse_import(CESP, content, "l.json"))


def test_too_many_lines() -> None:
    header = b"applicant.email\r\n"
    content = header + b"".join(f"c{n}@exemple.fr\r\n".encode() for n in range(MAX_LINES + 1))
    assert f"{MAX_LINES} au plus" in single_file_problem(parse_import(CESP, content, "gros.csv"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["f.csv", "f.json", "f", None]))
def test_no_input_makes_it_raise(content: bytes, filename: str | None) -> None:
    result = parse_import(CESP, content, filename)
    assert isinstance(result, ImportResult)


def test_random_text_files_never_raise() -> None:
    rng = random.Random(6)
    alphabet = 'applicant.email;,"\r\n{}[]:etat_civil.nir 0123456789éÀ\t'
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 300)))
        parse_import(CESP, text.encode(), rng.choice(["a.csv", "a.json", None]))


# --- export ---------------------------------------------------------------------------------


def _exported(rows: list[dict[str, Any]], *, mask: bool) -> bytes:
    result = parse_import(CESP, csv_bytes(rows), "saisie.csv")
    assert result.ok
    records = []
    for n, line in enumerate(result.lines):
        assert line.applicant is not None
        applicant = {
            "email": line.applicant.email,
            "civilite": line.applicant.civilite,
            "nom": line.applicant.nom,
            "prenom": line.applicant.prenom,
            "date_naissance": line.applicant.date_naissance,
        }
        meta = {"numero": f"CESP-2026-{n:06d}", "id": f"id-{n}", "etat": "Brouillon"}
        records.append(
            export_record(CESP, applicant=applicant, data=line.data, meta=meta, mask=mask)
        )
    names = [*EXPORT_META_COLUMNS, *column_names(CESP)]
    return b"\xef\xbb\xbf" + to_csv(records, names).encode("utf-8")


def test_an_unmasked_export_imports_back_to_the_same_data() -> None:
    row = complete_row()
    row["adresse.adresse"] = '=HYPERLINK("http://x")'  # a formula: escaped, then restored
    exported = _exported([row], mask=False)
    text = exported.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("dossier.numero;dossier.id;")
    assert "'=HYPERLINK" in text
    again = parse_import(CESP, exported, "export.csv")
    assert again.ok, again
    first = parse_import(CESP, csv_bytes([row]), "saisie.csv").lines[0]
    assert again.lines[0].data == first.data
    assert again.lines[0].data["adresse"]["adresse"] == '=HYPERLINK("http://x")'


def test_a_masked_export_hides_nir_and_iban_and_is_refused_back() -> None:
    exported = _exported([complete_row()], mask=True).decode("utf-8-sig")
    assert NIR not in exported and IBAN not in exported
    assert mask_nir(NIR) in exported and "FR76 ****" in exported
    again = parse_import(CESP, exported.encode(), "export.csv")
    assert not again.ok
    assert {p.field for p in again.lines[0].problems} == {"nir", "iban"}


# --- the documented column set ----------------------------------------------------------------


def test_columns_follow_the_demarche() -> None:
    names = column_names(CESP)
    assert names[:5] == [
        "applicant.email",
        "applicant.civilite",
        "applicant.nom",
        "applicant.prenom",
        "applicant.date_naissance",
    ]
    assert "etat_civil.nir" in names and "coordonnees_bancaires.iban" in names
    assert not any(n.startswith(("synthese.", "pieces.")) for n in names)
    assert "pieces.dossier_complet" in column_names(ASP)  # a pieces tab with a field


def test_the_documentation_lists_the_current_columns() -> None:
    table = columns_markdown(CESP)
    doc = DOC.read_text(encoding="utf-8")
    assert table in doc, (
        "docs/import-format.md is out of date: paste the output of "
        "`python -m cesp_core.imports` between its column markers"
    )
    if os.environ.get("CESP_SHOW_COLUMNS"):
        print(table)
