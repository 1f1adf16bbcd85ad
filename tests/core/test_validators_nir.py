"""NIR: format, key, decoding, and consistency with the civil status.

Valid numbers are built from real INSEE codes with the key computed independently of the
code under test (97 - number % 97, 2A → 19 and 2B → 18), and cross-checked against the
examples published in python-stdnum's documentation and a worked example (1 84 12 76 451
089 46).
"""

from __future__ import annotations

from datetime import date

import pytest

from cesp_core.validators import (
    compact_nir,
    format_nir,
    nir_consistency,
    nir_facts,
    validate_nir,
)


def with_key(body: str) -> str:
    """The 15-character NIR whose 13 first characters are ``body``."""
    digits = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(digits) % 97:02d}"


def consistency(nir: str, **kwargs: object) -> list[tuple[str, str]]:
    params: dict[str, object] = {
        "civilite": None,
        "date_naissance": None,
        "departement_naissance": None,
        "commune_naissance": None,
    }
    params.update(kwargs)
    return nir_consistency(nir, **params)  # type: ignore[arg-type]


def fields(problems: list[tuple[str, str]]) -> list[str]:
    return [field for field, _ in problems]


# Men and women born in Limoges (87085), Ajaccio (2A004), Bastia (2B033), Les Abymes
# (97101), Saint-Denis de La Réunion (97411), and in Morocco (99350).
MAN_LIMOGES = with_key("1841287085089")
WOMAN_AJACCIO = with_key("2950620004123")  # born 1995: 2A004 in the NIR
WOMAN_AJACCIO_2A = with_key("295062A004123")
MAN_BASTIA_2B = with_key("188032B033017")
WOMAN_ABYMES = with_key("2990397101045")
MAN_SAINT_DENIS_974 = with_key("1010897411230")
WOMAN_BORN_MOROCCO = with_key("2920199350012")


class TestKeyHelper:
    def test_matches_published_examples(self) -> None:
        # python-stdnum's documentation, and a worked example.
        assert with_key("2951099126111") == "295109912611193"
        assert with_key("253072B073004") == "253072B07300470"
        assert with_key("253072A073004") == "253072A07300443"
        assert with_key("1841276451089") == "184127645108946"


class TestFormat:
    def test_compact_accepts_spaces_dots_dashes_lower_case(self) -> None:
        assert compact_nir(" 2 53 07 2b 073 004 70 ") == "253072B07300470"
        assert compact_nir("1.84.12-76-451-089_46") == "184127645108946"

    def test_groups_as_insee_prints_it(self) -> None:
        assert format_nir("184127645108946") == "1 84 12 76 451 089 46"
        assert format_nir("253072a07300443") == "2 53 07 2A 073 004 43"

    def test_partial_input_is_grouped_as_typed(self) -> None:
        assert format_nir("18412") == "1 84 12"
        assert format_nir("1841276") == "1 84 12 76"
        assert format_nir("") == ""


