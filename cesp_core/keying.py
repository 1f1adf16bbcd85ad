"""Data entry of paper dossiers by back-office agents: the domain rules behind keying fast.

Pure functions (no I/O, no UI) that the terminal client applies while an agent keys a
batch of paper dossiers:

- `nir_prefill`: what a valid NIR tells about fields that are still empty (civilité,
  "born abroad", department and commune of birth, the month and year of a birth date of
  which only the day is typed);
- `carry_over`: the values of the fields marked ``repeatable`` (campaign-level: filière,
  université, année universitaire, DES...) of the previous dossier of the batch, for the
  fields of the new one that are still blank;
- `previous_value`: the "dup" key (the same field of the previous dossier);
- `first_field_to_key`: where the cursor starts in a tab.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from cesp_core import referentials
from cesp_core.demarches import rules
from cesp_core.demarches.model import Demarche, DossierData, FieldType, Value
from cesp_core.validators.nir import nir_facts

__all__ = [
    "NIR_DERIVED_FIELDS",
    "carry_over",
    "first_field_to_key",
    "nir_prefill",
    "previous_value",
    "repeatable_fields",
]

#: Fields of the CESP "État civil" tab a valid NIR can fill (see `nir_prefill`).
NIR_DERIVED_FIELDS = frozenset(
    {"civilite", "ne_a_l_etranger", "departement_naissance", "commune_naissance"}
)

#: A birth date of which only the day is typed: ``"14"``, ``"4"``, ``"14/"``.
_DAY_ONLY = re.compile(r"^\s*(\d{1,2})\s*/?\s*$")


def _century_year(two_digits: str, today: date) -> int:
    """``"99"`` -> 1999, ``"05"`` -> 2005 (a birth year is never in the future)."""
    year = 2000 + int(two_digits)
    return year if year <= today.year else year - 100


def nir_prefill(
    values: Mapping[str, Value], nir: str, *, today: date | None = None
) -> dict[str, Value]:
    """The values of the CESP "État civil" tab that the NIR ``nir`` gives and that are still
    empty in ``values`` (``{}`` when the NIR is not valid). Never overwrites what is typed.

    - ``civilite``: ``M`` / ``F`` from the sex digit;
    - ``ne_a_l_etranger``: True for a birthplace code ``99`` (born abroad);
    - ``departement_naissance``: the department of the birthplace code, when it exists
      today (not ``20``, Corsica before 1976, nor the pre-1968 Seine/Seine-et-Oise codes
      of another department);
    - ``commune_naissance``: the commune of that code, when it is a current commune of that
      department (a code since merged is left to the agent);
    - ``date_naissance``: when only the day is typed (``"14"``), completed with the NIR's
      month and year (``"1999-03-14"``) when the NIR gives a real month and the date exists.
    """
    facts = nir_facts(nir)
    if facts is None:
        return {}
    today = today or date.today()
    out: dict[str, Value] = {}

    def blank(key: str) -> bool:
        return rules.is_blank(values.get(key))

    if blank("civilite"):
        out["civilite"] = facts.sexe
    if facts.provisoire:
        return out  # only the sex and the key mean something in a provisional number
    if facts.ne_a_l_etranger:
        unset = values.get("ne_a_l_etranger") is not True
        if unset and blank("departement_naissance") and blank("commune_naissance"):
            out["ne_a_l_etranger"] = True
        return out
    abroad = values.get("ne_a_l_etranger") is True
    departement = referentials.departement_by_code(facts.departement)
    if departement is not None and not abroad:
        current_dept = values.get("departement_naissance")
        if blank("departement_naissance"):
            out["departement_naissance"] = departement.code
            current_dept = departement.code
        if blank("commune_naissance") and current_dept == departement.code:
            communes = [
                c
                for c in referentials.communes_by_code(facts.commune)
                if c.type == "commune-actuelle" and c.departement == departement.code
            ]
            if len(communes) == 1:
                out["commune_naissance"] = communes[0].code
    typed = values.get("date_naissance")
    day_only = _DAY_ONLY.match(typed) if isinstance(typed, str) else None
    if day_only and facts.mois is not None:
        try:
            born = date(_century_year(facts.annee, today), facts.mois, int(day_only.group(1)))
        except ValueError:
            born = None
        if born is not None:
            out["date_naissance"] = born.isoformat()
    return out


def repeatable_fields(demarche: Demarche) -> list[tuple[str, str]]:
    """(tab, field) of every field an agent carries over from dossier to dossier."""
    return [
        (tab.key, field.key) for tab in demarche.tabs for field in tab.fields if field.repeatable
    ]


def carry_over(
    demarche: Demarche, previous: DossierData, current: DossierData
) -> dict[str, dict[str, Value]]:
    """Tab -> field -> value: the repeatable values of ``previous`` for the fields that
    are blank in ``current`` (a value typed in the new dossier is never replaced). Only the
    values the previous dossier really used are carried: a field its own choices hid
    (a 2e-cycle université in a 3e-cycle dossier) is left out."""
    out: dict[str, dict[str, Value]] = {}
    for tab_key, field_key in repeatable_fields(demarche):
        tab_values = previous.get(tab_key) or {}
        value = tab_values.get(field_key)
        if rules.is_blank(value):
            continue
        field = demarche.tab(tab_key).field(field_key)
        if not rules.is_visible(field, previous, tab_key, demarche):
            continue
        if not rules.is_blank((current.get(tab_key) or {}).get(field_key)):
            continue
        out.setdefault(tab_key, {})[field_key] = value
    return out


def previous_value(previous: DossierData | None, tab_key: str, field_key: str) -> Value:
    """The "dup" key: the value of the same field in the previous dossier (None if none)."""
    if not previous:
        return None
    value = (previous.get(tab_key) or {}).get(field_key)
    return None if rules.is_blank(value) else value


def first_field_to_key(demarche: Demarche, tab_key: str, data: DossierData) -> str | None:
    """The first visible, required field of ``tab_key`` that is still blank, where the
    cursor starts. While the NIR is blank, the fields it fills (`NIR_DERIVED_FIELDS`) are
    passed over: keying the NIR fills them. None when every required field is filled."""
    tab = demarche.tab(tab_key)
    values = data.get(tab_key) or {}
    nir_blank = any(
        f.type is FieldType.NIR and rules.is_blank(values.get(f.key)) for f in tab.fields
    )
    for field in rules.visible_fields(demarche, tab_key, data):
        if not field.required or not rules.is_blank(values.get(field.key, field.default)):
            continue
        if nir_blank and field.key in NIR_DERIVED_FIELDS:
            continue
        return field.key
    return None
