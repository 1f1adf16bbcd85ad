"""The FINESS number of a health or social establishment (Fichier national des
établissements sanitaires et sociaux).

9 characters: the department of the establishment (2 characters: ``01``-``95``, ``2A`` or
``2B`` for Corsica, ``97`` overseas, ``98`` Mayotte), a 6-digit number, and a check
character computed with the Luhn algorithm over the first 8 (``stdnum.luhn``). For the
Luhn computation, the Corsican ``2A`` and ``2B`` count as ``21`` and ``22``. python-stdnum
has no FINESS module; sources and the remaining uncertainty are in
docs/adr/0003-validators.md.
"""

from __future__ import annotations

import re

from stdnum import luhn

__all__ = ["compact_finess", "format_finess", "validate_finess"]

_SEPARATORS = re.compile(r"[\s.\-_/]+")
_CORSICA_FOR_LUHN = {"2A": ("21", "20"), "2B": ("22", "20")}


def compact_finess(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def format_finess(value: str) -> str:
    """As the FINESS site prints it: ``75 071 218 4``."""
    c = compact_finess(value)
    if len(c) != 9:
        return c
    return f"{c[:2]} {c[2:5]} {c[5:8]} {c[8]}"


def _department_ok(prefix: str) -> bool:
    if prefix in ("2A", "2B", "97", "98"):
        return True
    return prefix.isdigit() and 1 <= int(prefix) <= 95 and prefix != "20"


def _luhn_ok(number: str) -> bool:
    variants = _CORSICA_FOR_LUHN.get(number[:2])
    if variants is None:
        return luhn.is_valid(number)
    # 2A/2B → 21/22 is the rule applied by the public services we found; we also accept
    # 20 (older documentation) rather than reject a real Corsican establishment.
    return any(luhn.is_valid(digits + number[2:]) for digits in variants)


def validate_finess(value: str) -> str | None:
    """A French message saying what is wrong with the FINESS number, or None when valid."""
    number = compact_finess(value)
    if not number:
        return "Saisissez le n° FINESS de l'établissement (9 caractères)."
    if len(number) != 9:
        return (
            "Le n° FINESS compte 9 caractères (2 pour le département, puis 7 chiffres) : "
            f"vous en avez saisi {len(number)}."
        )
    if not (number[2:].isdigit() and number[2:].isascii()) or not (
        number[:2].isdigit() or number[:2] in ("2A", "2B")
    ):
        return (
            "Le n° FINESS ne contient que des chiffres (les 2 premiers peuvent être 2A ou 2B "
            "pour la Corse)."
        )
    if not _department_ok(number[:2]):
        return (
            f"Le n° FINESS commence par le département de l'établissement : « {number[:2]} » "
            "n'est pas un département."
        )
    if not _luhn_ok(number):
        return (
            "Le dernier chiffre du n° FINESS (la clé) ne correspond pas aux 8 premiers : "
            "vérifiez le numéro."
        )
    return None
