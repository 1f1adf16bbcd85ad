"""French postal codes: 5 digits, known to the referentials, and carried by the commune
chosen beside them. For an address abroad, do not call this (the rules skip it)."""

from __future__ import annotations

import re

from cesp_core import referentials

__all__ = ["compact_postal_code", "validate_postal_code"]

_SEPARATORS = re.compile(r"[\s.\-]+")


def compact_postal_code(value: str) -> str:
    return _SEPARATORS.sub("", value)


def _commune_name(code: str) -> str | None:
    communes = referentials.communes_by_code(code)
    if not communes:
        return None
    current = [c for c in communes if c.type == "commune-actuelle"]
    return (current or list(communes))[0].nom


def validate_postal_code(value: str, commune_code: str | None = None) -> str | None:
    """A French message saying what is wrong with the postal code, or None when valid.

    With ``commune_code`` (the INSEE code of the commune chosen beside it), the commune,
    one of its delegated or associated communes or arrondissements, must carry the code.
    """
    cp = compact_postal_code(value)
    if not cp:
        return "Saisissez le code postal (5 chiffres)."
    if not (cp.isdigit() and cp.isascii()):
        return "Le code postal ne contient que des chiffres (5 chiffres, par exemple 87000)."
    if len(cp) != 5:
        return f"Le code postal compte 5 chiffres : vous en avez saisi {len(cp)}."
    communes = referentials.communes_by_postal_code(cp)
    if not communes:
        return f"Le code postal {cp} n'existe pas : vérifiez-le."
    if commune_code is None:
        return None
    code = commune_code.strip().upper()
    for commune in communes:
        if code in (commune.code, commune.chef_lieu):
            return None
    for commune in referentials.communes_by_code(code):
        if cp in commune.codes_postaux:
            return None
    name = _commune_name(code) or code
    names = sorted({c.nom for c in communes if c.type == "commune-actuelle"}) or sorted(
        {c.nom for c in communes}
    )
    shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
    return (
        f"Le code postal {cp} ne correspond pas à la commune choisie ({name}) : il est celui "
        f"de {shown}. Vérifiez le code postal ou la commune."
    )