class TestValidate:
    @pytest.mark.parametrize(
        "nir",
        [
            MAN_LIMOGES,
            WOMAN_AJACCIO,
            WOMAN_AJACCIO_2A,
            MAN_BASTIA_2B,
            WOMAN_ABYMES,
            MAN_SAINT_DENIS_974,
            WOMAN_BORN_MOROCCO,
            "2 95 10 99 126 111 93",
            "253072B07300470",
            "1 84 12 76 451 089 46",
        ],
    )
    def test_valid_numbers(self, nir: str) -> None:
        assert validate_nir(nir) is None

    def test_lenient_input(self) -> None:
        assert validate_nir(" 1-84-12-76-451-089-46 ") is None
        assert validate_nir("2 53 07 2a 073 004 43") is None

    def test_one_digit_changed_breaks_the_key(self) -> None:
        order = MAN_LIMOGES[12]
        wrong = MAN_LIMOGES[:12] + ("3" if order != "3" else "4") + MAN_LIMOGES[13:]
        message = validate_nir(wrong)
        assert message is not None
        assert "clé" in message and "13 premiers chiffres" in message

    def test_wrong_key(self) -> None:
        message = validate_nir("2 95 10 99 126 111 99")
        assert message is not None and "clé" in message

    def test_missing_key(self) -> None:
        message = validate_nir("1841276451089")
        assert message is not None and "Il manque la clé" in message

    def test_wrong_length(self) -> None:
        message = validate_nir("18412764510894")
        assert message is not None and "15 chiffres" in message and "14" in message

    def test_bad_character(self) -> None:
        message = validate_nir("1841276451O8946")  # letter O typed for a zero
        assert message is not None and "« O »" in message

    def test_corsica_letters_only_at_the_department(self) -> None:
        assert validate_nir("253072C07300443") is not None
        assert validate_nir("25307A207300443") is not None

    def test_first_digit(self) -> None:
        message = validate_nir(with_key("5841287085089"))
        assert message is not None and "premier chiffre" in message

    def test_month_that_cannot_exist(self) -> None:
        message = validate_nir(with_key("1841387085089"))
        assert message is not None and "mois" in message and "« 13 »" in message

    def test_department_00(self) -> None:
        message = validate_nir(with_key("1841200085089"))
        assert message is not None and "département" in message

    def test_empty(self) -> None:
        assert validate_nir("  ") is not None


class TestFacts:
    def test_man_born_in_limoges(self) -> None:
        facts = nir_facts(MAN_LIMOGES)
        assert facts is not None
        assert (facts.sexe, facts.provisoire, facts.annee, facts.mois) == ("M", False, "84", 12)
        assert (facts.departement, facts.commune, facts.ordre) == ("87", "87085", "089")
        assert not facts.ne_a_l_etranger

    def test_corsica(self) -> None:
        facts = nir_facts(WOMAN_AJACCIO_2A)
        assert facts is not None
        assert (facts.sexe, facts.departement, facts.commune) == ("F", "2A", "2A004")
        old = nir_facts(WOMAN_AJACCIO)
        assert old is not None and (old.departement, old.commune) == ("20", "20004")

    def test_overseas_department_has_three_digits(self) -> None:
        facts = nir_facts(MAN_SAINT_DENIS_974)
        assert facts is not None
        assert (facts.departement, facts.commune) == ("974", "97411")

    def test_born_abroad_carries_the_country_code(self) -> None:
        facts = nir_facts(WOMAN_BORN_MOROCCO)
        assert facts is not None
        assert facts.departement == "99" and facts.commune == "99350"
        assert facts.ne_a_l_etranger

    @pytest.mark.parametrize("code", ["20", "33", "42", "50", "99"])
    def test_unknown_or_fictitious_month(self, code: str) -> None:
        nir = with_key(f"184{code}87085089")
        assert validate_nir(nir) is None
        facts = nir_facts(nir)
        assert facts is not None and facts.mois is None and facts.mois_code == code

    @pytest.mark.parametrize(("digit", "sexe"), [("7", "M"), ("8", "F"), ("3", "M"), ("4", "F")])
    def test_provisional_numbers(self, digit: str, sexe: str) -> None:
        facts = nir_facts(with_key(f"{digit}841287085089"))
        assert facts is not None and facts.provisoire and facts.sexe == sexe

    def test_invalid_gives_none(self) -> None:
        assert nir_facts("184127645108947") is None


