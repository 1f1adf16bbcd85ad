from __future__ import annotations

import json
from typing import Any

import pytest

from cesp_core.demarches import ASP, CESP, get_demarche, rules
from cesp_core.demarches.cesp import NIVEAUX_2E_CYCLE, NIVEAUX_PAR_FILIERE
from cesp_core.demarches.model import FieldType, TabKind
from cesp_core.demarches.rules import TabState

# A man born in Limoges (87085) in March 1999: NIR 1 99 03 87 085 123, key 97 - n % 97 = 19.
ETAT_CIVIL = {
    "civilite": "M",
    "nom_naissance": "Dupont",
    "prenoms": "Jean Pierre",
    "date_naissance": "1999-03-14",
    "departement_naissance": "87",
    "commune_naissance": "87085",
    "nationalite_francaise": True,
    "nir": "1 99 03 87 085 123 19",
}
ADRESSE = {
    "adresse": "12 rue de la République",
    "pays": "FR",
    "code_postal": "87000",
    "commune": "87085",
    "telephone": "06 12 34 56 78",
}
ETUDES_3E = {
    "filiere": "medecine",
    "niveau": "3E_CYCLE",
    "universite_3e_cycle": "Université de Limoges",
    "subdivision": "Limoges",
    "des": "Médecine générale",
    "semestre": "3",
    "date_debut_3e_cycle": "2024-11-02",
}
SOCIAL = {"situation_familiale": "celibataire"}
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def bank() -> dict[str, Any]:
    from cesp_core.validators.iban import iban_info

    info = iban_info(IBAN)
    assert info is not None and info.bic
    return {"titulaire": "Jean Dupont", "iban": IBAN, "bic": info.bic}


def complete_cesp() -> dict[str, dict[str, Any]]:
    return {
        "etat_civil": dict(ETAT_CIVIL),
        "adresse": dict(ADRESSE),
        "etudes": dict(ETUDES_3E),
        "volet_social": dict(SOCIAL),
        "coordonnees_bancaires": bank(),
    }


ALL_CESP_PIECES = {
    "piece_identite": 1,
    "certificat_scolarite": 1,
    "rib": 1,
    "lettre_motivation": 1,
    "cv": 2,
}


def test_registry_and_tab_order() -> None:
    assert get_demarche("cesp") is CESP and get_demarche("asp") is ASP
    assert [t.label for t in CESP.tabs] == [
        "État civil",
        "Adresse",
        "Études",
        "Volet social",
        "Coordonnées bancaires",
        "Pièces justificatives",
        "Synthèse",
    ]
    assert [t.key for t in ASP.tabs] == [
        "identification",
        "projet_medical",
        "profil_poste",
        "perspectives",
        "candidat",
        "pieces",
    ]
    assert ASP.first_tab == "identification"


def test_definitions_are_json_for_the_api() -> None:
    for demarche in (CESP, ASP):
        encoded = json.dumps(demarche.to_dict(), ensure_ascii=False)
        assert json.loads(encoded)["key"] == demarche.key


def test_every_field_has_a_french_label_and_valid_references() -> None:
    for demarche in (CESP, ASP):
        for tab in demarche.tabs:
            keys = {f.key for f in tab.fields}
            assert len(keys) == len(tab.fields), tab.key
            for field in tab.fields:
                assert field.label and field.label[0].isupper()
                if field.type is FieldType.CHOICE:
                    assert field.choices, field.key
                if field.visible_if and "." not in field.visible_if.ref:
                    assert field.visible_if.ref in keys, field.key
                if field.depends_on:
                    assert field.depends_on in keys


@pytest.mark.parametrize(
    ("niveau", "shown", "hidden"),
    [
        *[
            (
                n,
                {"universite", "annee_universitaire"},
                {"subdivision", "des", "pays_diplome", "statut_padhue"},
            )
            for n in NIVEAUX_2E_CYCLE
        ],
        (
            "3E_CYCLE",
            {"universite_3e_cycle", "subdivision", "des", "semestre", "date_debut_3e_cycle"},
            {"universite", "annee_universitaire", "pays_diplome"},
        ),
        (
            "PADHUE",
            {
                "pays_diplome",
                "intitule_diplome",
                "annee_obtention",
                "specialite_padhue",
                "statut_padhue",
            },
            {"universite", "subdivision", "des", "semestre"},
        ),
    ],
)
def test_the_level_decides_which_study_fields_show(
    niveau: str, shown: set[str], hidden: set[str]
) -> None:
    filiere = "medecine" if niveau in NIVEAUX_PAR_FILIERE["medecine"] else "odontologie"
    data = {"etudes": {"filiere": filiere, "niveau": niveau}}
    visible = {f.key for f in rules.visible_fields(CESP, "etudes", data)}
    assert shown <= visible
    assert not (hidden & visible)
    missing = {p.field for p in rules.tab_problems(CESP, "etudes", data)}
    assert missing == shown
    assert rules.tab_state(CESP, "etudes", data) is TabState.INCOMPLET


