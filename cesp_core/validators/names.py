"""Names that go into official mails: a person's nom and prénom.

Only letters (any script's, accented ones included), spaces, hyphens and apostrophes
(``'`` and ``’``) are allowed: a line or paragraph separator (U+2028, U+2029), a control or
format character, a digit or punctuation could let attacker text shape a code mail
("Bonjour {{ prenom }}").
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_NAME_LENGTH", "validate_organisation_name", "validate_person_name"]

MAX_NAME_LENGTH = 80
_NAME_MARKS = frozenset(" -'’")


def validate_person_name(value: str, label: str = "Ce nom") -> str | None:
    """A French message when ``value`` is not a plausible nom or prénom, else None."""
    if not value:
        return None
    if len(value) > MAX_NAME_LENGTH:
        return f"{MAX_NAME_LENGTH} caractères au plus."
    for char in value:
        if char in _NAME_MARKS:
            continue
        # combining accents (NFD input) are part of letters
        if unicodedata.category(char)[0] not in "LM":
            return (
                f"{label} ne peut contenir que des lettres, des espaces, des traits d'union "
                "et des apostrophes."
            )
    if not any(unicodedata.category(c)[0] == "L" for c in value):
        return f"{label} doit contenir au moins une lettre."
    return None


def validate_organisation_name(value: str, max_length: int = 160) -> str | None:
    """An établissement's name: printable text on one line (no control, format or
    line/paragraph separator character), else a French message."""
    if len(value) > max_length:
        return f"{max_length} caractères au plus."
    for char in value:
        category = unicodedata.category(char)
        if category[0] == "C" or category in ("Zl", "Zp") or (category == "Zs" and char != " "):
            return "Le nom ne peut contenir ni saut de ligne ni caractère invisible ou spécial."
    return None
