"""Masking of sensitive values: the NIR and the IBAN.

Which values are sensitive: every field of type NIR (n° de sécurité sociale) and IBAN
(`SENSITIVE_TYPES`). The BIC is not (it names a bank, not a person or an account), nor
are names, addresses or e-mail addresses, which support staff need to find a dossier.

Masks keep just enough to recognise a value over the phone, never enough to use it:

- NIR: the first character (sex) and the 2-digit key, ``1 ** ** ** *** *** 46``;
- IBAN: the country code with its check digits and the last 4 characters,
  ``FR76 **** **** **** **** ***0 189``.

`mask_text` finds NIR- and IBAN-shaped sequences in free text (log lines, mail bodies,
URLs with their ``%20`` and ``+``) and masks them; it errs on the side of masking.
A masked value always contains ``*`` (`is_masked`), which no valid NIR or IBAN does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cesp_core.demarches.model import Demarche, FieldType
from cesp_core.validators.iban import compact_iban
from cesp_core.validators.nir import compact_nir, format_nir

__all__ = [
    "MASK_CHAR",
    "SENSITIVE_TYPES",
    "is_masked",
    "is_sensitive",
    "mask_dossier_data",
    "mask_iban",
    "mask_nir",
    "mask_text",
    "mask_value",
    "sensitive_fields",
]

MASK_CHAR = "*"

#: Field types whose values are masked outside the owner's and the agents' screens.
SENSITIVE_TYPES: frozenset[FieldType] = frozenset({FieldType.NIR, FieldType.IBAN})


def mask_nir(value: str) -> str:
    """``1 ** ** ** *** *** 46``: the sex digit and the key stay, grouped like a carte Vitale.

    A short or partial value is masked entirely but for its first character.
    """
    compact = compact_nir(value)
    if not compact:
        return value
    keep = {0, len(compact) - 2, len(compact) - 1} if len(compact) >= 8 else {0}
    masked = "".join(c if i in keep else MASK_CHAR for i, c in enumerate(compact))
    return format_nir(masked)


def mask_iban(value: str) -> str:
    """``FR76 **** **** **** **** ***0 189``: country, check digits and the last 4 stay."""
    compact = compact_iban(value)
    if not compact:
        return value
    if len(compact) >= 12:
        keep = set(range(4)) | set(range(len(compact) - 4, len(compact)))
    else:
        keep = set(range(min(2, len(compact))))
    masked = "".join(c if i in keep else MASK_CHAR for i, c in enumerate(compact))
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


_MASKERS = {FieldType.NIR: mask_nir, FieldType.IBAN: mask_iban}


def is_sensitive(field_type: FieldType | str) -> bool:
    return FieldType(field_type) in SENSITIVE_TYPES


def mask_value(field_type: FieldType | str, value: Any) -> Any:
    """The value as shown to a reader who may not see it; non-sensitive values unchanged."""
    masker = _MASKERS.get(FieldType(field_type))
    if masker is None or not isinstance(value, str) or not value.strip():
        return value
    return masker(value)


def is_masked(value: object) -> bool:
    """True for a value produced by a mask (a valid NIR or IBAN never contains ``*``)."""
    return isinstance(value, str) and MASK_CHAR in value


def sensitive_fields(demarche: Demarche) -> list[tuple[str, str]]:
    """``(tab key, field key)`` of every sensitive field of the démarche."""
    return [
        (tab.key, field.key)
        for tab in demarche.tabs
        for field in tab.fields
        if field.type in SENSITIVE_TYPES
    ]


def mask_dossier_data(
    demarche: Demarche, data: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """A copy of a dossier's data with every sensitive field masked."""
    types = {
        (tab.key, field.key): field.type
        for tab in demarche.tabs
        for field in tab.fields
        if field.type in SENSITIVE_TYPES
    }
    out: dict[str, dict[str, Any]] = {}
    for tab_key, values in data.items():
        out[tab_key] = {
            key: mask_value(types[(tab_key, key)], value) if (tab_key, key) in types else value
            for key, value in (values or {}).items()
        }
    return out


# --- free text ----------------------------------------------------------------------------

#: Separators a NIR may be typed with, including their URL encodings.
_SEP = r"(?:[ .\-]|%20|\+)?"
_NIR_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[1-478]"
    + _SEP
    + r"\d\d"
    + _SEP
    + r"\d\d"
    + _SEP
    + r"(?:\d\d|2[ABab])"
    + _SEP
    + r"\d\d\d"
    + _SEP
    + r"\d\d\d"
    + r"(?:"
    + _SEP
    + r"\d\d)?"
    + r"(?![0-9A-Za-z])"
)
_IBAN_SEP = r"(?: |%20|\+)?"
_IBAN_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])[A-Z]{2}\d\d(?:" + _IBAN_SEP + r"[A-Z0-9]){11,30}(?![0-9A-Za-z])"
)


def _masked_nir(match: re.Match[str]) -> str:
    return mask_nir(re.sub(r"%20|\+", "", match.group(0)))


def _masked_iban(match: re.Match[str]) -> str:
    return mask_iban(re.sub(r"%20|\+", "", match.group(0)))


def mask_text(text: str) -> str:
    """``text`` with every NIR- or IBAN-shaped sequence masked (log lines, mail bodies)."""
    if not text or not any(c.isdigit() for c in text):
        return text
    text = _IBAN_IN_TEXT.sub(_masked_iban, text)
    return _NIR_IN_TEXT.sub(_masked_nir, text)
