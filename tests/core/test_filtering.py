"""cesp_core.text.normalize and the ranked filters of cesp_core.filtering."""

from __future__ import annotations

import random

import pytest

from cesp_core import referentials
from cesp_core.filtering import (
    CommuneIndex,
    DepartementIndex,
    PaysIndex,
    commune_index,
    departement_index,
    pays_index,
    query_variants,
    rank_of,
)
from cesp_core.referentials import Commune
from cesp_core.text import normalize, normalize_many


@pytest.fixture(scope="module")
def communes() -> CommuneIndex:
    return commune_index()


@pytest.fixture(scope="module")
def departements() -> DepartementIndex:
    return departement_index()


@pytest.fixture(scope="module")
def pays() -> PaysIndex:
    return pays_index()


def test_shared_indexes_are_built_once() -> None:
    assert commune_index() is commune_index()
    assert departement_index() is departement_index()
    assert pays_index() is pays_index()
    assert len(commune_index()) == 37_590
    assert len(departement_index()) == 109


def codes(results: list[Commune]) -> list[str]:
    return [c.code for c in results]


# --- normalize ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Saint-Étienne", "saint etienne"),
        ("ST-ETIENNE", "saint etienne"),
        ("st etienne", "saint etienne"),
        ("St. Étienne", "saint etienne"),
        ("Ste-Marie", "sainte marie"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("L’Haÿ-les-Roses", "l hay les roses"),
        ("Œuilly", "oeuilly"),
        ("Lætitia", "laetitia"),
        ("  a__b..c  -  d ", "a b c d"),
        ("Straße", "strasse"),
        ("Stains", "stains"),  # only whole words are abbreviations
        ("Est", "est"),
        ("", ""),
        ("--", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_many_equals_normalize() -> None:
    names = [c.nom for c in referentials.communes()] + [p.nom for p in referentials.pays()]
    names += ["", "--", "St", " ste-st ", "Est-St", "a  \t b", "x_y", "Ελλάδα", "Łódź", "a\nb"]
    assert normalize_many(names) == [normalize(name) for name in names]
    assert normalize_many([]) == []


def test_query_variants() -> None:
    assert query_variants("Saint-Étienne") == ("saint etienne",)
    assert query_variants("st") == ("saint", "st")  # still typing: Strasbourg too
    assert query_variants("st ") == ("saint",)
    assert query_variants("st-et") == ("saint et",)
    assert query_variants("ste") == ("sainte", "ste")
    assert query_variants("  ") == ("",)


def test_rank_of() -> None:
    assert rank_of("limoges", "limoges") == 0
    assert rank_of("limoges fourches", "limoges") == 1
    assert rank_of("saint etienne", "etienne") == 2
    assert rank_of("saint etienne", "tienne") == 3
    assert rank_of("saint etienne", "lyon") is None


# --- communes ----------------------------------------------------------------------------


_KEYS: dict[str, str] = {}


def oracle(query: str, entries: list[Commune], limit: int) -> list[str]:
    """Brute force: rank every entry, sort by (rank, current first, key, code order)."""
    if not _KEYS:
        _KEYS.update(
            zip(
                (c.nom for c in referentials.communes()),
                normalize_many(c.nom for c in referentials.communes()),
                strict=True,
            )
        )
    variants = query_variants(query)
    scored = []
    for position, commune in enumerate(entries):
        key = _KEYS[commune.nom]
        ranks = [3 if not variant else rank_of(key, variant) for variant in variants]
        # One letter: only the names that begin with it (word starts and inner matches
        # count from the second letter on).
        ranks = [
            None if rank is not None and len(variant) == 1 and rank > 1 else rank
            for rank, variant in zip(ranks, variants, strict=True)
        ]
        found = [rank for rank in ranks if rank is not None]
        if found:
            group = 0 if commune.type == "commune-actuelle" else 1
            scored.append((min(found), group, key, position, commune.code))
    scored.sort()
    return [entry[4] for entry in scored[:limit]]


def test_search_matches_brute_force_ranking(communes: CommuneIndex) -> None:
    everything = list(referentials.communes())
    rng = random.Random(7)
    queries = ["", "st", "ste", "st ", "sur", "evry", "saint et", "marseille", "ill", "zz", "y"]
    for commune in rng.sample(everything, 20):
        name = commune.nom
        queries.append(name[: rng.randint(1, min(6, len(name)))])
        start = rng.randint(0, max(0, len(name) - 3))
        queries.append(name[start : start + 3])  # often a pure substring
    for query in queries:
        expected = oracle(query, everything, 200)
        assert codes(communes.search(query, limit=200)) == expected, query
        assert codes(communes.search(query)) == expected[:30], query


def test_search_in_department_matches_brute_force(communes: CommuneIndex) -> None:
    in_87 = [c for c in referentials.communes() if c.departement == "87"]
    for query in ["", "l", "L", "sa", "st", "vienne", "ac", "e", "saint-léo"]:
        assert codes(communes.search(query, departement="87", limit=50)) == oracle(
            query, in_87, 50
        ), query


@pytest.mark.parametrize("query", ["saint etienne", "st etienne", "saint-étienne", "ST-ETIENNE"])
def test_saint_etienne_first(communes: CommuneIndex, query: str) -> None:
    results = communes.search(query)
    assert results[0].code == "42218"
    assert results[0].nom == "Saint-Étienne"
    assert len(results) == 30
    # then the other "Saint-Étienne-..." communes, all current ones
    assert all(normalize(c.nom).startswith("saint etienne") for c in results)


def test_accent_case_hyphen_insensitive(communes: CommuneIndex) -> None:
    reference = codes(communes.search("Saint-Étienne-de-Saint-Geoirs"))
    assert reference[0] == "38384"
    for query in [
        "saint etienne de saint geoirs",
        "SAINT ETIENNE DE ST GEOIRS",
        "st-étienne-de-st",
    ]:
        assert codes(communes.search(query))[0] == "38384", query


def test_exact_then_prefix_then_word_then_substring(communes: CommuneIndex) -> None:
    assert codes(communes.search("limoges")) == ["87085", "77252"]  # Limoges, Limoges-Fourches
    results = communes.search("evry")
    assert [c.nom for c in results[:3]] == ["Évry", "Évry-Courcouronnes", "Évry-Grégy-sur-Yerre"]
    assert "Chevry" in [c.nom for c in results[3:]]  # substring, ranked after
    vienne = communes.search("vienne")  # 1 exact, 5 prefix, 21 word, 1 substring
    assert len(vienne) == 28
    ranks = [rank_of(normalize(c.nom), "vienne") for c in vienne]
    assert ranks == [0] + [1] * 5 + [2] * 21 + [3]
    assert vienne[0].code == "38544"  # Vienne (Isère)


def test_current_communes_before_delegated_ones(communes: CommuneIndex) -> None:
    results = communes.search("paris")
    assert results[0].code == "75056"
    types = [c.type for c in results if rank_of(normalize(c.nom), "paris") == 1]
    assert types == sorted(types, key=lambda kind: kind != "commune-actuelle")
    assert "arrondissement-municipal" in types
    # Évry (Yonne) is exact and current, above any delegated commune called Évry
    assert communes.search("evry")[0].code == "89162"


def test_st_while_typing_also_finds_st_names(communes: CommuneIndex) -> None:
    assert communes.search("st")[0].nom.startswith("Saint-")
    assert communes.search("str")[0].nom == "Strasbourg"
    assert "67482" in codes(communes.search("st", limit=10_000))
    assert "67482" not in codes(communes.search("st ", limit=10_000))


def test_cap(communes: CommuneIndex) -> None:
    assert len(communes.search("a")) == 30
    assert len(communes.search("a", limit=5)) == 5
    assert communes.search("a", limit=0) == []
    assert len(communes.search("", limit=7)) == 7
    assert communes.search("qqqqq") == []


def test_empty_query_lists_current_communes_alphabetically(communes: CommuneIndex) -> None:
    results = communes.search("", departement="87", limit=500)
    assert {c.departement for c in results} == {"87"}
    assert len(results) == sum(1 for c in referentials.communes() if c.departement == "87")
    keys = [(c.type != "commune-actuelle", normalize(c.nom)) for c in results]
    assert keys == sorted(keys)
    assert results[0].nom == "Aixe-sur-Vienne"


def test_department_restriction_letter_l(communes: CommuneIndex) -> None:
    in_87 = [c for c in referentials.communes() if c.departement == "87"]
    starting_with_l = {c.code for c in in_87 if normalize(c.nom).startswith("l")}
    assert 5 < len(starting_with_l) < 30
    results = communes.search("L", departement="87")
    # One letter lists only the communes beginning with it (the CESP guide's "L").
    assert {c.code for c in results} == starting_with_l
    assert "87085" in {c.code for c in results}  # Limoges
    two = communes.search("li", departement="87")
    assert any(not normalize(c.nom).startswith("li") for c in two)  # word starts from 2


def test_department_restriction_accepts_any_case(communes: CommuneIndex) -> None:
    results = communes.search("aj", departement="2a")
    assert results[0].code == "2A004"
    assert {c.departement for c in results} == {"2A"}
    assert communes.search("ajaccio", departement="2B") == []
    assert communes.search("", departement="00") == []


def test_postal_code_restriction(communes: CommuneIndex) -> None:
    assert codes(communes.search("", postal_code="87000")) == ["87085"]
    assert codes(communes.search("lim", postal_code="87000")) == ["87085"]
    assert communes.search("paris", postal_code="87000") == []
    assert communes.search("", postal_code="00000") == []
    # a postal code shared by a commune and its delegated communes
    shared = communes.search("", postal_code="01300", limit=100)
    expected = {c.code for c in referentials.communes_by_postal_code("01300")}
    assert {c.code for c in shared} == expected
    kinds = [c.type != "commune-actuelle" for c in shared]
    assert kinds == sorted(kinds)
    assert communes.search("arbignieu", postal_code="01300")[0].nom == "Arbignieu"
    assert communes.search("", postal_code="01300", departement="87") == []


def test_index_over_given_communes() -> None:
    index = CommuneIndex(
        [
            Commune("1", "Bétoile", "01", "commune-actuelle", (), (), None),
            Commune("2", "Étoile", "01", "commune-deleguee", (), (), "1"),
            Commune("3", "Étoile", "01", "commune-actuelle", (), (), None),
            Commune("4", "La Grande-Étoile", "01", "commune-actuelle", (), (), None),
            Commune("5", "Étoile-sur-Rhône", "01", "commune-actuelle", (), (), None),
        ]
    )
    assert len(index) == 5
    assert codes(index.search("etoile")) == ["3", "2", "5", "4", "1"]
    assert codes(index.search("ETOILE SUR")) == ["5"]
    assert codes(index.search("")) == ["1", "3", "5", "4", "2"]


# --- departments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("087", "87"),
        ("87", "87"),
        ("01", "01"),
        ("1", "01"),
        ("001", "01"),
        ("2a", "2A"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("971", "971"),
        ("haute v", "87"),
        ("Haute-Vienne", "87"),
        ("corse du s", "2A"),
        ("guadeloupe", "971"),
        ("reunion", "974"),
    ],
)
def test_departement_first_result(departements: DepartementIndex, query: str, code: str) -> None:
    assert departements.search(query)[0].code == code


def test_departement_code_queries(departements: DepartementIndex) -> None:
    assert [d.code for d in departements.search("087")] == ["87"]
    assert [d.code for d in departements.search("2a")] == ["2A"]
    assert [d.code for d in departements.search("971")] == ["971"]
    assert [d.code for d in departements.search("97")] == [
        "971",
        "972",
        "973",
        "974",
        "975",
        "976",
        "977",
        "978",
    ]
    # exact code first, then the codes it starts, in code order
    assert [d.code for d in departements.search("9")][:3] == ["09", "90", "91"]
    assert [d.code for d in departements.search("20")] == ["2A", "2B"]
    assert departements.search("99") == []


def test_departement_names(departements: DepartementIndex) -> None:
    haute = departements.search("haute")
    assert [d.code for d in haute][:2] == ["2B", "31"]  # Haute-Corse, Haute-Garonne
    assert all("haute" in normalize(d.nom) for d in haute)
    assert "87" in [d.code for d in haute]
    assert [d.nom for d in departements.search("haute v")] == ["Haute-Vienne"]


def test_departement_empty_query_in_code_order(departements: DepartementIndex) -> None:
    assert [d.code for d in departements.search("", limit=200)] == [
        d.code for d in referentials.departements()
    ]
    assert [d.code for d in departements.search("")][:3] == ["01", "02", "03"]
    assert len(departements.search("")) == 30
    assert len(departements.search("", limit=3)) == 3
    assert departements.search("8", limit=0) == []


# --- countries ---------------------------------------------------------------------------


def test_pays(pays: PaysIndex) -> None:
    assert len(pays) >= 240
    assert pays.search("fr")[0].code == "FR"
    assert pays.search("FRANCE")[0].code == "FR"
    assert pays.search("allem")[0].nom == "Allemagne"
    assert pays.search("etats unis")[0].code == "US"
    assert {p.code for p in pays.search("coree")} == {"KP", "KR"}
    names = [normalize(p.nom) for p in pays.search("", limit=300)]
    assert names == sorted(names)
    assert len(names) == len(referentials.pays())
