"""Ranked, capped, per-keystroke search over the referentials.

Every index is built once from :mod:`cesp_core.referentials`, with its keys normalised
at build time (:func:`cesp_core.text.normalize`). A search normalises the query the same
way and ranks the entries whose key contains it:

0. the key equals the query;
1. the key starts with the query;
2. a word of the key (after a space) starts with the query;
3. the key contains the query anywhere else.

Ties go to current communes before delegated/associated communes and arrondissements,
then to the alphabetical order of the keys, then to the INSEE code. At most ``limit``
entries are returned.

How it stays fast (p99 well under 2 ms per keystroke over the 37,590 communes, see
``bench/bench_commune_filter.py``): the entries are numbered in final tie order (group,
key, code), so the keys of each group form a sorted list and ranks 0 and 1 are two
``bisect`` calls per group that directly yield entry numbers in display order. Rank 2
uses a sorted array of every word-suffix of every key (``"saint etienne"`` contributes
``"etienne"``) with the entry number beside it: one ``bisect`` range, de-duplicated and
sorted as integers, in C. Rank 3 is only looked at when the first three ranks give fewer
than ``limit`` entries; it scans one ``"\\n"``-joined string of all keys, in entry order,
with ``str.find`` and stops after ``limit`` hits. Nothing is scanned entry by entry in
Python. Department restrictions use a per-department index built on first use; postal
code restrictions rank the few communes of that postal code directly.

Indexes are read-only once built and can be shared between threads (the per-department
and per-postal-code parts are built lazily; a race at worst builds one twice).
``commune_index()``, ``departement_index()`` and ``pays_index()`` return process-wide
instances over the referentials, built on first call.
"""

from __future__ import annotations

import functools
import gc
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

from cesp_core import referentials
from cesp_core.referentials import Commune, Departement, Pays, Specialite
from cesp_core.text import ABBREVIATIONS, fold_words, normalize_many

__all__ = [
    "RANK_EXACT",
    "RANK_PREFIX",
    "RANK_SUBSTRING",
    "RANK_WORD_PREFIX",
    "CommuneIndex",
    "DepartementIndex",
    "PaysIndex",
    "SpecialiteIndex",
    "commune_index",
    "departement_index",
    "pays_index",
    "query_variants",
    "rank_of",
    "specialite_index",
]

T = TypeVar("T")

RANK_EXACT = 0
RANK_PREFIX = 1
RANK_WORD_PREFIX = 2
RANK_SUBSTRING = 3

_MAX_CHAR = "\U0010ffff"  # sorts after every character a key can hold
_DEFAULT_LIMIT = 30


def query_variants(query: str) -> tuple[str, ...]:
    """The normalised forms to look a typed query up with.

    Usually one: ``normalize(query)``. While the last word is still being typed and is an
    abbreviation (``"st"``, ``"ste"``), both the expanded and the literal forms are
    searched, so that ``"st"`` finds Saint-... as well as Strasbourg and ``"ste"``
    finds Sainte-... as well as Stenay.
    """
    words = fold_words(query)
    if not words:
        return ("",)
    expanded = " ".join([ABBREVIATIONS.get(word, word) for word in words])
    last = words[-1]
    still_typing = query[-1:].isalnum()
    if last in ABBREVIATIONS and still_typing:
        literal = " ".join([*(ABBREVIATIONS.get(word, word) for word in words[:-1]), last])
        return (expanded, literal)
    return (expanded,)


