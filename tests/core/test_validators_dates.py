"""Dates typed by a user, and plausible dates of birth."""

from __future__ import annotations

from datetime import date

import pytest

from cesp_core.validators import (
    age_on,
    format_date,
    parse_date,
    validate_birth_date,
    validate_date,
)

TODAY = date(2025, 3, 1)


@pytest.mark.parametrize(
    "value",
    ["25/12/1998", "25121998", "1998-12-25", " 25/12/1998 ", "25.12.1998", "25-12-1998"],
)
def test_accepted_formats(value: str) -> None:
    assert parse_date(value) == date(1998, 12, 25)
    assert validate_date(value) is None


def test_single_digit_day_and_month() -> None:
    assert parse_date("1/2/1990") == date(1990, 2, 1)


@pytest.mark.parametrize("value", ["", "1998/12/25", "25/12/98", "2512199", "hier", "25 déc 1998"])
def test_refused_formats(value: str) -> None:
    assert parse_date(value) is None
    message = validate_date(value)
    assert message is not None and "jj/mm/aaaa" in message


def test_day_that_does_not_exist() -> None:
    assert parse_date("31/02/2000") is None
    message = validate_date("31/02/2000")
    assert message is not None and "31/02/2000 n'existe pas" in message


def test_leap_day() -> None:
    assert validate_date("29/02/2000") is None
    assert validate_date("29/02/2001") is not None


def test_month_that_does_not_exist() -> None:
    message = validate_date("12/13/2000")
    assert message is not None and "mois 13" in message


def test_bounds() -> None:
    low, high = date(2020, 1, 1), date(2020, 12, 31)
    assert validate_date("01/01/2020", min_date=low, max_date=high) is None
    assert validate_date("31/12/2020", min_date=low, max_date=high) is None
    before = validate_date("31/12/2019", min_date=low)
    assert before is not None and "01/01/2020 ou après" in before
    after = validate_date("01/01/2021", max_date=high)
    assert after is not None and "31/12/2020 ou avant" in after


def test_format_and_age() -> None:
    assert format_date(date(1998, 12, 5)) == "05/12/1998"
    assert age_on(date(2000, 3, 1), TODAY) == 25
    assert age_on(date(2000, 3, 2), TODAY) == 24


class TestBirthDate:
    def test_plausible(self) -> None:
        assert validate_birth_date("15/06/1998", today=TODAY) is None
        assert validate_birth_date(date(1998, 6, 15), today=TODAY) is None

    def test_sixteen_today_is_accepted(self) -> None:
        assert validate_birth_date("01/03/2009", today=TODAY) is None

    def test_fifteen_is_refused(self) -> None:
        message = validate_birth_date("02/03/2009", today=TODAY)
        assert message is not None and "15 ans" in message and "16 ans" in message

    def test_eighty_is_accepted_eighty_one_refused(self) -> None:
        assert validate_birth_date("02/03/1944", today=TODAY) is None
        message = validate_birth_date("01/03/1944", today=TODAY)
        assert message is not None and "81 ans" in message

    def test_future(self) -> None:
        message = validate_birth_date("02/03/2025", today=TODAY)
        assert message is not None and "futur" in message

    def test_bad_format_message(self) -> None:
        message = validate_birth_date("31/02/2000", today=TODAY)
        assert message is not None and "n'existe pas" in message

    def test_default_today(self) -> None:
        assert validate_birth_date("01/01/2000") is None
