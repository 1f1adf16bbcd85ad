"""`cesp_core.keying`: what a NIR fills, the batch's carry-over, "dup", the first field an
agent keys (pure functions, no app)."""

from __future__ import annotations

from datetime import date

from cesp_core.demarches import CESP
from cesp_core.keying import (
    carry_over,
    first_field_to_key,
    nir_prefill,
    previous_value,
    repeatable_fields,
)
from tests.support.dossiers import CESP_NIR, complete_cesp_values, nir_with_key

TODAY = date(2026, 11, 23)
WOMAN_2A = nir_with_key("205042A004123")  # born April 2005 in Corse-du-Sud, Ajaccio (2A004)
ABROAD = nir_with_key("1880399350001")  # born March 1988 in Morocco (99350)
PROVISIONAL = nir_with_key("7990387085123")
OLD_CORSICA = nir_with_key("1600320004123")  # "20": Corsica before 1976, no department today


# --- NIR prefill --------------------------------------------------------------------------------


def test_a_nir_fills_civilite_department_and_commune_when_empty() -> None:
    assert nir_prefill({}, CESP_NIR, today=TODAY) == {
        "civilite": "M",
        "departement_naissance": "87",
        "commune_naissance": "87085",
    }


def test_corsica_and_a_woman() -> None:
    found = nir_prefill({}, WOMAN_2A, today=TODAY)
    assert found["civilite"] == "F"
    assert found["departement_naissance"] == "2A"
    assert found["commune_naissance"] == "2A004"


def test_the_nir_never_overwrites_what_is_typed() -> None:
    typed = {"civilite": "F", "departement_naissance": "23", "commune_naissance": "23096"}
    assert nir_prefill(typed, CESP_NIR, today=TODAY) == {}


def test_the_commune_follows_only_the_department_of_the_nir() -> None:
    # Another department typed: the NIR's commune (in 87) is not put there.
    assert nir_prefill({"departement_naissance": "23"}, CESP_NIR, today=TODAY) == {"civilite": "M"}
    # Born abroad ticked: no French birthplace from the NIR.
    assert nir_prefill({"ne_a_l_etranger": True}, CESP_NIR, today=TODAY) == {"civilite": "M"}


def test_a_day_alone_is_completed_with_the_month_and_year_of_the_nir() -> None:
    assert nir_prefill({"date_naissance": "15"}, CESP_NIR, today=TODAY)["date_naissance"] == (
        "1999-03-15"
    )
    assert nir_prefill({"date_naissance": "4/"}, WOMAN_2A, today=TODAY)["date_naissance"] == (
        "2005-04-04"
    )
    # A complete date is kept; a day that does not exist in that month is left to the agent.
    assert "date_naissance" not in nir_prefill(
        {"date_naissance": "1999-03-16"}, CESP_NIR, today=TODAY
    )
    assert "date_naissance" not in nir_prefill(
        {"date_naissance": "31"}, WOMAN_2A, today=TODAY
    )  # 31 April


def test_born_abroad_provisional_and_invalid_numbers() -> None:
    assert nir_prefill({}, ABROAD, today=TODAY) == {"civilite": "M", "ne_a_l_etranger": True}
    assert nir_prefill({}, PROVISIONAL, today=TODAY) == {"civilite": "M"}  # only the sex
    assert nir_prefill({}, OLD_CORSICA, today=TODAY) == {"civilite": "M"}  # no dept "20" today
    assert nir_prefill({}, CESP_NIR[:-1] + "0", today=TODAY) == {}  # wrong key
    assert nir_prefill({}, CESP_NIR[:13], today=TODAY) == {}  # not complete


# --- carry-over and dup ---------------------------------------------------------------------------


def test_the_repeatable_fields_are_the_campaign_level_ones() -> None:
    assert repeatable_fields(CESP) == [
        ("etudes", "filiere"),
        ("etudes", "universite"),
        ("etudes", "annee_universitaire"),
        ("etudes", "universite_3e_cycle"),
        ("etudes", "subdivision"),
        ("etudes", "des"),
    ]


def test_carry_over_takes_the_batch_fields_into_blank_fields_only() -> None:
    previous = complete_cesp_values()
    assert carry_over(CESP, previous, {}) == {
        "etudes": {
            "filiere": "medecine",
            "universite": "Université de Limoges, UFR de médecine",
            "annee_universitaire": "2025-2026",
        }
    }
    # Typed in the new dossier: kept.
    current = {"etudes": {"filiere": "odontologie"}}
    assert "filiere" not in carry_over(CESP, previous, current)["etudes"]
    # Nothing but repeatable fields: no NIR, no name, no level.
    assert set(carry_over(CESP, previous, {})) == {"etudes"}


def test_carry_over_leaves_out_what_the_previous_dossier_hid() -> None:
    previous = complete_cesp_values()
    previous["etudes"] |= {
        "niveau": "3E_CYCLE",
        "universite_3e_cycle": "Université de Limoges",
        "subdivision": "Limoges",
        "des": "Médecine générale",
    }
    carried = carry_over(CESP, previous, {})["etudes"]
    assert carried == {
        "filiere": "medecine",
        "universite_3e_cycle": "Université de Limoges",
        "subdivision": "Limoges",
        "des": "Médecine générale",
    }  # the 2e-cycle université and year, hidden by "3e cycle", stay behind


def test_dup_is_the_same_field_of_the_previous_dossier() -> None:
    previous = complete_cesp_values()
    assert previous_value(previous, "adresse", "code_postal") == "87000"
    assert previous_value(previous, "adresse", "complement") is None
    assert previous_value(None, "adresse", "code_postal") is None


def test_the_first_field_to_key_skips_what_the_nir_will_fill() -> None:
    identity = {
        "etat_civil": {
            "civilite": "M",
            "nom_naissance": "Durand",
            "prenoms": "Jean",
            "date_naissance": "1999-03-15",
        }
    }
    assert first_field_to_key(CESP, "etat_civil", identity) == "nir"
    assert first_field_to_key(CESP, "etat_civil", {}) == "nom_naissance"
    with_nir = {"etat_civil": {**identity["etat_civil"], "nir": CESP_NIR}}
    assert first_field_to_key(CESP, "etat_civil", with_nir) == "departement_naissance"
    assert first_field_to_key(CESP, "etudes", {"etudes": {"filiere": "medecine"}}) == "niveau"
    assert first_field_to_key(CESP, "adresse", complete_cesp_values()) is None
