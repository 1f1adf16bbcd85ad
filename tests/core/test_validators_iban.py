"""IBAN and BIC: real-format IBANs of FR, DE, BE, ES, IT, GB and MC (Monaco is in SEPA),
and corrupted ones."""

from __future__ import annotations

import pytest
from schwifty import IBAN

from cesp_core.validators import (
    compact_iban,
    format_iban,
    iban_info,
    validate_bic,
    validate_iban,
)

FR = "FR76 3000 6000 0112 3456 7890 189"  # Crédit Agricole SA, bank code 30006
DE = "DE89 3704 0044 0532 0130 00"  # Commerzbank
BE = "BE68 5390 0754 7034"
ES = "ES91 2100 0418 4502 0005 1332"  # CaixaBank
IT = "IT60 X054 2811 1010 0000 0123 456"
GB = "GB29 NWBK 6016 1331 9268 19"  # NatWest
MC = "MC58 1122 2000 0101 2345 6789 030"


@pytest.mark.parametrize("value", [FR, DE, BE, ES, IT, GB, MC])
def test_valid_ibans(value: str) -> None:
    assert validate_iban(value) is None


def test_lenient_input() -> None:
    assert validate_iban("fr76-3000-6000-0112-3456-7890-189") is None
    assert validate_iban("IBAN : FR76 3000 6000 0112 3456 7890 189") is None
    assert compact_iban(" fr76 3000.6000 ") == "FR7630006000"


def test_format_in_groups_of_four() -> None:
    assert format_iban("fr7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
    assert format_iban(DE) == "DE89 3704 0044 0532 0130 00"


def test_one_digit_changed() -> None:
    message = validate_iban(FR.replace("189", "188"))
    assert message is not None and "clé de contrôle" in message


def test_two_digits_swapped() -> None:
    message = validate_iban(DE.replace("0532", "0523"))
    assert message is not None and "clé de contrôle" in message


def test_truncated() -> None:
    message = validate_iban(FR[:-1])
    assert message is not None
    assert "27 caractères" in message and "26" in message and "France" in message


def test_too_long_for_belgium() -> None:
    message = validate_iban(BE + "1")
    assert message is not None and "16 caractères" in message and "Belgique" in message


def test_unknown_country() -> None:
    message = validate_iban("XX12 3456 7890 1234")
    assert message is not None and "« XX »" in message and "pays" in message


def test_bad_characters() -> None:
    message = validate_iban("FR76 3000 6000 0112 3456 7890 1@9")
    assert message is not None and "« @ »" in message


def test_missing_country_code() -> None:
    message = validate_iban("76 3000 6000 0112 3456 7890 189")
    assert message is not None and "code du pays" in message


def test_wrong_structure_for_the_country() -> None:
    # A letter where the German account number has digits, with a correct IBAN checksum.
    forged = IBAN.from_bban("DE", "37040044053201300A", allow_invalid=True)
    message = validate_iban(str(forged))
    assert message is not None and "structure" in message


def test_wrong_rib_key() -> None:
    # Correct IBAN check digits around a French account whose RIB key is wrong.
    forged = IBAN.from_bban("FR", "30006000011234567890188", allow_invalid=True)
    message = validate_iban(str(forged))
    assert message is not None and "clé RIB" in message


def test_empty() -> None:
    assert validate_iban("") is not None


def test_info_of_a_known_french_bank() -> None:
    info = iban_info(FR)
    assert info is not None
    assert (info.country_code, info.country_name, info.sepa) == ("FR", "France", True)
    assert info.bank_code == "30006"
    assert info.bic is not None and info.bic.startswith("AGRIFRPP")
    assert info.bank_name is not None and "CREDIT AGRICOLE" in info.bank_name
    assert info.formatted == "FR76 3000 6000 0112 3456 7890 189"


def test_info_in_french() -> None:
    de, gb, mc = iban_info(DE), iban_info(GB), iban_info(MC)
    assert de is not None and de.country_name == "Allemagne" and de.bic == "COBADEFFXXX"
    assert gb is not None and gb.country_name == "Royaume-Uni"
    assert mc is not None and mc.country_name == "Monaco" and mc.sepa


def test_info_when_the_bank_is_unknown() -> None:
    info = iban_info(BE)
    assert info is not None and info.country_name == "Belgique"
    assert info.bic is None and info.bank_name is None


def test_info_of_an_invalid_iban() -> None:
    assert iban_info(FR[:-1]) is None


class TestBic:
    @pytest.mark.parametrize("value", ["AGRIFRPP", "AGRIFRPPXXX", "agri frpp xxx", "DEUTDEFF"])
    def test_valid(self, value: str) -> None:
        assert validate_bic(value) is None

    def test_length(self) -> None:
        message = validate_bic("AGRIFRP")
        assert message is not None and "8 ou 11" in message and "7" in message

    def test_unknown_country(self) -> None:
        message = validate_bic("AGRIXXPP")
        assert message is not None and "« XX »" in message

    def test_bank_code_is_letters(self) -> None:
        assert validate_bic("1GRIFRPP") is not None

    def test_bad_character(self) -> None:
        message = validate_bic("AGRI*RPP")
        assert message is not None and "« * »" in message

    def test_matches_the_iban_bank(self) -> None:
        assert validate_bic("AGRIFRPP", iban=FR) is None
        assert validate_bic("AGRIFRPPXXX", iban=FR) is None
        assert validate_bic("COBADEFFXXX", iban=DE) is None

    def test_other_bank_of_the_same_country(self) -> None:
        message = validate_bic("BNPAFRPP", iban=FR)
        assert message is not None and "AGRIFRPP" in message

    def test_bank_with_several_bics(self) -> None:
        # Crédit Mutuel (bank code 10278) is registered under CMCIFR2A and CMCIFRPA.
        iban = str(
            IBAN.generate("FR", bank_code="10278", branch_code="06061", account_code="00020525701")
        )
        assert validate_iban(iban) is None
        assert validate_bic("CMCIFR2A", iban=iban) is None
        assert validate_bic("CMCIFRPA", iban=iban) is None

    def test_other_country(self) -> None:
        message = validate_bic("COBADEFF", iban=FR)
        assert message is not None and "Allemagne" in message and "France" in message

    def test_monaco_account_with_a_french_bic(self) -> None:
        assert validate_bic("AGRIFRPP", iban=MC) is None

    def test_unknown_bank_only_checks_the_country(self) -> None:
        assert validate_bic("GEBABEBB", iban=BE) is None
        assert validate_bic("GEBAFRPP", iban=BE) is not None

    def test_invalid_iban_is_left_to_its_own_message(self) -> None:
        assert validate_bic("BNPAFRPP", iban=FR[:-1]) is None