@pytest.mark.parametrize(
    ("niveau", "values"),
    [
        ("DFASM2", {"universite": "Université de Limoges", "annee_universitaire": "2026-2027"}),
        ("3E_CYCLE", {k: v for k, v in ETUDES_3E.items() if k not in ("filiere", "niveau")}),
        (
            "PADHUE",
            {
                "pays_diplome": "DZ",
                "intitule_diplome": "Doctorat en médecine",
                "annee_obtention": "2015",
                "specialite_padhue": "Pédiatrie",
                "statut_padhue": "evc_laureat",
            },
        ),
    ],
)
def test_each_level_is_complete_with_its_own_fields(niveau: str, values: dict[str, str]) -> None:
    data = {"etudes": {"filiere": "medecine", "niveau": niveau, **values}}
    assert rules.tab_problems(CESP, "etudes", data) == []
    assert rules.tab_state(CESP, "etudes", data) is TabState.COMPLET


def test_a_level_of_the_other_filiere_is_an_error() -> None:
    assert "DFASO1" in NIVEAUX_PAR_FILIERE["odontologie"]
    data = {
        "etudes": {
            "filiere": "medecine",
            "niveau": "DFASO1",
            "universite": "Paris Cité",
            "annee_universitaire": "2026-2027",
        }
    }
    problems = rules.tab_problems(CESP, "etudes", data)
    assert [(p.field, p.code) for p in problems] == [("niveau", "invalid")]
    assert rules.tab_state(CESP, "etudes", data) is TabState.ERREURS


def test_nationality_box_decides_the_country_field() -> None:
    data = {"etat_civil": dict(ETAT_CIVIL)}
    keys = {f.key for f in rules.visible_fields(CESP, "etat_civil", data)}
    assert "pays_nationalite" not in keys
    data["etat_civil"]["nationalite_francaise"] = False
    keys = {f.key for f in rules.visible_fields(CESP, "etat_civil", data)}
    assert "pays_nationalite" in keys
    problems = rules.tab_problems(CESP, "etat_civil", data)
    assert [p.field for p in problems] == ["pays_nationalite"]


def test_nationality_defaults_to_french_when_absent() -> None:
    data = {"etat_civil": {k: v for k, v in ETAT_CIVIL.items() if k != "nationalite_francaise"}}
    assert rules.tab_problems(CESP, "etat_civil", data) == []


def test_born_abroad_swaps_department_and_commune_for_a_country() -> None:
    values = {
        k: v
        for k, v in ETAT_CIVIL.items()
        if k not in ("departement_naissance", "commune_naissance")
    }
    values |= {"ne_a_l_etranger": True}
    keys = {f.key for f in rules.visible_fields(CESP, "etat_civil", {"etat_civil": values})}
    assert "pays_naissance" in keys and "departement_naissance" not in keys


def test_nir_contradicting_the_birth_month_is_reported_on_a_field() -> None:
    data = {"etat_civil": dict(ETAT_CIVIL, date_naissance="1999-07-14")}
    problems = rules.tab_problems(CESP, "etat_civil", data)
    assert problems, "a NIR whose month is 03 must contradict a July birth"
    assert all(p.code == "invalid" for p in problems)
    assert {p.field for p in problems} <= {"nir", "date_naissance"}
    assert rules.tab_state(CESP, "etat_civil", data) is TabState.ERREURS


def test_wrong_nir_key_is_an_error_on_the_nir_field() -> None:
    data = {"etat_civil": dict(ETAT_CIVIL, nir="1 99 03 87 085 123 20")}
    problems = rules.tab_problems(CESP, "etat_civil", data)
    assert [p.field for p in problems] == ["nir"]


def test_postal_code_must_match_the_commune() -> None:
    good = {"adresse": dict(ADRESSE)}
    assert rules.tab_problems(CESP, "adresse", good) == []
    bad = {"adresse": dict(ADRESSE, code_postal="75001")}
    assert [p.field for p in rules.tab_problems(CESP, "adresse", bad)] == ["commune"]


def test_abroad_address_needs_a_city_not_a_postal_code() -> None:
    data = {
        "adresse": {
            "adresse": "Calle Mayor 1",
            "pays": "ES",
            "ville": "Madrid",
            "telephone": "+34 912 345 678",
        }
    }
    assert rules.tab_problems(CESP, "adresse", data) == []


def test_bic_contradicting_the_iban_is_reported() -> None:
    data = {"coordonnees_bancaires": dict(bank(), bic="DEUTDEFF")}
    assert [p.field for p in rules.tab_problems(CESP, "coordonnees_bancaires", data)] == ["bic"]


def test_empty_tab_is_vide_partial_is_incomplet() -> None:
    assert rules.tab_state(CESP, "adresse", {}) is TabState.VIDE
    assert rules.tab_state(CESP, "adresse", {"adresse": {"adresse": "1 rue X"}}) is (
        TabState.INCOMPLET
    )


