"""Postal codes against the INSEE referentials (cesp_core/referentials/data/communes.csv)."""

from __future__ import annotations

import pytest

from cesp_core.validators import validate_postal_code


@pytest.mark.parametrize(
    ("cp", "commune"),
    [
        ("87000", "87085"),  # Limoges
        ("87100", "87085"),
        ("75001", "75056"),  # Paris and its 1st arrondissement
        ("75001", "75101"),
        ("75116", "75056"),
        ("20000", "2A004"),  # Ajaccio
        ("20200", "2B033"),  # Bastia
        ("97400", "97411"),  # Saint-Denis (La Réunion)
        ("93200", "93066"),  # Saint-Denis (Seine-Saint-Denis)
    ],
)
def test_postal_code_of_the_commune(cp: str, commune: str) -> None:
    assert validate_postal_code(cp, commune) is None


def test_without_commune() -> None:
    assert validate_postal_code("87000") is None
    assert validate_postal_code(" 87 000 ") is None


def test_unknown_code() -> None:
    message = validate_postal_code("00000")
    assert message is not None and "00000" in message and "n'existe pas" in message


def test_length() -> None:
    message = validate_postal_code("8700")
    assert message is not None and "5 chiffres" in message and "4" in message


def test_letters() -> None:
    message = validate_postal_code("2A000")
    assert message is not None and "chiffres" in message


def test_mismatch() -> None:
    message = validate_postal_code("87000", "2A004")
    assert message is not None
    assert "Ajaccio" in message and "Limoges" in message


def test_arrondissement_mismatch() -> None:
    message = validate_postal_code("75001", "75115")
    assert message is not None and "Paris 15e Arrondissement" in message


def test_same_name_other_department() -> None:
    # Saint-Denis (La Réunion) is not Saint-Denis (Seine-Saint-Denis).
    assert validate_postal_code("93200", "97411") is not None


def test_empty() -> None:
    assert validate_postal_code("") is not None
