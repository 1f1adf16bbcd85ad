"""The rules both the server and the client run on a dossier.

Pure functions over plain data: which fields show, what each tab lacks or gets wrong,
which pieces are required, and whether the dossier can be transmitted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from enum import StrEnum

from cesp_core import referentials
from cesp_core.problems import INVALID, MISSING, Problem
from cesp_core.validators import dates, email, finess, iban, nir, phone, postal, rpps, text

from .model import (
    Choice,
    Demarche,
    DossierData,
    Field,
    FieldType,
    Op,
    PieceType,
    Tab,
    TabData,
    TabKind,
    Value,
    When,
)

REQUIRED_MESSAGE = "Ce champ est obligatoire."


class TabState(StrEnum):
    VIDE = "vide"
    INCOMPLET = "incomplet"
    ERREURS = "erreurs"
    COMPLET = "complet"

    @property
    def label(self) -> str:
        return {
            TabState.VIDE: "À saisir",
            TabState.INCOMPLET: "Incomplet",
            TabState.ERREURS: "Erreurs",
            TabState.COMPLET: "Complet",
        }[self]


# --- values and conditions -------------------------------------------------------------


def is_blank(value: Value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def truthy(value: Value) -> bool:
    """True for a ticked box, a non-blank text and a non-zero number."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return False
    assert isinstance(value, str)
    return value.strip().lower() not in {"0", "false", "non"}


def _field_default(demarche: Demarche | None, tab_key: str, field_key: str) -> Value:
    if demarche is None:
        return None
    try:
        return demarche.tab(tab_key).field(field_key).default
    except KeyError:
        return None


def get_value(data: DossierData, tab_key: str, ref: str, demarche: Demarche | None = None) -> Value:
    """The value `ref` ("field" in `tab_key`, or "tab.field") names, else its default."""
    tab, _, key = ref.rpartition(".")
    tab = tab or tab_key
    tab_data = data.get(tab) or {}
    if key in tab_data:
        return tab_data[key]
    return _field_default(demarche, tab, key)


def evaluate(when: When, data: DossierData, tab_key: str, demarche: Demarche | None = None) -> bool:
    refs = when.any_of or (when.ref,)
    for ref in refs:
        value = get_value(data, tab_key, ref, demarche)
        if when.op is Op.TRUTHY:
            ok = truthy(value)
        elif when.op is Op.FALSY:
            ok = not truthy(value)
        elif when.op is Op.IN:
            ok = value in when.values
        else:
            ok = not is_blank(value) and value not in when.values
        if ok:
            return True
    return False


def is_visible(
    field: Field, data: DossierData, tab_key: str, demarche: Demarche | None = None
) -> bool:
    return field.visible_if is None or evaluate(field.visible_if, data, tab_key, demarche)


def visible_fields(demarche: Demarche, tab_key: str, data: DossierData) -> list[Field]:
    tab = demarche.tab(tab_key)
    return [f for f in tab.fields if is_visible(f, data, tab_key, demarche)]


# --- one field -------------------------------------------------------------------------


def _check_int(field: Field, value: str) -> str | None:
    text = value.strip()
    if not text.lstrip("-").isdigit():
        return "Saisissez un nombre entier."
    number = int(text)
    if field.min_value is not None and number < field.min_value:
        return f"La valeur doit être au moins {field.min_value}."
    if field.max_value is not None and number > field.max_value:
        return f"La valeur doit être au plus {field.max_value}."
    return None


def _check_date(field: Field, value: str) -> str | None:
    if field.key == "date_naissance":
        return dates.validate_birth_date(value)
    if field.not_in_past:
        return dates.validate_planned_date(value)
    return dates.validate_date(value)


def _check_choice(field: Field, value: str) -> str | None:
    if value not in {c.value for c in field.choices}:
        return "Choisissez une valeur dans la liste."
    return None


def _check_departement(_field: Field, value: str) -> str | None:
    if referentials.departement_by_code(value) is None:
        return "Département inconnu : choisissez-le dans la liste."
    return None


