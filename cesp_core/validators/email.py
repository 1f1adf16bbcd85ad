"""E-mail addresses, checked with email-validator, never with the network.

Only the syntax is checked (``check_deliverability=False``: no DNS query); whether the
address receives mail is proven by the code sent to it at sign-up.
"""

from __future__ import annotations

import contextlib
import re

import email_validator
from email_validator import EmailNotValidError

__all__ = ["normalize_email", "validate_email"]

_EXAMPLE = "par exemple prenom.nom@exemple.fr"
# email-validator lists the offending characters as 'x' or by name (SPACE, TAB...).
_CHARS = re.compile(r"'([^']+)'|\b([A-Z][A-Z -]*[A-Z])\b")


def _check(address: str) -> email_validator.ValidatedEmail:
    return email_validator.validate_email(
        address,
        check_deliverability=False,  # never any DNS query
        allow_smtputf8=False,  # an accent before the @ is refused by many mail servers
    )


def _french(error: EmailNotValidError, address: str) -> str:
    text = str(error).lower()
    domain = address.rpartition("@")[2]
    if "should have a period" in text:
        return (
            f"Le nom de domaine après le @ (« {domain} ») est incomplet : il doit contenir un "
            f"point ({_EXAMPLE})."
        )
    if "special-use or reserved" in text:
        return f"Le nom de domaine « {domain} » est réservé : il ne peut pas recevoir d'e-mail."
    if "period" in text:
        return (
            "L'adresse e-mail ne peut pas contenir deux points de suite, ni commencer par un "
            "point, ni avoir un point juste avant ou après le @."
        )
    if "internationalized characters before the @" in text or "smtputf8" in text:
        return "L'adresse e-mail ne doit pas contenir d'accent avant le @."
    if "invalid character" in text:
        tail = str(error).rpartition(":")[2]
        chars = [quoted or named for quoted, named in _CHARS.findall(tail)]
        shown = " ".join(f"« {c} »" for c in chars) or tail.strip().rstrip(".")
        return f"L'adresse e-mail contient des caractères non autorisés : {shown}."
    if "too long" in text:
        return "L'adresse e-mail est trop longue."
    return f"Cette adresse e-mail n'est pas valide : vérifiez-la ({_EXAMPLE})."


def validate_email(value: str) -> str | None:
    """A French message saying what is wrong with the address, or None when valid."""
    address = value.strip()
    if not address:
        return "Saisissez une adresse e-mail."
    if any(c.isspace() for c in address):
        return "L'adresse e-mail ne doit pas contenir d'espace."
    at = address.count("@")
    if at == 0:
        return f"L'adresse e-mail doit contenir un @ ({_EXAMPLE})."
    if at > 1:
        return "L'adresse e-mail ne doit contenir qu'un seul @."
    local, _, domain = address.partition("@")
    if not local:
        return f"Il manque la partie avant le @ ({_EXAMPLE})."
    if not domain:
        return f"Il manque le nom de domaine après le @ ({_EXAMPLE})."
    try:
        _check(address)
    except EmailNotValidError as error:
        return _french(error, address)
    return None


def normalize_email(value: str) -> str:
    """The address as stored: trimmed and lower-cased, domain in its normal form.

    The local part is lower-cased too: mail providers treat it without regard to case,
    and an account must not be duplicated by a capital letter. An invalid address is
    returned trimmed and lower-cased.
    """
    address = value.strip()
    with contextlib.suppress(EmailNotValidError):
        address = _check(address).normalized
    return address.lower()