def test_social_piece_required_only_when_the_social_tab_says_something() -> None:
    data = complete_cesp()
    required = {p.key for p in rules.required_pieces(CESP, data)}
    assert "justificatif_social" not in required
    for extra in (
        {"commentaire": "Parent isolé"},
        {"boursier": True, "echelon_bourse": "5"},
        {"enfants_a_charge": "2"},
    ):
        data["volet_social"] = dict(SOCIAL, **extra)
        assert "justificatif_social" in {p.key for p in rules.required_pieces(CESP, data)}
    data["volet_social"] = dict(SOCIAL, enfants_a_charge="0")
    assert "justificatif_social" not in {p.key for p in rules.required_pieces(CESP, data)}


def test_padhue_requires_the_diploma_piece() -> None:
    data = complete_cesp()
    data["etudes"] = {"filiere": "odontologie", "niveau": "PADHUE"}
    assert "diplome" in {p.key for p in rules.required_pieces(CESP, data)}


def test_transmission_needs_every_tab_every_piece_and_the_certification() -> None:
    data = complete_cesp()
    assert {k: v for k, v in rules.dossier_problems(CESP, data, ALL_CESP_PIECES).items() if v} == {}
    assert not rules.can_transmit(CESP, data, ALL_CESP_PIECES, [])
    problems = rules.transmission_problems(CESP, data, ALL_CESP_PIECES, [])
    assert [(p.tab, p.field) for p in problems] == [("synthese", "exactitude")]
    assert rules.can_transmit(CESP, data, ALL_CESP_PIECES, ["exactitude"])

    missing_cv = dict(ALL_CESP_PIECES, cv=0)
    problems = rules.transmission_problems(CESP, data, missing_cv, ["exactitude"])
    assert [(p.tab, p.field, p.code) for p in problems] == [("pieces", "cv", "missing")]
    assert rules.tab_state(CESP, "pieces", data, missing_cv) is TabState.INCOMPLET


def test_clean_tab_normalises_and_rejects_unknown_fields() -> None:
    clean, problems = rules.clean_tab(
        CESP,
        "etat_civil",
        {
            "nir": "1 99 03 87 085 123 19",
            "date_naissance": "14031999",
            "departement_naissance": "2a",
            "nom_naissance": "  Dupont ",
            "nationalite_francaise": True,
            "pirate": "x",
        },
    )
    assert clean["nir"] == "199038708512319"
    assert clean["date_naissance"] == "1999-03-14"
    assert clean["departement_naissance"] == "2A"
    assert clean["nom_naissance"] == "Dupont"
    assert [(p.field, p.code) for p in problems] == [("pirate", "invalid")]


def test_clean_tab_refuses_wrong_types() -> None:
    _clean, problems = rules.clean_tab(
        CESP, "etat_civil", {"nationalite_francaise": "oui", "nom_naissance": 12}
    )
    assert {p.field for p in problems} == {"nationalite_francaise", "nom_naissance"}


def test_asp_identification_first() -> None:
    assert rules.first_tab_problem(ASP, "candidat", saved_tabs=[]) is not None
    assert "Identification" in rules.first_tab_problem(ASP, "candidat", []).message  # type: ignore[union-attr]
    assert rules.first_tab_problem(ASP, "candidat", ["identification"]) is None
    assert rules.first_tab_problem(ASP, "identification", []) is None
    assert rules.first_tab_problem(CESP, "etudes", []) is None


def test_asp_rpps_or_planned_registration() -> None:
    base = {
        "civilite": "F",
        "nom": "Martin",
        "prenom": "Claire",
        "date_naissance": "1994-02-01",
        "email": "claire.martin@example.org",
        "des": "Cardiologie",
        "date_fin_internat": "2026-10-31",
    }
    registered = {"candidat": dict(base, inscrit_ordre=True)}
    assert [p.field for p in rules.tab_problems(ASP, "candidat", registered)] == ["rpps"]
    planned = {"candidat": dict(base, inscrit_ordre=False)}
    assert [p.field for p in rules.tab_problems(ASP, "candidat", planned)] == [
        "date_previsionnelle_inscription"
    ]
    required = {p.key for p in rules.required_pieces(ASP, registered)}
    assert "attestation_ordre" in required
    assert "attestation_ordre" not in {p.key for p in rules.required_pieces(ASP, planned)}


def test_asp_pieces_are_pdf_only_and_dossier_complet_box_required() -> None:
    assert all(p.formats == ("pdf",) for p in ASP.pieces)
    pieces_tab = ASP.pieces_tab
    assert pieces_tab is not None and pieces_tab.kind is TabKind.PIECES
    problems = rules.tab_problems(ASP, "pieces", {}, {})
    assert "dossier_complet" in {p.field for p in problems}
    assert rules.tab_state(ASP, "pieces", {}, {}) is TabState.VIDE