def _check_commune(_field: Field, value: str) -> str | None:
    if not referentials.communes_by_code(value):
        return "Commune inconnue : choisissez-la dans la liste."
    return None


def _check_pays(_field: Field, value: str) -> str | None:
    if referentials.pays_by_code(value) is None:
        return "Pays inconnu : choisissez-le dans la liste."
    return None


SPECIALITE_MESSAGE = "Spécialité hors de la liste officielle des DES : choisissez-la dans la liste."


def _check_specialite(_field: Field, value: str) -> str | None:
    found = referentials.specialite_by_name(value)
    if found is None or found.nom != value.strip():
        return SPECIALITE_MESSAGE
    return None


def _check_text(field: Field, value: str) -> str | None:
    if field.max_length is not None and len(value) > field.max_length:
        return f"{field.max_length} caractères au plus ({len(value)} saisis)."
    return None


_TYPE_CHECKS: dict[FieldType, Callable[[Field, str], str | None]] = {
    FieldType.TEXT: _check_text,
    FieldType.TEXTAREA: _check_text,
    FieldType.DATE: _check_date,
    FieldType.CHOICE: _check_choice,
    FieldType.INT: _check_int,
    FieldType.YEAR: _check_int,
    FieldType.DEPARTEMENT: _check_departement,
    FieldType.COMMUNE: _check_commune,
    FieldType.PAYS: _check_pays,
    FieldType.SPECIALITE: _check_specialite,
    FieldType.NIR: lambda _f, v: nir.validate_nir(v),
    FieldType.IBAN: lambda _f, v: iban.validate_iban(v),
    FieldType.BIC: lambda _f, v: iban.validate_bic(v),
    FieldType.PHONE: lambda _f, v: phone.validate_phone(v),
    FieldType.EMAIL: lambda _f, v: email.validate_email(v),
    FieldType.POSTAL_CODE: lambda _f, v: postal.validate_postal_code(v),
    FieldType.FINESS: lambda _f, v: finess.validate_finess(v),
    FieldType.RPPS: lambda _f, v: rpps.validate_rpps(v),
}


def field_problem(field: Field, value: Value) -> str | None:
    """The French message for one visible field's value, or None when it is fine."""
    if field.type is FieldType.BOOL:
        if value is not None and not isinstance(value, bool):
            return "Cochez ou décochez la case."
        if field.required and value is not True:
            return "Cette case doit être cochée."
        return None
    if is_blank(value):
        return REQUIRED_MESSAGE if field.required else None
    if not isinstance(value, str):
        return "Valeur invalide."
    return text_problem(field, value) or _TYPE_CHECKS[field.type](field, value)


def text_problem(field: Field, value: str) -> str | None:
    """Control characters, invisible separators and bidi overrides are refused in every
    text value; line feed and tab only in multi-line fields (`validators.text`)."""
    if field.type is FieldType.TEXTAREA:
        return text.validate_text(value.replace("\r\n", "\n"), multiline=True)
    return text.validate_text(value.strip())


# --- normalisation of what a client sends -----------------------------------------------


def _normalise(field: Field, value: Value) -> Value:
    if field.type is FieldType.BOOL or not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if field.type is FieldType.NIR and nir.validate_nir(text) is None:
        return nir.compact_nir(text)
    if field.type is FieldType.IBAN and iban.validate_iban(text) is None:
        return iban.compact_iban(text)
    if field.type is FieldType.BIC:
        return text.replace(" ", "").upper()
    if field.type in (FieldType.FINESS, FieldType.RPPS, FieldType.POSTAL_CODE):
        return text.replace(" ", "").upper()
    if field.type is FieldType.DEPARTEMENT:
        return text.upper()
    if field.type is FieldType.PAYS:
        return text.upper()
    if field.type is FieldType.SPECIALITE:
        found = referentials.specialite_by_name(text)
        return found.nom if found else text
    if field.type is FieldType.DATE:
        parsed = dates.parse_date(text)
        return parsed.isoformat() if parsed else text
    if field.type is FieldType.EMAIL and email.validate_email(text) is None:
        return email.normalize_email(text)
    if field.type is FieldType.PHONE and phone.validate_phone(text) is None:
        return phone.format_phone(text)
    if field.type in (FieldType.INT, FieldType.YEAR):
        return (text.lstrip("0") or "0") if text.isdigit() else text
    return value.replace("\r\n", "\n") if field.type is FieldType.TEXTAREA else text