def rank_of(key: str, query: str) -> int | None:
    """Rank of the normalised ``key`` for the normalised ``query``; ``None``: no match."""
    if key == query:
        return RANK_EXACT
    if key.startswith(query):
        return RANK_PREFIX
    if " " + query in key:
        return RANK_WORD_PREFIX
    if query in key:
        return RANK_SUBSTRING
    return None


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _RankedIndex(Generic[T]):
    """The search structure over one list of entries (see the module docstring)."""

    __slots__ = ("_bounds", "_items", "_joined", "_keys", "_starts", "_word_keys", "_word_ords")

    def __init__(self, entries: Iterable[tuple[int, str, T]]) -> None:
        """``entries``: ``(group, key, item)``, in the tie order wanted for equal
        ``(group, key)`` (the sort is stable)."""
        listed = list(entries)
        # Sorting plain strings is twice as fast as sorting (group, key) tuples; the
        # sort is stable, so equal keys keep the order given.
        sort_keys = [chr(group) + key for group, key, _item in listed]
        ordered = list(
            map(listed.__getitem__, sorted(range(len(listed)), key=sort_keys.__getitem__))
        )
        self._items: list[T] = [entry[2] for entry in ordered]
        self._keys: list[str] = [entry[1] for entry in ordered]
        # [lo, hi) of each group: inside each, keys are sorted.
        groups = [entry[0] for entry in ordered]
        self._bounds: tuple[tuple[int, int], ...] = tuple(
            (bisect_left(groups, group), bisect_right(groups, group))
            for group in sorted(set(groups))
        )
        # Every suffix of a key that starts a word other than the first.
        # Sorting positions by suffix (a stable sort of plain strings) keeps equal
        # suffixes in entry order.
        suffixes: list[str] = []
        owners: list[int] = []
        for ordinal, key in enumerate(self._keys):
            start = key.find(" ")
            while start != -1:
                suffixes.append(key[start + 1 :])
                owners.append(ordinal)
                start = key.find(" ", start + 1)
        order = sorted(range(len(suffixes)), key=suffixes.__getitem__)
        self._word_keys: list[str] = list(map(suffixes.__getitem__, order))
        self._word_ords: list[int] = list(map(owners.__getitem__, order))
        # All keys in entry order, for the substring scan; _starts[i]: offset of key i.
        self._joined = "\n".join(self._keys)
        starts: list[int] = []
        offset = 0
        for key in self._keys:
            starts.append(offset)
            offset += len(key) + 1
        starts.append(offset)
        self._starts = starts

    def __len__(self) -> int:
        return len(self._items)

    def search(self, variants: Sequence[str], limit: int) -> list[T]:
        """Entries matching any of the normalised ``variants``, best first."""
        if limit <= 0:
            return []
        if len(variants) == 1:
            return [self._items[ordinal] for _rank, ordinal in self._ranked(variants[0], limit)]
        best: dict[int, int] = {}
        for variant in variants:
            for rank, ordinal in self._ranked(variant, limit):
                if rank < best.get(ordinal, RANK_SUBSTRING + 1):
                    best[ordinal] = rank
        merged = sorted((rank, ordinal) for ordinal, rank in best.items())[:limit]
        return [self._items[ordinal] for _rank, ordinal in merged]

    def _ranked(self, query: str, limit: int) -> list[tuple[int, int]]:
        """``(rank, ordinal)`` of the best ``limit`` matches of one normalised query."""
        if not query:
            return [(RANK_SUBSTRING, ordinal) for ordinal in range(min(limit, len(self._keys)))]
        keys = self._keys
        upper = query + _MAX_CHAR
        exact: list[range] = []
        prefix: list[range] = []
        for lo, hi in self._bounds:
            start = bisect_left(keys, query, lo, hi)
            end_exact = bisect_right(keys, query, start, hi)
            end_prefix = bisect_left(keys, upper, end_exact, hi)
            exact.append(range(start, end_exact))
            prefix.append(range(end_exact, end_prefix))
        found: list[tuple[int, int]] = []
        for rank, ranges in ((RANK_EXACT, exact), (RANK_PREFIX, prefix)):
            for span in ranges:
                need = limit - len(found)
                found.extend([(rank, ordinal) for ordinal in span[:need]])
                if len(found) >= limit:
                    return found

        if len(query) == 1:
            # One typed letter lists the names that begin with it, as the CESP guide shows
            # for "L"; word starts and inner matches count from the second letter on.
            return found
        seen = {ordinal for _rank, ordinal in found}
        word_lo = bisect_left(self._word_keys, query)
        word_hi = bisect_left(self._word_keys, upper, word_lo)
        if word_hi > word_lo:
            words = set(self._word_ords[word_lo:word_hi])
            words.difference_update(seen)
            need = limit - len(found)
            found.extend([(RANK_WORD_PREFIX, ordinal) for ordinal in sorted(words)[:need]])
            if len(found) >= limit:
                return found
            seen.update(words)

        # Substring anywhere else: scan the joined keys in entry order, stop at the cap.
        starts, find = self._starts, self._joined.find
        position = find(query)
        while position != -1:
            ordinal = bisect_right(starts, position) - 1
            if ordinal not in seen:
                found.append((RANK_SUBSTRING, ordinal))
                if len(found) >= limit:
                    break
            position = find(query, starts[ordinal + 1])
        return found


