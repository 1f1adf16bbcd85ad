"""The password policy of the CESP guide: "minimum 8 caractères sans accent avec au moins
un chiffre et un caractère spécial".

"Sans accent" is enforced as "ASCII only": accented letters and any other non-ASCII
character (``€``, ``ß``...) are refused, since they are what the rule protects against
(keyboards and terminals that cannot type them back). A special character is any printable
ASCII character that is neither a letter, a digit nor a space.
"""

from __future__ import annotations

__all__ = ["MIN_LENGTH", "PASSWORD_RULES", "password_problems", "validate_password"]

MIN_LENGTH = 8

#: The rules as displayed beside the password field.
PASSWORD_RULES: list[str] = [
    f"Au moins {MIN_LENGTH} caractères",
    "Aucun accent (é, è, à, ç…) ni autre caractère non standard (€, ß…)",
    "Au moins un chiffre",
    "Au moins un caractère spécial (! ? @ # $ % & * + - _ . …)",
]


def _is_special(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isalnum() and char != " "


def password_problems(password: str) -> list[str]:
    """Each rule ``password`` does not meet, as a French sentence (live hints)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            f"Le mot de passe doit comporter au moins {MIN_LENGTH} caractères "
            f"({len(password)} saisi{'s' if len(password) > 1 else ''})."
        )
    foreign = sorted({c for c in password if not c.isascii()})
    if foreign:
        problems.append(
            "Le mot de passe ne doit pas contenir de lettre accentuée ni de caractère non "
            f"standard : {' '.join(foreign)}."
        )
    if not any(c.isdigit() and c.isascii() for c in password):
        problems.append("Le mot de passe doit contenir au moins un chiffre.")
    if not any(_is_special(c) for c in password):
        problems.append(
            "Le mot de passe doit contenir au moins un caractère spécial (! ? @ # $ % & * …)."
        )
    return problems


def validate_password(password: str) -> str | None:
    """All unmet rules in one French message, or None when the password is acceptable."""
    problems = password_problems(password)
    return " ".join(problems) if problems else None