def clean_tab(
    demarche: Demarche,
    tab_key: str,
    values: Mapping[str, object],
    stored: Mapping[str, Value] | None = None,
) -> tuple[dict[str, Value], list[Problem]]:
    """Normalise what a client sends for one tab; unknown keys and wrong types are problems.

    The result keeps every known field (hidden ones too: a value hidden by a choice is kept
    so that changing the choice back does not lose it; rules simply ignore it).

    A specialty (DES) outside the referential is a problem too, unless it is the value
    already ``stored`` for that field (a draft typed as free text before the list: it is
    kept as it is and the tab's rules flag it until a specialty is picked; ADR 0030).
    """
    stored = stored or {}
    tab = demarche.tab(tab_key)
    known = {f.key: f for f in tab.fields}
    clean: dict[str, Value] = {}
    problems: list[Problem] = []
    for key, value in values.items():
        field = known.get(key)
        if field is None:
            problems.append(Problem(tab_key, key, "Champ inconnu dans cet onglet.", INVALID))
            continue
        if value is not None and not isinstance(value, str | bool):
            problems.append(Problem(tab_key, key, "Valeur invalide.", INVALID))
            continue
        if field.type is FieldType.BOOL and isinstance(value, str):
            problems.append(Problem(tab_key, key, "Cochez ou décochez la case.", INVALID))
            continue
        if isinstance(value, str) and len(value) > 20_000:
            problems.append(Problem(tab_key, key, "Texte beaucoup trop long.", INVALID))
            continue
        if isinstance(value, str):
            message = text_problem(field, value)
            if message is not None:
                problems.append(Problem(tab_key, key, message, INVALID))
                continue
        normalised = _normalise(field, value)
        if (
            field.type is FieldType.SPECIALITE
            and isinstance(normalised, str)
            and normalised != stored.get(key)
            and _check_specialite(field, normalised) is not None
        ):
            problems.append(Problem(tab_key, key, SPECIALITE_MESSAGE, INVALID))
            continue
        clean[key] = normalised
    return clean, problems


# --- cross-field checks ---------------------------------------------------------------

CrossCheck = Callable[[Demarche, str, DossierData], list[Problem]]


def _as_date(value: Value) -> date | None:
    if not isinstance(value, str):
        return None
    return dates.parse_date(value)


def _nir_consistency(demarche: Demarche, tab_key: str, data: DossierData) -> list[Problem]:
    tab = data.get(tab_key) or {}
    value = tab.get("nir")
    if not isinstance(value, str) or nir.validate_nir(value) is not None:
        return []
    abroad = truthy(get_value(data, tab_key, "ne_a_l_etranger", demarche))

    def text(key: str) -> str | None:
        v = tab.get(key)
        return v if isinstance(v, str) and v.strip() else None

    pairs = nir.nir_consistency(
        value,
        civilite=text("civilite"),
        date_naissance=_as_date(tab.get("date_naissance")),
        departement_naissance=None if abroad else text("departement_naissance"),
        commune_naissance=None if abroad else text("commune_naissance"),
        ne_a_l_etranger=abroad,
    )
    return [Problem(tab_key, key, message, INVALID) for key, message in pairs]


def _postal_commune(demarche: Demarche, tab_key: str, data: DossierData) -> list[Problem]:
    tab = data.get(tab_key) or {}
    if get_value(data, tab_key, "pays", demarche) != "FR":
        return []
    cp, commune = tab.get("code_postal"), tab.get("commune")
    if not isinstance(cp, str) or not isinstance(commune, str) or not cp or not commune:
        return []
    if postal.validate_postal_code(cp) is not None:
        return []
    message = postal.validate_postal_code(cp, commune)
    return [Problem(tab_key, "commune", message, INVALID)] if message else []


