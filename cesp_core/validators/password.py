"""The password policy of the CESP guide: "minimum 8 caractères sans accent avec au moins
un chiffre et un caractère spécial", hardened (issue 15): at least one letter, no space at
either end (refused, never stripped silently), and not one of the most common passwords.

"Sans accent" is enforced as "ASCII only": accented letters and any other non-ASCII
character (``€``, ``ß``...) are refused, since they are what the rule protects against
(keyboards and terminals that cannot type them back). A special character is any printable
ASCII character that is neither a letter, a digit nor a space.

Common passwords: the 30,000 most frequent passwords of leaked password sets as shipped by
zxcvbn (Dropbox's password strength estimator, PyPI ``zxcvbn``, list
``zxcvbn.frequency_lists.FREQUENCY_LISTS["passwords"]``). A password is refused when,
lower-cased, it is in that list, or when its word (the password without the digits and
special characters at its ends: ``Password1!`` -> ``password``) is among the
`COMMON_WORD_RANK` most frequent ones.

This module is the only place of the rule: the server (`cesp_server.crud.accounts`) and the
client's live checklist (`cesp_tui`) both call it.
"""

from __future__ import annotations

from functools import cache

__all__ = [
    "COMMON_WORD_RANK",
    "MIN_ANSWER_LENGTH",
    "MIN_LENGTH",
    "PASSWORD_RULES",
    "password_extra_problems",
    "password_problems",
    "password_rule_states",
    "secret_answer_problem",
    "validate_password",
]

MIN_LENGTH = 8
#: Fewest characters of a secret answer (spaces around and inside collapsed).
MIN_ANSWER_LENGTH = 3
#: A password whose word is among this many most frequent passwords is refused.
COMMON_WORD_RANK = 1000

#: The rules as displayed (and ticked live) beside the password field.
PASSWORD_RULES: list[str] = [
    f"Au moins {MIN_LENGTH} caractères",
    "Aucun accent (é, è, à, ç…) ni autre caractère non standard (€, ß…)",
    "Au moins un chiffre",
    "Au moins un caractère spécial (! ? @ # $ % & * + - _ . …)",
]


def _is_special(char: str) -> bool:
    return char.isascii() and char.isprintable() and not char.isalnum() and char != " "


def password_rule_states(password: str) -> list[bool]:
    """Whether ``password`` meets each rule of `PASSWORD_RULES`, in its order."""
    return [
        len(password) >= MIN_LENGTH,
        password.isascii(),
        any(c.isascii() and c.isdigit() for c in password),
        any(_is_special(c) for c in password),
    ]


@cache
def _common_passwords() -> tuple[frozenset[str], frozenset[str]]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    ranked = FREQUENCY_LISTS["passwords"]
    return frozenset(ranked), frozenset(ranked[:COMMON_WORD_RANK])


def _is_common(password: str) -> bool:
    everything, top = _common_passwords()
    lowered = password.lower()
    if lowered in everything:
        return True
    word = lowered.strip("".join(chr(c) for c in range(33, 127) if not chr(c).isalpha()))
    return len(word) >= 3 and word in top


def password_extra_problems(password: str) -> list[str]:
    """The checks that are not ticked rules: a letter, no space at either end, not a common
    password (the client shows them only once something is typed)."""
    problems: list[str] = []
    if password and not any(c.isascii() and c.isalpha() for c in password):
        problems.append("Le mot de passe doit contenir au moins une lettre.")
    if password and password != password.strip():
        problems.append(
            "Le mot de passe ne doit pas commencer ni finir par une espace : retirez-la."
        )
    if password and _is_common(password.strip()):
        problems.append(
            "Ce mot de passe fait partie des plus courants : choisissez-en un moins prévisible."
        )
    return problems


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
    return problems + password_extra_problems(password)


def validate_password(password: str) -> str | None:
    """All unmet rules in one French message, or None when the password is acceptable."""
    problems = password_problems(password)
    return " ".join(problems) if problems else None


def secret_answer_problem(answer: str) -> str | None:
    """Why a secret answer is refused (too short), or None."""
    if len(" ".join(answer.split())) < MIN_ANSWER_LENGTH:
        return f"La réponse doit comporter au moins {MIN_ANSWER_LENGTH} caractères."
    return None
