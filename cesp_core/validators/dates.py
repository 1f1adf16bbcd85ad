"""Dates typed by a user: ``jj/mm/aaaa``, ``jjmmaaaa`` (8 digits, the fastest to key),
``aaaa-mm-jj`` (how dossiers store them); messages in French.
"""

from __future__ import annotations

import re
from datetime import date

__all__ = [
    "MAX_AGE",
    "MIN_AGE",
    "age_on",
    "format_date",
    "parse_date",
    "validate_birth_date",
    "validate_date",
    "validate_planned_date",
]

#: Age bounds of the programme's applicants (students to doctors late in their career).
MIN_AGE = 16
MAX_AGE = 80

_DAY_FIRST = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})")
_COMPACT = re.compile(r"(\d{2})(\d{2})(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")

_FORMAT_MESSAGE = "Saisissez une date au format jj/mm/aaaa (par exemple 25/12/1998)."


def _parts(value: str) -> tuple[int, int, int] | None:
    """(year, month, day) as typed, not yet checked; None when the format is not ours."""
    text = value.strip()
    if m := _ISO.fullmatch(text):
        return int(m[1]), int(m[2]), int(m[3])
    if m := _DAY_FIRST.fullmatch(text) or _COMPACT.fullmatch(text):
        return int(m[3]), int(m[2]), int(m[1])
    return None


def parse_date(value: str) -> date | None:
    """The date ``value`` denotes, or None (bad format or a day that does not exist)."""
    parts = _parts(value)
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def format_date(value: date) -> str:
    """``25/12/1998``."""
    return value.strftime("%d/%m/%Y")


def validate_date(
    value: str, *, min_date: date | None = None, max_date: date | None = None
) -> str | None:
    """A French message saying what is wrong with the date, or None when valid."""
    if not value.strip():
        return _FORMAT_MESSAGE
    parts = _parts(value)
    if parts is None:
        return _FORMAT_MESSAGE
    try:
        parsed = date(*parts)
    except ValueError:
        year, month, day = parts
        if not 1 <= month <= 12:
            return f"Le mois {month:02d} n'existe pas : saisissez un mois entre 01 et 12."
        if year < 1:
            return _FORMAT_MESSAGE
        return f"Le {day:02d}/{month:02d}/{year:04d} n'existe pas : vérifiez le jour."
    if min_date is not None and parsed < min_date:
        return f"La date doit être le {format_date(min_date)} ou après."
    if max_date is not None and parsed > max_date:
        return f"La date doit être le {format_date(max_date)} ou avant."
    return None


def age_on(birth: date, today: date) -> int:
    """Age in whole years on ``today``."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def validate_birth_date(value: str | date, today: date | None = None) -> str | None:
    """A plausible date of birth for this programme: not in the future, an age between
    `MIN_AGE` and `MAX_AGE` years (both included)."""
    today = today or date.today()
    if isinstance(value, date):
        birth = value
    else:
        message = validate_date(value)
        if message is not None:
            return message
        birth = parse_date(value)
        assert birth is not None
    if birth > today:
        return "La date de naissance ne peut pas être dans le futur : vérifiez l'année."
    age = age_on(birth, today)
    if age < MIN_AGE:
        return (
            f"Cette date de naissance donne un âge de {age} an{'s' if age > 1 else ''} : "
            f"il faut avoir au moins {MIN_AGE} ans. Vérifiez l'année."
        )
    if age > MAX_AGE:
        return (
            f"Cette date de naissance donne un âge de {age} ans, plus de {MAX_AGE} ans : "
            "vérifiez l'année."
        )
    return None


def validate_planned_date(value: str, *, today: date | None = None) -> str | None:
    """A date still to come (a planned registration): today or later; ``today`` is the
    day in Paris unless given."""
    message = validate_date(value)
    if message is not None:
        return message
    parsed = parse_date(value)
    if today is None:
        from cesp_core.timefmt import paris_now

        today = paris_now().date()
    if parsed is not None and parsed < today:
        return (
            f"Cette date est passée : une date prévisionnelle est le {format_date(today)} ou après."
        )
    return None