class TestConsistency:
    def test_everything_agrees(self) -> None:
        assert (
            consistency(
                MAN_LIMOGES,
                civilite="M",
                date_naissance=date(1984, 12, 3),
                departement_naissance="87",
                commune_naissance="87085",
            )
            == []
        )

    @pytest.mark.parametrize("civilite", ["F", "Mme", "Madame"])
    def test_sex_contradicts_civilite(self, civilite: str) -> None:
        problems = consistency(MAN_LIMOGES, civilite=civilite)
        assert fields(problems) == ["civilite"]
        assert "1 (homme)" in problems[0][1]

    def test_woman_said_to_be_a_man(self) -> None:
        problems = consistency(WOMAN_AJACCIO_2A, civilite="M.")
        assert fields(problems) == ["civilite"] and "2 (femme)" in problems[0][1]

    def test_year_contradicts_date_of_birth(self) -> None:
        problems = consistency(MAN_LIMOGES, date_naissance=date(1985, 12, 3))
        assert fields(problems) == ["date_naissance"]
        assert "1985" in problems[0][1] and "« 84 »" in problems[0][1]

    def test_month_contradicts_date_of_birth(self) -> None:
        problems = consistency(MAN_LIMOGES, date_naissance=date(1984, 11, 3))
        assert fields(problems) == ["date_naissance"]
        assert "novembre" in problems[0][1] and "décembre" in problems[0][1]

    def test_unknown_month_is_not_compared(self) -> None:
        nir = with_key("1842087085089")
        assert consistency(nir, civilite="M", date_naissance=date(1984, 5, 9)) == []
        wrong_year = consistency(nir, date_naissance=date(1983, 5, 9))
        assert fields(wrong_year) == ["date_naissance"]

    def test_commune_contradicts_the_chosen_commune(self) -> None:
        problems = consistency(MAN_LIMOGES, departement_naissance="87", commune_naissance="87187")
        assert fields(problems) == ["commune_naissance"]
        assert "Saint-Yrieix-la-Perche" in problems[0][1] and "Limoges" in problems[0][1]

    def test_department_contradicts_the_chosen_department(self) -> None:
        problems = consistency(MAN_LIMOGES, departement_naissance="75", commune_naissance="75056")
        assert fields(problems) == ["departement_naissance"]
        assert "« 87 »" in problems[0][1]

    def test_paris_arrondissement_in_the_nir(self) -> None:
        nir = with_key("2000575115031")  # born in Paris 15e
        assert consistency(nir, departement_naissance="75", commune_naissance="75056") == []
        assert consistency(nir, departement_naissance="75", commune_naissance="75115") == []
        other = consistency(nir, departement_naissance="75", commune_naissance="75101")
        assert fields(other) == ["commune_naissance"]

    def test_corsica_20_before_1976(self) -> None:
        nir = with_key("1700520004001")
        born = date(1970, 5, 3)
        assert consistency(nir, date_naissance=born, departement_naissance="2A") == []
        assert (
            consistency(
                nir, date_naissance=born, departement_naissance="2A", commune_naissance="2A004"
            )
            == []
        )
        bastia = with_key("1700520033001")
        assert (
            consistency(
                bastia, date_naissance=born, departement_naissance="2B", commune_naissance="2B033"
            )
            == []
        )

    def test_corsica_20_after_1976_is_refused(self) -> None:
        nir = with_key("1800520004001")
        problems = consistency(
            nir,
            date_naissance=date(1980, 5, 3),
            departement_naissance="2A",
            commune_naissance="2A004",
        )
        assert fields(problems) == ["departement_naissance"]
        assert "« 20 »" in problems[0][1] and "1980" in problems[0][1]

    def test_corsica_2a_2b_numbers(self) -> None:
        assert (
            consistency(
                WOMAN_AJACCIO_2A,
                civilite="F",
                date_naissance=date(1995, 6, 14),
                departement_naissance="2A",
                commune_naissance="2A004",
            )
            == []
        )
        assert (
            consistency(MAN_BASTIA_2B, departement_naissance="2B", commune_naissance="2B033") == []
        )
        wrong = consistency(MAN_BASTIA_2B, departement_naissance="2A", commune_naissance="2A004")
        assert fields(wrong) == ["departement_naissance"]

    def test_overseas(self) -> None:
        assert (
            consistency(
                WOMAN_ABYMES,
                civilite="F",
                date_naissance=date(1999, 3, 1),
                departement_naissance="971",
                commune_naissance="97101",
            )
            == []
        )
        assert (
            consistency(MAN_SAINT_DENIS_974, departement_naissance="974", commune_naissance="97411")
            == []
        )
        wrong = consistency(
            MAN_SAINT_DENIS_974, departement_naissance="971", commune_naissance="97101"
        )
        assert fields(wrong) == ["departement_naissance"]

    def test_born_abroad(self) -> None:
        assert consistency(WOMAN_BORN_MOROCCO, civilite="F", ne_a_l_etranger=True) == []
        said_france = consistency(
            WOMAN_BORN_MOROCCO, departement_naissance="87", commune_naissance="87085"
        )
        assert fields(said_france) == ["departement_naissance"]
        assert "étranger" in said_france[0][1]
        said_abroad = consistency(MAN_LIMOGES, ne_a_l_etranger=True)
        assert fields(said_abroad) == ["nir"]

    def test_north_africa_before_independence(self) -> None:
        nir = with_key("1500591123001")  # Algeria, 1950: department code 91
        assert consistency(nir, date_naissance=date(1950, 5, 1), ne_a_l_etranger=True) == []
        later = with_key("1700591123001")
        problems = consistency(later, date_naissance=date(1970, 5, 1), ne_a_l_etranger=True)
        assert fields(problems) == ["nir"]

    def test_former_code_of_a_merged_commune(self) -> None:
        # Courcouronnes (91182) merged into Évry-Courcouronnes (91228) in 2019.
        nir = with_key("2000591182014")
        assert consistency(nir, departement_naissance="91", commune_naissance="91228") == []

    def test_delegated_commune_and_its_chef_lieu(self) -> None:
        # Châtillon-en-Michaille (01091) is a delegated commune of Valserhône (01033).
        delegated = with_key("1950301091004")
        assert consistency(delegated, departement_naissance="01", commune_naissance="01033") == []
        chef_lieu = with_key("1950301033004")
        assert consistency(chef_lieu, departement_naissance="01", commune_naissance="01091") == []

    def test_associated_commune(self) -> None:
        # Cordieux (01120) is associated with Montluel (01262).
        nir = with_key("2700301120004")
        assert consistency(nir, departement_naissance="01", commune_naissance="01262") == []

    def test_seine_and_seine_et_oise_before_1968(self) -> None:
        levallois = with_key("1600575044001")  # Levallois-Perret, then in Seine (75)
        born = date(1960, 5, 3)
        kwargs = {"date_naissance": born, "departement_naissance": "92"}
        assert consistency(levallois, **kwargs, commune_naissance="92044") == []
        assert consistency(levallois, **kwargs) == []
        evry = with_key("2620578228001")  # Évry, then in Seine-et-Oise (78)
        assert (
            consistency(
                evry,
                date_naissance=date(1962, 5, 3),
                departement_naissance="91",
                commune_naissance="91228",
            )
            == []
        )
        paris = consistency(
            levallois, date_naissance=born, departement_naissance="75", commune_naissance="75056"
        )
        assert fields(paris) == ["commune_naissance"]
        assert "Levallois-Perret" in paris[0][1]

    def test_seine_code_after_1968_is_refused(self) -> None:
        nir = with_key("1750575044001")
        problems = consistency(
            nir,
            date_naissance=date(1975, 5, 3),
            departement_naissance="92",
            commune_naissance="92044",
        )
        assert fields(problems) == ["departement_naissance"]

    def test_provisional_numbers_only_check_the_key(self) -> None:
        nir = with_key("7841287085089")
        assert (
            consistency(
                nir,
                civilite="F",
                date_naissance=date(1990, 1, 1),
                departement_naissance="75",
                commune_naissance="75056",
            )
            == []
        )
        assert validate_nir(nir[:-2] + "00") is not None

    def test_unknown_birthplace(self) -> None:
        assert consistency(MAN_LIMOGES, civilite="M") == []
        assert consistency(WOMAN_BORN_MOROCCO) == []
        unknown_code = with_key("1841287999089")  # no such commune in the referential
        assert (
            consistency(unknown_code, departement_naissance="87", commune_naissance="87085") == []
        )

    def test_invalid_nir_gives_nothing(self) -> None:
        assert consistency("184127645108947", civilite="F") == []
