"""Validators of the values a user types; each returns a French message, or None when valid.

One module per kind; the public functions are re-exported here::

    from cesp_core.validators import validate_nir, validate_iban
"""

from __future__ import annotations

from .dates import age_on, format_date, parse_date, validate_birth_date, validate_date
from .email import normalize_email, validate_email
from .finess import compact_finess, format_finess, validate_finess
from .iban import (
    MAX_IBAN_LENGTH,
    IbanInfo,
    compact_bic,
    compact_iban,
    country_name,
    format_iban,
    iban_info,
    iban_length,
    validate_bic,
    validate_iban,
)
from .names import validate_organisation_name, validate_person_name
from .nir import (
    NIR_LENGTH,
    NirFacts,
    compact_nir,
    format_nir,
    nir_consistency,
    nir_facts,
    validate_nir,
)
from .password import (
    PASSWORD_RULES,
    password_problems,
    password_rule_states,
    secret_answer_problem,
    validate_password,
)
from .phone import format_phone, parse_phone, validate_phone
from .postal import compact_postal_code, validate_postal_code
from .rpps import compact_rpps, validate_rpps
from .text import validate_text

__all__ = [
    "MAX_IBAN_LENGTH",
    "NIR_LENGTH",
    "PASSWORD_RULES",
    "IbanInfo",
    "NirFacts",
    "age_on",
    "compact_bic",
    "compact_finess",
    "compact_iban",
    "compact_nir",
    "compact_postal_code",
    "compact_rpps",
    "country_name",
    "format_date",
    "format_finess",
    "format_iban",
    "format_nir",
    "format_phone",
    "iban_info",
    "iban_length",
    "nir_consistency",
    "nir_facts",
    "normalize_email",
    "parse_date",
    "parse_phone",
    "password_problems",
    "password_rule_states",
    "secret_answer_problem",
    "validate_bic",
    "validate_birth_date",
    "validate_date",
    "validate_email",
    "validate_finess",
    "validate_iban",
    "validate_nir",
    "validate_organisation_name",
    "validate_password",
    "validate_person_name",
    "validate_phone",
    "validate_postal_code",
    "validate_rpps",
    "validate_text",
]
