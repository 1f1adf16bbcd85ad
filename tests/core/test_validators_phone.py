"""Telephone numbers: French national and international forms, overseas, foreign."""

from __future__ import annotations

import pytest

from cesp_core.validators import format_phone, validate_phone


@pytest.mark.parametrize(
    ("value", "formatted"),
    [
        ("06 12 34 56 78", "06 12 34 56 78"),
        ("0612345678", "06 12 34 56 78"),
        ("06.12.34.56.78", "06 12 34 56 78"),
        ("06-12-34-56-78", "06 12 34 56 78"),
        ("+33 6 12 34 56 78", "06 12 34 56 78"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("0033612345678", "06 12 34 56 78"),
        ("01 23 45 67 89", "01 23 45 67 89"),
        ("09 70 12 34 56", "09 70 12 34 56"),
    ],
)
def test_french_numbers(value: str, formatted: str) -> None:
    assert validate_phone(value) is None
    assert format_phone(value) == formatted


@pytest.mark.parametrize(
    ("value", "formatted"),
    [
        ("0692 12 34 56", "0692 12 34 56"),  # La Réunion mobile, typed from France
        ("+262 692 12 34 56", "0692 12 34 56"),
        ("0262 21 34 56", "0262 21 34 56"),  # La Réunion landline
        ("+590 690 12 34 56", "0690 12 34 56"),  # Guadeloupe
        ("0696 12 34 56", "0696 12 34 56"),  # Martinique
    ],
)
def test_overseas_numbers(value: str, formatted: str) -> None:
    assert validate_phone(value) is None
    assert format_phone(value) == formatted


@pytest.mark.parametrize(
    ("value", "formatted"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+49 30 901820", "+4930901820"),
        ("+32 2 555 12 12", "+3225551212"),
        ("+687 75 12 34", "+687751234"),  # New Caledonia has its own numbering plan
    ],
)
def test_international_numbers(value: str, formatted: str) -> None:
    assert validate_phone(value) is None
    assert format_phone(value) == formatted


def test_too_short() -> None:
    message = validate_phone("06 12 34 56")
    assert message is not None and "10 chiffres" in message and "8" in message


def test_too_long() -> None:
    message = validate_phone("06 12 34 56 78 9")
    assert message is not None and "10 chiffres" in message and "11" in message


def test_impossible_french_number() -> None:
    # 10 digits, but 00 is no French prefix.
    assert validate_phone("0012345678") is not None


def test_invalid_international() -> None:
    message = validate_phone("+99 123 456")
    assert message is not None and "international" in message


def test_letters() -> None:
    message = validate_phone("06 12 AB 56 78")
    assert message is not None and "chiffres" in message


def test_empty() -> None:
    assert validate_phone("") is not None


def test_format_leaves_an_invalid_number_alone() -> None:
    assert format_phone(" 06 12 34 ") == "06 12 34"


def test_other_default_region() -> None:
    assert validate_phone("030 901820", region="DE") is None
    assert format_phone("030 901820", region="DE") == "+4930901820"
