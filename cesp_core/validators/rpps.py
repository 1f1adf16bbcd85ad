"""The RPPS number of a health professional (Répertoire partagé des professionnels de santé).

11 digits, starting with ``1``; the last one is a Luhn check digit over the first 10
(``stdnum.luhn``). python-stdnum has no RPPS module; sources in
docs/adr/0003-validators.md.
"""

from __future__ import annotations

import re

from stdnum import luhn

__all__ = ["compact_rpps", "validate_rpps"]

_SEPARATORS = re.compile(r"[\s.\-_/]+")


def compact_rpps(value: str) -> str:
    return _SEPARATORS.sub("", value)


def validate_rpps(value: str) -> str | None:
    """A French message saying what is wrong with the RPPS number, or None when valid."""
    number = compact_rpps(value)
    if not number:
        return "Saisissez le n° RPPS (11 chiffres)."
    if not (number.isdigit() and number.isascii()):
        return "Le n° RPPS ne contient que des chiffres."
    if len(number) != 11:
        return f"Le n° RPPS compte 11 chiffres : vous en avez saisi {len(number)}."
    if number[0] != "1":
        return f"Un n° RPPS commence par 1, pas par {number[0]} : vérifiez le numéro."
    if not luhn.is_valid(number):
        return "Le dernier chiffre du n° RPPS (la clé) ne correspond pas : vérifiez le numéro."
    return None