def _rank_few(
    candidates: Iterable[tuple[int, str, T]], variants: Sequence[str], limit: int
) -> list[T]:
    """Rank a handful of ``(group, key, item)`` candidates directly."""
    scored: list[tuple[int, int, str, int, T]] = []
    for position, (group, key, item) in enumerate(candidates):
        ranks = [rank for variant in variants if (rank := _rank_or_all(key, variant)) is not None]
        if ranks:
            scored.append((min(ranks), group, key, position, item))
    scored.sort(key=lambda entry: entry[:4])
    return [entry[4] for entry in scored[: max(limit, 0)]]


def _rank_or_all(key: str, query: str) -> int | None:
    return RANK_SUBSTRING if not query else rank_of(key, query)


def _commune_group(commune: Commune) -> int:
    return 0 if commune.type == "commune-actuelle" else 1


class CommuneIndex:
    """Search over communes (all 37,590 entries by default).

    >>> index = CommuneIndex()
    >>> index.search("st etienne")[0].code
    '42218'
    """

    def __init__(self, communes: Sequence[Commune] | None = None) -> None:
        self._communes: tuple[Commune, ...] = (
            tuple(communes) if communes is not None else referentials.communes()
        )
        # (group, key, commune) in code order, which is the last tie-breaker.
        with _gc_paused():
            keys = normalize_many(commune.nom for commune in self._communes)
            self._entries: list[tuple[int, str, Commune]] = [
                (_commune_group(commune), key, commune)
                for commune, key in zip(self._communes, keys, strict=True)
            ]
            self._all: _RankedIndex[Commune] = _RankedIndex(self._entries)
        self._by_departement: dict[str, _RankedIndex[Commune]] = {}
        self._by_postal_code: dict[str, list[tuple[int, str, Commune]]] | None = None

    def __len__(self) -> int:
        return len(self._communes)

    def search(
        self,
        query: str,
        *,
        departement: str | None = None,
        postal_code: str | None = None,
        limit: int = _DEFAULT_LIMIT,
    ) -> list[Commune]:
        """The best ``limit`` communes for ``query``, optionally restricted to the
        communes of one department (code, e.g. ``"87"``, ``"2A"``) and/or one postal
        code. An empty query lists the entries in tie order: current communes
        alphabetically, then the others alphabetically."""
        variants = query_variants(query)
        if postal_code is not None:
            candidates = self._postal_entries(postal_code.strip())
            if departement is not None:
                code = departement.strip().upper()
                candidates = [entry for entry in candidates if entry[2].departement == code]
            return _rank_few(candidates, variants, limit)
        index = self._all if departement is None else self._departement_index(departement)
        return index.search(variants, limit)

    def _departement_index(self, departement: str) -> _RankedIndex[Commune]:
        code = departement.strip().upper()
        index = self._by_departement.get(code)
        if index is None:
            index = _RankedIndex([entry for entry in self._entries if entry[2].departement == code])
            self._by_departement[code] = index
        return index

    def _postal_entries(self, postal_code: str) -> list[tuple[int, str, Commune]]:
        if self._by_postal_code is None:
            by_postal_code: dict[str, list[tuple[int, str, Commune]]] = {}
            for entry in self._entries:
                for code in entry[2].codes_postaux:
                    by_postal_code.setdefault(code, []).append(entry)
            self._by_postal_code = by_postal_code
        return self._by_postal_code.get(postal_code, [])


def _departement_order(code: str) -> tuple[int, str]:
    """01 ... 19, 2A, 2B, 21 ... 95, 971 ... 989."""
    return (int(code) if code.isdigit() else 20, code)


def _code_aliases(code: str) -> frozenset[str]:
    """The spellings a department code may be typed in: ``"1"``, ``"01"`` and ``"001"``
    for Ain, ``"87"`` and ``"087"`` for Haute-Vienne, ``"2A"``, ``"02A"`` and ``"20A"``
    for Corse-du-Sud."""
    code = code.upper()
    if code.isdigit():
        return frozenset({code, code.lstrip("0") or "0", code.zfill(3)})
    return frozenset({code, code.zfill(3), code.replace("2", "20", 1)})


