"""Issue 13: the commune filter, as the CESP guide shows it ("L" lists the communes of
the department whose name begins with L); word starts and inner matches only from the
second letter typed."""

from __future__ import annotations

from cesp_core import referentials
from cesp_core.filtering import commune_index
from cesp_core.text import normalize

#: Enough to get every match of a department back.
ALL = 2_000


def _starts(name: str, letters: str) -> bool:
    return normalize(name).startswith(normalize(letters))


def test_one_letter_lists_only_the_communes_beginning_with_it() -> None:
    hits = commune_index().search("L", departement="87", limit=ALL)
    assert hits, "no commune of the Haute-Vienne begins with L?"
    assert [c.nom for c in hits if not _starts(c.nom, "L")] == []


def test_one_letter_lists_every_commune_beginning_with_it_first() -> None:
    expected = {
        c.code for c in referentials.communes() if c.departement == "87" and _starts(c.nom, "L")
    }
    hits = commune_index().search("L", departement="87", limit=ALL)
    assert {c.code for c in hits[: len(expected)]} == expected


def test_from_the_second_letter_word_starts_and_inner_matches_come_after() -> None:
    hits = commune_index().search("li", departement="87", limit=ALL)
    names = [normalize(c.nom) for c in hits]
    assert "limoges" in names
    starting = [n for n in names if n.startswith("li")]
    assert names[: len(starting)] == starting  # names beginning with "li" first
    inner = [n for n in names if not n.startswith("li")]
    assert inner, "word starts / inner matches are offered from the second letter"
    assert all("li" in n for n in inner)