def _iban_bic(_demarche: Demarche, tab_key: str, data: DossierData) -> list[Problem]:
    tab = data.get(tab_key) or {}
    iban_value, bic_value = tab.get("iban"), tab.get("bic")
    if not isinstance(iban_value, str) or not isinstance(bic_value, str):
        return []
    if iban.validate_iban(iban_value) or iban.validate_bic(bic_value):
        return []
    message = iban.validate_bic(bic_value, iban=iban_value)
    return [Problem(tab_key, "bic", message, INVALID)] if message else []


def offered_choices(
    demarche: Demarche, tab_key: str, field: Field, data: DossierData
) -> tuple[Choice, ...]:
    """The choices a form offers for ``field`` given the dossier's other answers: the
    CESP "Niveau" lists only the levels of the chosen "Filière" (all of them while no
    filière is chosen); any other field, all its choices."""
    by_filiere: Mapping[str, tuple[str, ...]] = demarche.extra.get("niveaux_par_filiere", {})
    if field.key != "niveau" or not by_filiere:
        return field.choices
    filiere = (data.get(tab_key) or {}).get("filiere")
    if not isinstance(filiere, str) or filiere not in by_filiere:
        return field.choices
    allowed = by_filiere[filiere]
    return tuple(choice for choice in field.choices if choice.value in allowed)


def _niveau_filiere(demarche: Demarche, tab_key: str, data: DossierData) -> list[Problem]:
    tab = data.get(tab_key) or {}
    filiere, niveau = tab.get("filiere"), tab.get("niveau")
    by_filiere: Mapping[str, tuple[str, ...]] = demarche.extra.get("niveaux_par_filiere", {})
    if not isinstance(filiere, str) or not isinstance(niveau, str) or filiere not in by_filiere:
        return []
    if niveau in by_filiere[filiere]:
        return []
    return [
        Problem(
            tab_key,
            "niveau",
            "Ce niveau n'existe pas dans la filière choisie : choisissez-en un autre.",
            INVALID,
        )
    ]


def _distinct_establishments(_demarche: Demarche, tab_key: str, data: DossierData) -> list[Problem]:
    tab = data.get(tab_key) or {}
    a, b = tab.get("etab_recruteur_finess"), tab.get("etab_partenaire_finess")
    if isinstance(a, str) and a and a == b:
        return [
            Problem(
                tab_key,
                "etab_partenaire_finess",
                "L'établissement partenaire doit être différent de l'établissement recruteur.",
                INVALID,
            )
        ]
    return []


CROSS_CHECKS: dict[str, CrossCheck] = {
    "nir_consistency": _nir_consistency,
    "postal_commune": _postal_commune,
    "iban_bic": _iban_bic,
    "niveau_filiere": _niveau_filiere,
    "distinct_establishments": _distinct_establishments,
}


# --- tabs, pieces, dossier -------------------------------------------------------------


def _form_problems(demarche: Demarche, tab: Tab, data: DossierData) -> list[Problem]:
    tab_data: TabData = data.get(tab.key) or {}
    problems: list[Problem] = []
    for field in tab.fields:
        if not is_visible(field, data, tab.key, demarche):
            continue
        value = tab_data.get(field.key, field.default)
        message = field_problem(field, value)
        if message is not None:
            kind = (
                MISSING
                if message == REQUIRED_MESSAGE
                or (field.type is FieldType.BOOL and field.required and value is not True)
                else INVALID
            )
            problems.append(Problem(tab.key, field.key, message, kind))
    failed = {p.field for p in problems}
    for check in tab.checks:
        for problem in CROSS_CHECKS[check](demarche, tab.key, data):
            if problem.field not in failed:
                problems.append(problem)
    return problems


def required_pieces(demarche: Demarche, data: DossierData) -> list[PieceType]:
    """The piece types this dossier must carry, given what its tabs say."""
    pieces_tab = demarche.pieces_tab.key if demarche.pieces_tab else "pieces"
    return [
        p
        for p in demarche.pieces
        if p.required or (p.required_if and evaluate(p.required_if, data, pieces_tab, demarche))
    ]


