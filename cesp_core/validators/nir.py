"""The NIR ("numéro de sécurité sociale"): format, key, decoding and consistency.

A NIR has 13 characters and a 2-digit key: sex (1), year (2), month (2), birthplace (5:
department and commune, i.e. the INSEE code of the commune; ``99`` and the INSEE country
code for people born abroad), order number (3), key (2). The key is
``97 - (number % 97)`` over the 13 characters, with ``2A`` → ``19`` and ``2B`` → ``18``
for Corsica (computed by python-stdnum's ``stdnum.fr.nir``).

Exceptions the INSEE makes, accepted here (sources in docs/adr/0003-validators.md):

* month codes other than 01-12 (20, 30-42, 50-99) when the civil-status record does not
  give the month: the month is then unknown and not compared;
* provisional numbers (first digit 3, 4, 7 or 8): only the key is checked;
* the birthplace code is the one in force at birth: ``20`` for Corsica before 1976,
  ``75``/``78`` (Seine, Seine-et-Oise) before the 1968 reorganisation of Île-de-France,
  old codes of communes since merged, arrondissements of Paris, Lyon and Marseille,
  ``91``-``96`` for Algeria, Morocco and Tunisia before their independence, ``985`` for
  Mayotte before 976;
* an unknown birthplace (nothing entered, or a code the referentials do not know) is
  never reported.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from stdnum.exceptions import InvalidChecksum, ValidationError
from stdnum.fr import nir as stdnum_nir

from cesp_core import referentials
from cesp_core.text import MONTHS_FR as _MONTHS

__all__ = [
    "NIR_LENGTH",
    "NirFacts",
    "compact_nir",
    "format_nir",
    "nir_consistency",
    "nir_facts",
    "validate_nir",
]

#: Characters of a NIR: 13 and the 2-digit key.
NIR_LENGTH = 15

_SEPARATORS = re.compile(r"[\s.\-_/]+")
_GROUPS = (1, 2, 2, 2, 3, 3, 2)  # sex, year, month, department, commune, order, key

_PERMANENT_SEX = {"1": "M", "2": "F"}
_PROVISIONAL_SEX = {"3": "M", "4": "F", "7": "M", "8": "F"}


#: Department codes of Île-de-France after 1968, whose communes were in Seine (75) or
#: Seine-et-Oise (78) before.
_IDF_AFTER_1968 = frozenset({"75", "78", "91", "92", "93", "94", "95"})
#: Codes used for Algeria (91-94), Morocco (95) and Tunisia (96) before independence.
_NORTH_AFRICA_BEFORE_INDEPENDENCE = frozenset({"91", "92", "93", "94", "95", "96"})


def compact_nir(value: str) -> str:
    """``value`` without spaces, dots, dashes, underscores or slashes, upper case."""
    return _SEPARATORS.sub("", value).upper()


def format_nir(value: str) -> str:
    """The NIR grouped as printed on the carte Vitale: ``1 84 12 76 451 089 46``.

    Works on a partial input too (groups what is there), so an input widget can format as
    the user types; characters beyond the 15th stay in the last group.
    """
    compact = compact_nir(value)
    parts: list[str] = []
    start = 0
    for size in _GROUPS:
        if start >= len(compact):
            break
        parts.append(compact[start : start + size])
        start += size
    if start < len(compact) and parts:
        parts[-1] += compact[start:]
    return " ".join(parts)


def _month_code_ok(code: str) -> bool:
    month = int(code)
    return 1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


def validate_nir(value: str) -> str | None:
    """A French message saying what is wrong with the NIR ``value``, or None when valid."""
    nir = compact_nir(value)
    if not nir:
        return "Saisissez le numéro de sécurité sociale : 13 chiffres et la clé de 2 chiffres."
    for i, char in enumerate(nir):
        if char.isdigit() and char.isascii():
            continue
        if i == 6 and char in "AB" and nir[5] == "2":
            continue
        return (
            "Le numéro de sécurité sociale ne doit contenir que des chiffres "
            "(et 2A ou 2B pour un département de Corse) : "
            f"le caractère « {char} » n'est pas accepté."
        )
    if len(nir) == NIR_LENGTH - 2:
        return (
            "Il manque la clé du numéro de sécurité sociale : saisissez aussi les 2 derniers "
            "chiffres (15 en tout)."
        )
    if len(nir) != NIR_LENGTH:
        return (
            "Le numéro de sécurité sociale compte 15 chiffres (13 chiffres et la clé de 2 "
            f"chiffres) : vous en avez saisi {len(nir)}."
        )
    sex = nir[0]
    if sex not in _PERMANENT_SEX and sex not in _PROVISIONAL_SEX:
        return (
            "Le premier chiffre du numéro de sécurité sociale doit être 1 (homme) ou "
            f"2 (femme), pas {sex}."
        )
    if sex in _PERMANENT_SEX:
        if not _month_code_ok(nir[3:5]):
            return (
                f"Le mois de naissance du numéro de sécurité sociale (4e et 5e chiffres : "
                f"« {nir[3:5]} ») n'existe pas : il doit être compris entre 01 et 12."
            )
        if nir[5:7] == "00":
            return (
                "Le département de naissance du numéro de sécurité sociale (6e et 7e "
                "chiffres : « 00 ») n'existe pas."
            )
    try:
        stdnum_nir.validate(nir)
    except InvalidChecksum:
        return (
            "La clé du numéro de sécurité sociale ne correspond pas : vérifiez les 13 "
            "premiers chiffres et la clé (les 2 derniers)."
        )
    except ValidationError:  # pragma: no cover - every format case is handled above
        return "Le numéro de sécurité sociale n'a pas le bon format."
    return None


@dataclass(frozen=True, slots=True)
class NirFacts:
    """What a valid NIR says about its holder.

    ``departement`` is ``"87"``, ``"2A"``, ``"20"`` (Corsica before 1976), a 3-digit code
    overseas (``"974"``, the commune part then has 2 digits) or ``"99"`` (born abroad);
    ``commune`` is always the 5-character INSEE code of the birthplace (``"87085"``,
    ``"2A004"``, ``"97411"``), or ``"99"`` and the INSEE country code for people born
    abroad (``"99350"``: Morocco). ``mois`` is None when the NIR carries a code for an
    unknown or fictitious month (``mois_code`` keeps the raw digits). For provisional
    numbers (``provisoire``), only ``sexe`` and the key are meaningful.
    """

    nir: str
    sexe: str
    provisoire: bool
    annee: str
    mois: int | None
    mois_code: str
    departement: str
    commune: str
    ordre: str
    cle: str

    @property
    def ne_a_l_etranger(self) -> bool:
        return self.departement == "99"


def nir_facts(value: str) -> NirFacts | None:
    """Decode a NIR; None when it is not valid (see `validate_nir`)."""
    if validate_nir(value) is not None:
        return None
    nir = compact_nir(value)
    sex = nir[0]
    month = int(nir[3:5])
    departement = nir[5:8] if nir[5:7] in ("97", "98") else nir[5:7]
    return NirFacts(
        nir=nir,
        sexe=_PERMANENT_SEX.get(sex) or _PROVISIONAL_SEX[sex],
        provisoire=sex in _PROVISIONAL_SEX,
        annee=nir[1:3],
        mois=month if 1 <= month <= 12 else None,
        mois_code=nir[3:5],
        departement=departement,
        commune=nir[5:10],
        ordre=nir[10:13],
        cle=nir[13:15],
    )


# --- consistency with the rest of the civil status ---------------------------------------


def _sex_of_civilite(civilite: str) -> str | None:
    key = civilite.strip().lower().rstrip(".")
    if key in {"m", "mr", "monsieur", "h", "homme"}:
        return "M"
    if key in {"f", "mme", "madame", "mlle", "mademoiselle", "femme"}:
        return "F"
    return None


@functools.cache
def _ancien_index() -> dict[str, tuple[str, ...]]:
    """Former INSEE code → codes of the communes that carry it among their former codes."""
    index: defaultdict[str, list[str]] = defaultdict(list)
    for commune in referentials.communes():
        for old in commune.anciens_codes:
            if commune.code not in index[old]:
                index[old].append(commune.code)
    return {old: tuple(codes) for old, codes in index.items()}


def _parents(code: str) -> set[str]:
    """The communes ``code`` belongs to: chef-lieu of a delegated/associated commune or an
    arrondissement, commune now carrying ``code`` as a former code."""
    parents = {c.chef_lieu for c in referentials.communes_by_code(code) if c.chef_lieu}
    parents.update(_ancien_index().get(code, ()))
    parents.discard(code)
    return parents


def _up(code: str) -> set[str]:
    """``code`` and what it belongs to, two levels up (old code → delegated → new commune)."""
    first = _parents(code)
    result = {code, *first}
    for parent in first:
        result.update(_parents(parent))
    return result


def _communes_related(nir_code: str, chosen: str) -> bool:
    return chosen in _up(nir_code) or nir_code in _up(chosen)


def _known_code(code: str) -> bool:
    return bool(referentials.communes_by_code(code)) or code in _ancien_index()


def _commune_label(code: str) -> str:
    communes = referentials.communes_by_code(code)
    if communes:
        current = [c for c in communes if c.type == "commune-actuelle"]
        return f"{code} ({(current or list(communes))[0].nom})"
    for heir in _ancien_index().get(code, ()):
        found = [c for c in referentials.communes_by_code(heir) if c.type == "commune-actuelle"]
        if found:
            return f"{code} (ancien code, aujourd'hui {found[0].nom})"
    return code


def _departement_of_commune(code: str) -> str | None:
    communes = referentials.communes_by_code(code)
    return communes[0].departement if communes else None


def _departements_compatible(nir_dep: str, chosen: str, year: int | None) -> bool:
    if nir_dep == chosen:
        return True
    if nir_dep == "20" and chosen in ("2A", "2B"):
        return year is None or year < 1976
    if nir_dep in ("75", "78") and chosen in _IDF_AFTER_1968:
        return year is None or year < 1968
    return nir_dep == "985" and chosen == "976"


def _outdated_code(nir_dep: str, chosen_dep: str, year: int | None) -> bool:
    """The NIR carries a department code that no longer existed in the birth year."""
    if year is None or nir_dep == chosen_dep:
        return False
    if nir_dep == "20":
        return year >= 1976
    if nir_dep in ("75", "78") and chosen_dep in _IDF_AFTER_1968:
        return year >= 1968
    return False


def _historical_code(nir_dep: str, chosen_dep: str) -> bool:
    """The NIR carries a department code that has since been split or renumbered."""
    return nir_dep != chosen_dep and (nir_dep in ("20", "75", "78", "985"))


def _place_problems(
    facts: NirFacts,
    year: int | None,
    departement: str | None,
    commune: str | None,
    abroad: bool,
) -> list[tuple[str, str]]:
    nir_dep, nir_commune = facts.departement, facts.commune
    if abroad:
        if nir_dep == "99":
            return []
        if nir_dep in _NORTH_AFRICA_BEFORE_INDEPENDENCE and (year is None or year <= 1962):
            return []
        return [
            (
                "nir",
                "Le numéro de sécurité sociale indique une naissance en France (département "
                f"« {nir_dep} ») alors que vous avez indiqué être né(e) à l'étranger : "
                "vérifiez le numéro ou le lieu de naissance.",
            )
        ]
    if not departement and not commune:
        return []  # birthplace not given (or unknown): nothing to compare
    if nir_dep == "99":
        return [
            (
                "departement_naissance" if departement else "commune_naissance",
                "Le numéro de sécurité sociale indique une naissance à l'étranger (99 aux 6e "
                "et 7e chiffres) : cochez « Je suis né(e) à l'étranger » ou vérifiez le "
                "numéro.",
            )
        ]
    chosen_dep = departement or (_departement_of_commune(commune) if commune else None)
    department_problem = [
        (
            "departement_naissance" if departement else "commune_naissance",
            f"Le département de naissance choisi ({chosen_dep}) ne correspond pas au "
            f"numéro de sécurité sociale (département « {nir_dep} » dans le numéro) : "
            "vérifiez le département ou le numéro.",
        )
    ]
    if chosen_dep and _outdated_code(nir_dep, chosen_dep, year):
        return [
            (
                department_problem[0][0],
                f"Le numéro de sécurité sociale porte le département « {nir_dep} », qui "
                f"n'était plus attribué aux naissances de {year} : vérifiez le numéro ou la "
                "date de naissance.",
            )
        ]
    if commune and _communes_related(nir_commune, commune):
        return []
    if chosen_dep and not _departements_compatible(nir_dep, chosen_dep, year):
        return department_problem
    if not commune:
        return []
    if chosen_dep and _historical_code(nir_dep, chosen_dep):
        # Corsica before 1976, Seine / Seine-et-Oise before 1968, Mayotte before 976:
        # most communes kept their 3-digit number; when they did not, we cannot tell.
        if nir_commune[-3:] == commune[-3:] or not _known_code(nir_commune):
            return []
    elif not _known_code(nir_commune):
        return []  # a code the referentials do not know: cannot be compared
    return [
        (
            "commune_naissance",
            f"Le lieu de naissance choisi, {_commune_label(commune)}, ne correspond pas au "
            "numéro de sécurité sociale, qui indique la commune "
            f"{_commune_label(nir_commune)} : vérifiez le lieu de naissance ou le numéro.",
        )
    ]


def nir_consistency(
    nir: str,
    *,
    civilite: str | None,
    date_naissance: date | None,
    departement_naissance: str | None,
    commune_naissance: str | None,
    ne_a_l_etranger: bool = False,
) -> list[tuple[str, str]]:
    """Contradictions between a valid NIR and the rest of the civil status.

    Returns ``(field_key, French message)`` pairs, field keys among ``civilite``,
    ``date_naissance``, ``departement_naissance``, ``commune_naissance`` and ``nir``;
    empty when everything agrees, when a value is not given, or when ``nir`` is itself
    invalid (`validate_nir` reports that). ``civilite`` is ``"M"`` or ``"F"`` (``"M."``,
    ``"Mme"``... are understood too); ``departement_naissance`` and ``commune_naissance``
    are INSEE codes; with ``ne_a_l_etranger`` they are ignored.
    """
    facts = nir_facts(nir)
    if facts is None or facts.provisoire:
        return []
    problems: list[tuple[str, str]] = []
    if civilite:
        sex = _sex_of_civilite(civilite)
        if sex is not None and sex != facts.sexe:
            said = "M." if sex == "M" else "Mme"
            nir_says = "1 (homme)" if facts.sexe == "M" else "2 (femme)"
            problems.append(
                (
                    "civilite",
                    f"La civilité « {said} » ne correspond pas au numéro de sécurité sociale, "
                    f"qui commence par {nir_says} : vérifiez la civilité ou le numéro.",
                )
            )
    year = date_naissance.year if date_naissance else None
    if date_naissance is not None:
        if date_naissance.year % 100 != int(facts.annee):
            problems.append(
                (
                    "date_naissance",
                    f"L'année de naissance ({date_naissance.year}) ne correspond pas au numéro "
                    f"de sécurité sociale (2e et 3e chiffres : « {facts.annee} ») : vérifiez "
                    "la date de naissance ou le numéro.",
                )
            )
        elif facts.mois is not None and date_naissance.month != facts.mois:
            problems.append(
                (
                    "date_naissance",
                    f"Le mois de naissance ({_MONTHS[date_naissance.month - 1]}) ne correspond "
                    f"pas au numéro de sécurité sociale (4e et 5e chiffres : "
                    f"« {facts.mois_code} », {_MONTHS[facts.mois - 1]}) : vérifiez la date "
                    "de naissance ou le numéro.",
                )
            )
    problems.extend(
        _place_problems(
            facts,
            year,
            (departement_naissance or "").strip().upper() or None,
            (commune_naissance or "").strip().upper() or None,
            ne_a_l_etranger,
        )
    )
    return problems
