"""IBAN and BIC, checked with schwifty; messages in French.

`validate_iban` tells apart an unknown country, a wrong length for the country, bad
characters, a wrong structure, a wrong IBAN check (the 3rd and 4th characters) and, for
French and Monegasque accounts, a wrong RIB key. `iban_info` gives what schwifty's bank
registry derives from the IBAN (BIC, bank name) where it knows the bank.
"""

from __future__ import annotations

import gettext
import re
import warnings
from dataclasses import dataclass
from functools import cache

import pycountry
from schwifty import BIC, IBAN
from schwifty import exceptions as sx

from cesp_core import referentials

__all__ = [
    "MAX_IBAN_LENGTH",
    "IbanInfo",
    "compact_bic",
    "compact_iban",
    "country_name",
    "format_iban",
    "iban_info",
    "iban_length",
    "validate_bic",
    "validate_iban",
]

#: The longest IBAN of any country (ISO 13616).
MAX_IBAN_LENGTH = 34

_SEPARATORS = re.compile(r"[\s.\-_/]+")
#: Countries whose national check (the "clé RIB") schwifty verifies and we enforce: the
#: algorithm is the same, well established one for both.
_NATIONAL_CHECK = frozenset({"FR", "MC"})


def compact_iban(value: str) -> str:
    """``value`` without spaces, dots, dashes, upper case (``"IBAN"`` prefix dropped)."""
    compact = _SEPARATORS.sub("", value).upper()
    if compact.startswith("IBAN"):
        compact = compact[4:].lstrip(":")
    return compact


def format_iban(value: str) -> str:
    """The IBAN in groups of 4 characters: ``FR76 3000 6000 0112 3456 7890 189``."""
    compact = compact_iban(value)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def iban_length(value: str) -> int | None:
    """How many characters an IBAN of the country ``value`` starts with has (``FR``: 27),
    None while the country is not known (fewer than 2 letters, or no such country): an
    input knows when the IBAN is complete."""
    compact = compact_iban(value)
    if len(compact) < 2 or not compact[:2].isalpha():
        return None
    try:
        return int(IBAN(compact[:2] + "00", allow_invalid=True).spec.iban_length)
    except (sx.SchwiftyException, KeyError, ValueError):
        return None


