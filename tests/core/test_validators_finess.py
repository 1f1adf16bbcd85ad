"""FINESS numbers: real establishments, corrupted ones, Corsica and overseas."""

from __future__ import annotations

import pytest

from cesp_core.validators import format_finess, validate_finess

# Numbers found in public data and code: DREES SAE extracts, PMSI scripts (the AP-HP,
# AP-HM and HCL legal entities), the Annuaire Santé FHIR API documentation, a GHT listing
# (CHU de Limoges), and a public analysis of burn-centre stays (2011) listing the FINESS
# of the French burn centres, mainland and overseas.
REAL = {
    "750712184": "AP-HP, entité juridique",
    "750100125": "Hôpital de la Pitié-Salpêtrière",
    "130786049": "AP-HM",
    "690781810": "Hospices civils de Lyon",
    "010780914": "example of the Annuaire Santé FHIR API",
    "870000015": "CHU de Limoges",
    "330781196": "burn centre, Gironde",
    "310781406": "burn centre, Haute-Garonne",
    "590780193": "burn centre, Nord",
    "920120011": "burn centre, Hauts-de-Seine",
    "970100228": "burn centre, Guadeloupe (97, 0, department digit 1)",
    "970211207": "burn centre, Martinique (97, 0, department digit 2)",
    "970408589": "burn centre, La Réunion (97, 0, department digit 4)",
    "980500003": "burn centre, Mayotte (98)",
}


@pytest.mark.parametrize("number", sorted(REAL))
def test_real_numbers(number: str) -> None:
    assert validate_finess(number) is None


@pytest.mark.parametrize("number", ["2A0000014", "2B0000020", "2a0000014"])
def test_corsica(number: str) -> None:
    # Corsican numbers: the Luhn key counts 2A as 21 and 2B as 22 (see ADR 0003).
    assert validate_finess(number) is None


def test_lenient_input() -> None:
    assert validate_finess(" 75 071 218 4 ") is None
    assert validate_finess("75-071-218-4") is None
    assert format_finess("750712184") == "75 071 218 4"


@pytest.mark.parametrize("number", ["750712185", "870000016", "750100152", "2A0000015"])
def test_wrong_key(number: str) -> None:
    message = validate_finess(number)
    assert message is not None and "clé" in message


def test_length() -> None:
    message = validate_finess("75071218")
    assert message is not None and "9 caractères" in message and "8" in message


def test_letters() -> None:
    message = validate_finess("75O712184")
    assert message is not None and "chiffres" in message
    assert validate_finess("2C0000014") is not None


@pytest.mark.parametrize("number", ["000000000", "990000001", "960000001", "200000001"])
def test_department_prefix(number: str) -> None:
    message = validate_finess(number)
    assert message is not None and "département" in message


def test_empty() -> None:
    assert validate_finess("") is not None