class DepartementIndex:
    """Search over departments by name (``"haute v"``) or by code (``"087"``, ``"87"``,
    ``"2a"``, ``"971"``). A query holding a digit is a code: the department with exactly
    that code (leading zeros ignored) first, then those whose code starts with it, in
    code order. Otherwise names are ranked as for communes."""

    def __init__(self, departements: Sequence[Departement] | None = None) -> None:
        items = departements if departements is not None else referentials.departements()
        self._departements: tuple[Departement, ...] = tuple(
            sorted(items, key=lambda departement: _departement_order(departement.code))
        )
        self._aliases: list[tuple[frozenset[str], Departement]] = [
            (_code_aliases(departement.code), departement) for departement in self._departements
        ]
        keys = normalize_many(departement.nom for departement in self._departements)
        self._names: _RankedIndex[Departement] = _RankedIndex(
            (0, key, departement) for key, departement in zip(keys, self._departements, strict=True)
        )

    def __len__(self) -> int:
        return len(self._departements)

    def search(self, query: str, *, limit: int = _DEFAULT_LIMIT) -> list[Departement]:
        """The best ``limit`` departments for ``query``; an empty query lists them in
        code order."""
        if limit <= 0:
            return []
        compact = "".join(fold_words(query)).upper()
        if not compact:
            return list(self._departements[:limit])
        if any(ch.isdigit() for ch in compact):
            return self._search_code(compact, limit)
        return self._names.search(query_variants(query), limit)

    def _search_code(self, code: str, limit: int) -> list[Departement]:
        exact = [departement for aliases, departement in self._aliases if code in aliases]
        prefix = [
            departement
            for aliases, departement in self._aliases
            if departement not in exact and any(alias.startswith(code) for alias in aliases)
        ]
        return (exact + prefix)[:limit]


class PaysIndex:
    """Search over countries by French name; an empty query lists them alphabetically."""

    def __init__(self, pays: Sequence[Pays] | None = None) -> None:
        items = tuple(pays) if pays is not None else referentials.pays()
        keys = normalize_many(country.nom for country in items)
        self._index: _RankedIndex[Pays] = _RankedIndex(
            (0, key, country) for key, country in zip(keys, items, strict=True)
        )

    def __len__(self) -> int:
        return len(self._index)

    def search(self, query: str, *, limit: int = _DEFAULT_LIMIT) -> list[Pays]:
        """The best ``limit`` countries for ``query``."""
        return self._index.search(query_variants(query), limit)


class SpecialiteIndex:
    """Search over the medical specialties (DES) by name, as for countries: one letter
    lists the names that begin with it, two or more also find a word inside
    (``"rea"``: *Anesthésie-réanimation*, *Médecine intensive-réanimation*); an empty query
    lists them alphabetically."""

    def __init__(self, specialites: Sequence[Specialite] | None = None) -> None:
        items = tuple(specialites) if specialites is not None else referentials.specialites()
        keys = normalize_many(specialite.nom for specialite in items)
        self._index: _RankedIndex[Specialite] = _RankedIndex(
            (0, key, specialite) for key, specialite in zip(keys, items, strict=True)
        )

    def __len__(self) -> int:
        return len(self._index)

    def search(self, query: str, *, limit: int = _DEFAULT_LIMIT) -> list[Specialite]:
        """The best ``limit`` specialties for ``query``."""
        return self._index.search(query_variants(query), limit)


_SHARED_LOCK = threading.Lock()


def commune_index() -> CommuneIndex:
    """The process-wide index over every commune, built on first call (about 0.2 s)."""
    with _SHARED_LOCK:
        return _commune_index()


def departement_index() -> DepartementIndex:
    """The process-wide index over the departments."""
    with _SHARED_LOCK:
        return _departement_index()


def pays_index() -> PaysIndex:
    """The process-wide index over the countries."""
    with _SHARED_LOCK:
        return _pays_index()


@functools.cache
def _commune_index() -> CommuneIndex:
    return CommuneIndex()


@functools.cache
def _departement_index() -> DepartementIndex:
    return DepartementIndex()


@functools.cache
def _pays_index() -> PaysIndex:
    return PaysIndex()


def specialite_index() -> SpecialiteIndex:
    """The process-wide index over the medical specialties (DES)."""
    with _SHARED_LOCK:
        return _specialite_index()


@functools.cache
def _specialite_index() -> SpecialiteIndex:
    return SpecialiteIndex()