def compact_bic(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


@cache
def _french_countries() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:  # pragma: no cover - pycountry ships the French catalogue
        return gettext.NullTranslations()


def country_name(code: str) -> str:
    """French name of the country with ISO 3166-1 alpha-2 ``code`` (the code if unknown)."""
    pays = referentials.pays_by_code(code)
    if pays is not None:
        return pays.nom
    country = pycountry.countries.get(alpha_2=code)
    return _french_countries().gettext(country.name) if country else code


def _parse(value: str) -> IBAN | str:
    """The IBAN, or a French message."""
    compact = compact_iban(value)
    if not compact:
        return "Saisissez l'IBAN (il commence par 2 lettres, FR pour un compte en France)."
    bad = next((c for c in compact if not (c.isascii() and c.isalnum())), None)
    if bad is not None:
        return (
            "L'IBAN ne doit contenir que des lettres et des chiffres : "
            f"le caractère « {bad} » n'est pas accepté."
        )
    if len(compact) < 4 or not compact[:2].isalpha() or not compact[2:4].isdigit():
        return (
            "L'IBAN commence par le code du pays (2 lettres, FR pour la France) puis 2 "
            "chiffres de contrôle : vérifiez le début du numéro."
        )
    country = compact[:2]
    try:
        iban = IBAN(compact, allow_invalid=True)
        spec = iban.spec
    except (sx.InvalidCountryCode, KeyError):
        return f"L'IBAN commence par « {country} », qui n'est pas un code de pays connu."
    name = country_name(country)
    if len(compact) != spec.iban_length:
        return (
            f"Un IBAN de ce pays ({name}) compte {spec.iban_length} caractères : "
            f"vous en avez saisi {len(compact)}."
        )
    try:
        iban.validate(validate_bban=False)
    except sx.InvalidChecksumDigits:
        return (
            "La clé de contrôle de l'IBAN ne correspond pas : un caractère est sans doute "
            "erroné ou inversé, vérifiez le numéro."
        )
    except sx.SchwiftyException:
        return f"Cet IBAN n'a pas la structure d'un IBAN de ce pays ({name}) : vérifiez le numéro."
    if country in _NATIONAL_CHECK:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                iban.bban.validate_national_checksum()
            except sx.InvalidBBANChecksum:
                return (
                    "La clé RIB contenue dans l'IBAN (les 2 derniers chiffres) ne correspond "
                    "pas : vérifiez le numéro."
                )
            except sx.SchwiftyException:  # pragma: no cover - defensive
                pass
    return iban


def validate_iban(value: str) -> str | None:
    """A French message saying what is wrong with the IBAN ``value``, or None when valid."""
    parsed = _parse(value)
    return parsed if not isinstance(parsed, IBAN) else None


@dataclass(frozen=True, slots=True)
class IbanInfo:
    """What is known of a valid IBAN's account.

    ``bic`` and ``bank_name`` are None when schwifty's bank registry does not know the bank
    (it knows most banks of FR, DE, ES, IT, GB...).
    """

    iban: str
    country_code: str
    country_name: str
    sepa: bool
    bank_code: str
    bic: str | None
    bank_name: str | None

    @property
    def formatted(self) -> str:
        return format_iban(self.iban)


def _derived_bic(iban: IBAN) -> str | None:
    try:
        bic = iban.bic
    except sx.SchwiftyException:
        return None
    return str(bic) if bic else None


def _bank_bics(iban: IBAN) -> list[str]:
    """The 8-character BICs schwifty's registry gives for the IBAN's bank code (a bank code
    may have several: regional or historical BICs); empty when the bank is unknown."""
    bics: list[str] = []
    derived = _derived_bic(iban)
    if derived:
        bics.append(derived[:8])
    try:
        candidates = BIC.candidates_from_bank_code(iban.country_code, iban.bank_code)
    except (sx.SchwiftyException, KeyError):
        candidates = []
    for candidate in candidates:
        if str(candidate)[:8] not in bics:
            bics.append(str(candidate)[:8])
    return bics


def _bank_name(iban: IBAN) -> str | None:
    try:
        return iban.bank_name or None
    except sx.SchwiftyException:  # pragma: no cover - defensive
        return None


def iban_info(value: str) -> IbanInfo | None:
    """Country, BIC and bank of a valid IBAN; None when the IBAN is not valid."""
    parsed = _parse(value)
    if not isinstance(parsed, IBAN):
        return None
    return IbanInfo(
        iban=str(parsed),
        country_code=parsed.country_code,
        country_name=country_name(parsed.country_code),
        sepa=parsed.in_sepa_zone,
        bank_code=parsed.bank_code,
        bic=_derived_bic(parsed),
        bank_name=_bank_name(parsed),
    )


def validate_bic(value: str, iban: str | None = None) -> str | None:
    """A French message saying what is wrong with the BIC ``value``, or None when valid.

    A BIC has 8 or 11 characters: bank (4 letters), country (2 letters), location (2),
    and optionally branch (3). When a valid ``iban`` is given, the BIC must be of the same
    country and, when schwifty knows the IBAN's bank, of the same bank.
    """
    compact = compact_bic(value)
    if not compact:
        return "Saisissez le BIC (8 ou 11 caractères, par exemple AGRIFRPP)."
    bad = next((c for c in compact if not (c.isascii() and c.isalnum())), None)
    if bad is not None:
        return (
            "Le BIC ne doit contenir que des lettres et des chiffres : "
            f"le caractère « {bad} » n'est pas accepté."
        )
    if len(compact) not in (8, 11):
        return (
            "Le BIC compte 8 ou 11 caractères (par exemple AGRIFRPP ou AGRIFRPPXXX) : "
            f"vous en avez saisi {len(compact)}."
        )
    try:
        bic = BIC(compact)
    except sx.InvalidCountryCode:
        return (
            f"Les 5e et 6e caractères du BIC (« {compact[4:6]} ») doivent être un code de "
            "pays connu (FR pour la France)."
        )
    except sx.SchwiftyException:
        return (
            "Le BIC n'a pas le bon format : 4 lettres pour la banque, 2 lettres pour le pays, "
            "puis 2 (et éventuellement 3) lettres ou chiffres."
        )
    if not compact[:4].isalpha():
        return "Les 4 premiers caractères du BIC (le code de la banque) sont des lettres."
    if iban is None:
        return None
    parsed = _parse(iban)
    if not isinstance(parsed, IBAN):
        return None  # the IBAN's own message says what is wrong
    if bic.country_code != parsed.country_code and not (
        # Monaco's banks often use their French parent's BIC.
        parsed.country_code == "MC" and bic.country_code == "FR"
    ):
        return (
            f"Le pays du BIC ({bic.country_code}, {country_name(bic.country_code)}) n'est pas "
            f"celui de l'IBAN ({parsed.country_code}, {country_name(parsed.country_code)}) : "
            "vérifiez le BIC."
        )
    expected = _bank_bics(parsed)
    if expected and compact[:8] not in expected:
        return (
            "Ce BIC ne correspond pas à la banque de l'IBAN (BIC attendu : "
            f"{' ou '.join(expected[:3])}) : vérifiez le BIC."
        )
    return None
