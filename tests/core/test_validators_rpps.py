"""RPPS numbers: 11 digits starting with 1, Luhn key over the whole number."""

from __future__ import annotations

import pytest

from cesp_core.validators import validate_rpps

# RPPS numbers published in public code and documentation (a physician's directory record
# and the example of an RPPS client library); both carry a valid Luhn key.
REAL = ["10005173140", "10002727377"]


@pytest.mark.parametrize("number", REAL)
def test_real_numbers(number: str) -> None:
    assert validate_rpps(number) is None


def test_lenient_input() -> None:
    assert validate_rpps(" 100 0517 3140 ") is None
    assert validate_rpps("1-00-05-17-31-40") is None


@pytest.mark.parametrize("number", ["10005173141", "10002727373", "10005713140"])
def test_wrong_key(number: str) -> None:
    message = validate_rpps(number)
    assert message is not None and "clé" in message


def test_placeholder_numbers_are_refused() -> None:
    # Made-up numbers seen in examples fail the Luhn key.
    assert validate_rpps("10001234567") is not None
    assert validate_rpps("12345678901") is not None


def test_length() -> None:
    message = validate_rpps("1000517314")
    assert message is not None and "11 chiffres" in message and "10" in message


def test_first_digit() -> None:
    message = validate_rpps("20005173140")
    assert message is not None and "commence par 1" in message


def test_letters() -> None:
    message = validate_rpps("1000517314A")
    assert message is not None and "chiffres" in message


def test_empty() -> None:
    assert validate_rpps("") is not None