def piece_problems(
    demarche: Demarche, data: DossierData, pieces: Mapping[str, int]
) -> list[Problem]:
    tab = demarche.pieces_tab
    tab_key = tab.key if tab else "pieces"
    problems = [
        Problem(tab_key, p.key, f"Pièce manquante : {p.label}.", MISSING)
        for p in required_pieces(demarche, data)
        if pieces.get(p.key, 0) < 1
    ]
    for p in demarche.pieces:
        if pieces.get(p.key, 0) > p.max_files:
            problems.append(
                Problem(
                    tab_key, p.key, f"{p.max_files} fichiers au plus pour cette pièce.", INVALID
                )
            )
    if tab is not None and tab.fields:
        problems.extend(_form_problems(demarche, tab, data))
    return problems


def tab_problems(
    demarche: Demarche,
    tab_key: str,
    data: DossierData,
    pieces: Mapping[str, int] | None = None,
) -> list[Problem]:
    tab = demarche.tab(tab_key)
    if tab.kind is TabKind.FORM:
        return _form_problems(demarche, tab, data)
    if tab.kind is TabKind.PIECES:
        return piece_problems(demarche, data, pieces or {})
    return []


def dossier_problems(
    demarche: Demarche, data: DossierData, pieces: Mapping[str, int] | None = None
) -> dict[str, list[Problem]]:
    """Every tab's problems (the synthesis tab has none of its own)."""
    return {
        t.key: tab_problems(demarche, t.key, data, pieces)
        for t in demarche.tabs
        if t.kind is not TabKind.SYNTHESE
    }


def tab_state(
    demarche: Demarche,
    tab_key: str,
    data: DossierData,
    pieces: Mapping[str, int] | None = None,
) -> TabState:
    return state_of(demarche, tab_key, tab_problems(demarche, tab_key, data, pieces), data, pieces)


def state_of(
    demarche: Demarche,
    tab_key: str,
    problems: Iterable[Problem],
    data: DossierData,
    pieces: Mapping[str, int] | None = None,
) -> TabState:
    """The state of a tab whose problems are already known (`dossier_problems`)."""
    tab = demarche.tab(tab_key)
    problems = list(problems)
    if any(p.code == INVALID for p in problems):
        return TabState.ERREURS
    if not problems:
        return TabState.COMPLET
    tab_data = data.get(tab_key) or {}
    entered = any(not is_blank(v) and v is not False for v in tab_data.values())
    if tab.kind is TabKind.PIECES:
        entered = entered or any((pieces or {}).values())
    return TabState.INCOMPLET if entered else TabState.VIDE


def first_tab_problem(
    demarche: Demarche, tab_key: str, saved_tabs: Iterable[str]
) -> Problem | None:
    """ASP: "Identification" must be saved before any other tab."""
    first = demarche.first_tab
    if first is None or tab_key == first or first in set(saved_tabs):
        return None
    label = demarche.tab(first).label
    return Problem(tab_key, None, f"Enregistrez d'abord l'onglet « {label} ».", INVALID)


def transmission_problems(
    demarche: Demarche,
    data: DossierData,
    pieces: Mapping[str, int] | None = None,
    certifications: Iterable[str] = (),
) -> list[Problem]:
    """Everything that stops a transmission; empty when the dossier can be transmitted."""
    problems = [p for ps in dossier_problems(demarche, data, pieces).values() for p in ps]
    ticked = set(certifications)
    for cert in demarche.certifications:
        if cert.value not in ticked:
            problems.append(
                Problem("synthese", cert.value, f"Cochez la case « {cert.label} ».", MISSING)
            )
    return problems


def can_transmit(
    demarche: Demarche,
    data: DossierData,
    pieces: Mapping[str, int] | None = None,
    certifications: Iterable[str] = (),
) -> bool:
    return not transmission_problems(demarche, data, pieces, certifications)
