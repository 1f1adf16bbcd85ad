"""Masking of the NIR and the IBAN: fields, dossier data, free text (logs, mails)."""

from __future__ import annotations

import pytest

from cesp_core.demarches import ASP, CESP
from cesp_core.demarches.model import FieldType
from cesp_core.masking import (
    is_masked,
    mask_dossier_data,
    mask_iban,
    mask_nir,
    mask_text,
    mask_value,
    sensitive_fields,
)


def nir_with_key(first13: str) -> str:
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return f"{first13}{97 - int(digits) % 97:02d}"


NIR = nir_with_key("1990387085123")  # 1 99 03 87 085 123 + key
KEY = NIR[-2:]
IBAN = "FR7630006000011234567890189"


def test_nir_keeps_the_sex_digit_and_the_key_only() -> None:
    assert mask_nir(NIR) == f"1 ** ** ** *** *** {KEY}"
    assert mask_nir("1 99 03 87 085 123 " + KEY) == mask_nir(NIR)
    assert mask_nir("1.99.03.87.085.123." + KEY) == mask_nir(NIR)
    corse = nir_with_key("285052A004321")
    masked = mask_nir(corse)
    assert masked.startswith("2 ") and masked.endswith(corse[-2:])
    assert "2A" not in masked and "004" not in masked
    assert mask_nir("1990") == "1 ** *"  # partial: only the first character stays
    assert mask_nir("") == ""


def test_iban_keeps_country_check_digits_and_last_four() -> None:
    assert mask_iban(IBAN) == "FR76 **** **** **** **** ***0 189"
    assert mask_iban("fr76 3000 6000 0112 3456 7890 189") == mask_iban(IBAN)
    assert mask_iban("FR76") == "FR**"
    for part in ("3000", "6000", "0112", "3456", "7890"):
        assert part not in mask_iban(IBAN).replace(" ", "")[4:-4]


def test_mask_value_by_type() -> None:
    assert mask_value(FieldType.NIR, NIR) == mask_nir(NIR)
    assert mask_value("iban", IBAN) == mask_iban(IBAN)
    # the BIC names a bank, not an account: not sensitive; nor is anything else
    assert mask_value(FieldType.BIC, "AGRIFRPP") == "AGRIFRPP"
    assert mask_value(FieldType.TEXT, NIR) == NIR
    for empty in (None, "", "  ", True):
        assert mask_value(FieldType.NIR, empty) == empty
    assert is_masked(mask_nir(NIR)) and is_masked(mask_iban(IBAN))
    assert not is_masked(NIR) and not is_masked(None)


def test_sensitive_fields_of_the_demarches() -> None:
    assert sensitive_fields(CESP) == [("etat_civil", "nir"), ("coordonnees_bancaires", "iban")]
    assert sensitive_fields(ASP) == []


def test_mask_dossier_data_masks_only_the_sensitive_fields() -> None:
    data = {
        "etat_civil": {"nom_naissance": "Durand", "nir": NIR, "nationalite_francaise": True},
        "coordonnees_bancaires": {"iban": IBAN, "bic": "AGRIFRPP", "titulaire": "J. Durand"},
        "adresse": {"telephone": "06 12 34 56 78"},
    }
    masked = mask_dossier_data(CESP, data)
    assert masked["etat_civil"] == {
        "nom_naissance": "Durand",
        "nir": mask_nir(NIR),
        "nationalite_francaise": True,
    }
    assert masked["coordonnees_bancaires"]["iban"] == mask_iban(IBAN)
    assert masked["coordonnees_bancaires"]["bic"] == "AGRIFRPP"
    assert masked["adresse"] == data["adresse"]
    assert data["etat_civil"]["nir"] == NIR  # the input is not changed


@pytest.mark.parametrize(
    "typed",
    [
        NIR,
        f"{NIR[0]} {NIR[1:3]} {NIR[3:5]} {NIR[5:7]} {NIR[7:10]} {NIR[10:13]} {NIR[13:]}",
        f"{NIR[0]}%20{NIR[1:3]}%20{NIR[3:5]}%20{NIR[5:7]}%20{NIR[7:10]}%20{NIR[10:]}",
        f"{NIR[0]}+{NIR[1:3]}+{NIR[3:5]}+{NIR[5:7]}+{NIR[7:10]}+{NIR[10:13]}+{NIR[13:]}",
        NIR[:13],  # without its key
    ],
)
def test_mask_text_finds_a_nir_however_typed(typed: str) -> None:
    line = f'127.0.0.1 - "GET /api/v1/dossiers?q={typed} HTTP/1.1" 200'
    masked = mask_text(line)
    assert NIR[3:13] not in masked.replace(" ", "").replace("%20", "").replace("+", "")
    assert masked.startswith('127.0.0.1 - "GET /api/v1/dossiers?q=1 **')
    assert masked.endswith(' HTTP/1.1" 200')


def test_mask_text_finds_an_iban() -> None:
    for typed in (IBAN, "FR76 3000 6000 0112 3456 7890 189", "FR76%203000%206000%200112%203456"):
        masked = mask_text(f"iban={typed};")
        assert "3000" not in masked and "0112" not in masked, masked
        assert masked.startswith("iban=FR76 ****") and masked.endswith(";")


@pytest.mark.parametrize(
    "text",
    [
        "dossier 3f2a9c1e-1234-4567-89ab-1234567890ab",
        "CESP-2026-000042 transmis le 2026-03-13T23:59:59+01:00",
        "téléphone 06 12 34 56 78, code postal 87000",
        "sha256 4c8a1b0e5f3d2c7a9b8e1f0d3c2b5a4e6f7d8c9b0a1e2f3d4c5b6a7e8f9d0c1b",
        "FINESS 750712184, RPPS 10003456789, port 54321",
        "",
    ],
)
def test_mask_text_leaves_other_values_alone(text: str) -> None:
    assert mask_text(text) == text
