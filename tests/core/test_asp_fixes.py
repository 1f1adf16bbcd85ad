"""Issue 13, item 8 (ASP): the DES referential, the specialty rules, the planned Ordre
registration date, the recruiter taken from the account, the import report's words."""

from __future__ import annotations

from datetime import date, timedelta

from cesp_core import referentials
from cesp_core.demarches import ASP, CESP
from cesp_core.demarches.model import FieldType
from cesp_core.demarches.rules import (
    SPECIALITE_MESSAGE,
    clean_tab,
    field_problem,
    tab_problems,
)
from cesp_core.filtering import SpecialiteIndex, specialite_index
from cesp_core.imports import parse_import
from cesp_core.problems import INVALID
from cesp_core.timefmt import paris_now
from cesp_core.validators.dates import validate_planned_date
from tests.core.test_imports import complete_row, csv_bytes
from tests.support.dossiers import complete_asp_values


def test_the_44_des_of_2017_ship_with_their_source() -> None:
    found = referentials.specialites()
    assert len(found) == 44
    names = {s.nom for s in found}
    assert {"Anesthésie-réanimation", "Médecine générale", "Médecine intensive-réanimation"} <= (
        names
    )
    assert {s.discipline for s in found} == {"chirurgicale", "médicale", "biologique"}
    readme = (referentials.data_dir() / "README.md").read_text(encoding="utf-8")
    assert "specialites.csv" in readme and "arrêté du 21 avril 2017" in readme
    found_again = referentials.specialite_by_name("anesthesie  REANIMATION")
    assert found_again is not None and found_again.nom == "Anesthésie-réanimation"
    assert referentials.specialite_by_name("Cardiologie") is None


def test_specialties_filter_like_communes() -> None:
    index = specialite_index()
    assert isinstance(index, SpecialiteIndex) and len(index) == 44
    # One letter: only the names that begin with it.
    assert all(s.nom.startswith(("M", "m")) for s in index.search("m"))
    assert [s.nom for s in index.search("m")][:2] == [
        "Maladies infectieuses et tropicales",
        "Médecine cardiovasculaire",
    ]
    # Accents folded; from two letters on, a word inside the name.
    assert [s.nom for s in index.search("rea")][:2] == [
        "Anesthésie-réanimation",
        "Médecine intensive-réanimation",
    ]
    assert [s.nom for s in index.search("pediat")] == ["Pédiatrie", "Chirurgie pédiatrique"]


def test_the_specialty_field_takes_a_des_only() -> None:
    field = ASP.tab("identification").field("specialite")
    assert field.type is FieldType.SPECIALITE
    assert field_problem(field, "Médecine générale") is None
    assert field_problem(field, "Cardiologie") == SPECIALITE_MESSAGE
    # What a client sends is written in the official spelling.
    clean, problems = clean_tab(ASP, "identification", {"specialite": "medecine generale"})
    assert problems == [] and clean["specialite"] == "Médecine générale"
    # A new free text is refused...
    clean, problems = clean_tab(ASP, "identification", {"specialite": "Cardiologie"})
    assert [(p.field, p.code, p.message) for p in problems] == [
        ("specialite", INVALID, SPECIALITE_MESSAGE)
    ]
    # ... the free text a draft already holds is kept (readable), and flagged by the rules.
    stored = {"specialite": "Cardiologie"}
    clean, problems = clean_tab(ASP, "identification", {"specialite": "Cardiologie"}, stored)
    assert problems == [] and clean["specialite"] == "Cardiologie"
    data = complete_asp_values()
    data["identification"]["specialite"] = "Cardiologie"
    assert [(p.field, p.message) for p in tab_problems(ASP, "identification", data)] == [
        ("specialite", SPECIALITE_MESSAGE)
    ]


def test_a_planned_registration_date_in_the_past_is_refused() -> None:
    today = paris_now().date()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert validate_planned_date(today.isoformat()) is None
    message = validate_planned_date(yesterday)
    assert message is not None and "passée" in message
    assert validate_planned_date("2020-01-10", today=date(2020, 1, 10)) is None
    data = complete_asp_values()
    data["candidat"]["date_previsionnelle_inscription"] = yesterday
    problems = tab_problems(ASP, "candidat", data)
    assert [(p.field, p.code) for p in problems] == [("date_previsionnelle_inscription", INVALID)]
    # Registered with the Ordre: the planned date is hidden and not checked.
    data["candidat"].update(inscrit_ordre=True)
    assert "date_previsionnelle_inscription" not in {
        p.field for p in tab_problems(ASP, "candidat", data)
    }
    # Other dates may be in the past (a birth date, CESP dates).
    assert not ASP.tab("candidat").field("date_fin_internat").not_in_past
    assert not any(f.not_in_past for t in CESP.tabs for f in t.fields)


def test_the_recruiter_comes_from_the_account() -> None:
    tab = ASP.tab("identification")
    assert tab.field("etab_recruteur_nom").from_account == "etablissement_nom"
    assert tab.field("etab_recruteur_finess").from_account == "finess"
    assert tab.field("etab_partenaire_nom").from_account is None
    published = ASP.to_dict()["tabs"][0]["fields"][0]
    assert published["from_account"] == "etablissement_nom"


def test_the_import_report_says_the_insee_code_is_unknown() -> None:
    row = complete_row("commune@exemple.fr")
    row["adresse.commune"] = "99999"
    result = parse_import(CESP, csv_bytes([row]), "saisie.csv")
    (line,) = result.lines
    messages = [p.message for p in line.problems if p.field == "commune"]
    assert messages == ["Code INSEE inconnu : «\u00a099999\u00a0»."]
    assert not any("liste" in p.message for p in line.problems)


def test_counts_agree_in_french() -> None:
    from cesp_core.text import plural

    assert plural(0, "erreur") == "0 erreur"
    assert plural(1, "modification") == "1 modification"
    assert plural(2, "modification") == "2 modifications"
    assert plural(3, "dossier créé", "dossiers créés") == "3 dossiers créés"
    assert plural(1, "dossier créé", "dossiers créés") == "1 dossier créé"
