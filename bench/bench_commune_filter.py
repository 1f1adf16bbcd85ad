"""Per-keystroke latency of the commune filter, against a generic fuzzy matcher.

Run from the repository root::

    .venv/bin/python bench/bench_commune_filter.py [--names 200] [--fuzzy-names 20] [--seed 2024]

Prints, and writes to ``bench/results/commune_filter.json``:

* the cold load time of ``referentials.communes()`` (a fresh interpreter, import included)
  and the build time of ``CommuneIndex``;
* p50/p99 of ``CommuneIndex.search`` per keystroke over all 37,590 entries, for 1 to 6
  typed characters: ``--names`` real commune names drawn with ``--seed``, each typed one
  character at a time exactly as written (accents, hyphens, capitals), without and with
  the restriction to the commune's department;
* the same for Textual's own fuzzy matcher, ``textual.fuzzy.FuzzySearch`` (the command
  palette's; textual-autocomplete 4 ships a copy of it, differing by one ``find`` for an
  ``rfind``, and its default ``AutoComplete.get_matches`` is what is timed here:
  ``FuzzySearch.match`` on every candidate, then a sort by score; the per-item highlight
  it also builds is left out, which favours it) on a subset of the typed prefixes, and
  the ratio measured on exactly that subset. textual-autocomplete itself is no longer a
  dependency (ADR 0020).

Timings are figures to read, never asserts (see ``tests/`` for behaviour).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from operator import itemgetter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from cesp_core import referentials  # noqa: E402
from cesp_core.filtering import CommuneIndex  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "commune_filter.json"
MAX_TYPED = 6
TARGET_P99_MS = 2.0
TARGET_RATIO = 100.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 4),
        "p99_ms": round(percentile(values, 99), 4),
        "max_ms": round(max(values), 4),
        "mean_ms": round(statistics.fmean(values), 4),
    }


def cold_load_seconds(runs: int = 3) -> dict[str, float]:
    """``import cesp_core.referentials`` + ``communes()`` in fresh interpreters."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from cesp_core import referentials\n"
        "t1 = time.perf_counter(); referentials.communes(); t2 = time.perf_counter()\n"
        "referentials.departements(); referentials.pays(); t3 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)"
    )
    imports, loads, others = [], [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        ).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
        others.append(float(out[2]))
    return {
        "import_ms": round(statistics.median(imports) * 1000, 1),
        "communes_load_ms": round(statistics.median(loads) * 1000, 1),
        "departements_and_pays_load_ms": round(statistics.median(others) * 1000, 1),
    }


def keystrokes(names: Sequence[str]) -> list[str]:
    """Every prefix of 1..MAX_TYPED characters of each name, as typed."""
    return [name[:n] for name in names for n in range(1, min(len(name), MAX_TYPED) + 1)]


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / 1e6


def by_length(typed: Sequence[str], latencies: Sequence[float]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for n in range(1, MAX_TYPED + 1):
        values = [ms for query, ms in zip(typed, latencies, strict=True) if len(query) == n]
        if values:
            table[str(n)] = summary(values)
    table["all"] = summary(latencies)
    return table


def textual_default_matches(fuzzy: object, query: str, candidates: Sequence[str]) -> list[str]:
    """What textual-autocomplete's ``AutoComplete.get_matches`` does with its default
    ``match``: score every candidate with ``FuzzySearch.match``, keep score > 0, sort by
    score, descending."""
    match = fuzzy.match  # type: ignore[attr-defined]
    scored = []
    for candidate in candidates:
        score, _offsets = match(query, candidate)
        if score > 0:
            scored.append((candidate, score))
    scored.sort(key=itemgetter(1), reverse=True)
    return [candidate for candidate, _ in scored]


def print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'typed':>5}  {'n':>5}  {'p50 ms':>9}  {'p99 ms':>9}  {'max ms':>9}")
    for key, row in table.items():
        print(
            f"  {key:>5}  {row['n']:>5}  {row['p50_ms']:>9.3f}  {row['p99_ms']:>9.3f}"
            f"  {row['max_ms']:>9.3f}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="commune filter latency")
    parser.add_argument("--names", type=int, default=200, help="names typed for our filter")
    parser.add_argument(
        "--fuzzy-names", type=int, default=20, help="names typed for Textual's fuzzy matcher"
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    cold = cold_load_seconds()
    print(
        f"cold load (fresh interpreter, median of 3): import {cold['import_ms']} ms, "
        f"communes() {cold['communes_load_ms']} ms, "
        f"departements()+pays() {cold['departements_and_pays_load_ms']} ms"
    )

    communes = referentials.communes()
    builds = []
    index = None
    for _ in range(3):
        start = time.perf_counter()
        index = CommuneIndex()
        builds.append((time.perf_counter() - start) * 1000)
    assert index is not None
    build_ms = round(statistics.median(builds), 1)
    print(f"CommuneIndex() build over {len(communes)} entries (median of 3): {build_ms} ms")

    rng = random.Random(args.seed)
    sample = rng.sample(list(communes), args.names)
    names = [commune.nom for commune in sample]
    typed = keystrokes(names)
    departments = [
        commune.departement
        for commune in sample
        for n in range(1, min(len(commune.nom), MAX_TYPED) + 1)
    ]

    # Per-department indexes are built on first use: time that once, outside the loop.
    dept_builds = [
        timed(lambda code=code: index.search("", departement=code))
        for code in sorted(set(departments))
    ]
    print(
        f"per-department index, first use: median {statistics.median(dept_builds):.2f} ms,"
        f" max {max(dept_builds):.2f} ms ({len(dept_builds)} departments)"
    )

    limit = args.limit
    gc.collect()
    for query in typed[:50]:  # warm-up
        index.search(query, limit=limit)
    ours = [timed(lambda q=query: index.search(q, limit=limit)) for query in typed]
    ours_dept = [
        timed(lambda q=query, d=dept: index.search(q, departement=d, limit=limit))
        for query, dept in zip(typed, departments, strict=True)
    ]
    ours_table = by_length(typed, ours)
    ours_dept_table = by_length(typed, ours_dept)
    print_table(
        f"CommuneIndex.search, all {len(communes)} entries, limit {limit} "
        f"({args.names} names typed char by char, seed {args.seed})",
        ours_table,
    )
    print_table("CommuneIndex.search restricted to the commune's department", ours_dept_table)

    # Textual's fuzzy matcher, used as a generic completion list would, on the same list.
    from textual.fuzzy import FuzzySearch

    fuzzy_typed = keystrokes(names[: args.fuzzy_names])
    all_names = [commune.nom for commune in communes]
    fuzzy = FuzzySearch()  # one instance, as in the widget (its LRU cache included)
    fuzzy_ms = [
        timed(lambda q=query: textual_default_matches(fuzzy, q, all_names)) for query in fuzzy_typed
    ]
    same_ours = [timed(lambda q=query: index.search(q, limit=limit)) for query in fuzzy_typed]
    fuzzy_table = by_length(fuzzy_typed, fuzzy_ms)
    same_table = by_length(fuzzy_typed, same_ours)
    print_table(
        f"textual.fuzzy.FuzzySearch over {len(all_names)} names "
        f"({args.fuzzy_names} names typed char by char)",
        fuzzy_table,
    )
    ratios = [slow / fast for slow, fast in zip(fuzzy_ms, same_ours, strict=True)]
    ratio = {
        "p50": round(fuzzy_table["all"]["p50_ms"] / same_table["all"]["p50_ms"], 1),
        "p99": round(fuzzy_table["all"]["p99_ms"] / same_table["all"]["p99_ms"], 1),
        "per_keystroke_min": round(min(ratios), 1),
        "per_keystroke_median": round(statistics.median(ratios), 1),
    }
    print(
        f"\nspeed-up on the same {len(fuzzy_typed)} keystrokes: p50 {ratio['p50']}x, "
        f"p99 {ratio['p99']}x, per keystroke median {ratio['per_keystroke_median']}x, "
        f"worst {ratio['per_keystroke_min']}x"
    )

    p99 = ours_table["all"]["p99_ms"]
    verdict = {
        "p99_under_2ms": p99 < TARGET_P99_MS,
        "p99_department_under_2ms": ours_dept_table["all"]["p99_ms"] < TARGET_P99_MS,
        "at_least_100x": ratio["per_keystroke_min"] >= TARGET_RATIO,
    }
    print(
        f"targets: p99 < {TARGET_P99_MS} ms: {verdict['p99_under_2ms']} ({p99} ms); "
        f">= {TARGET_RATIO:.0f}x faster on every keystroke: {verdict['at_least_100x']}"
    )

    results = {
        "command": " ".join(
            [
                "python",
                "bench/bench_commune_filter.py",
                *(argv if argv is not None else sys.argv[1:]),
            ]
        ),
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpu_count": os.cpu_count(),
        },
        "parameters": {
            "names": args.names,
            "fuzzy_names": args.fuzzy_names,
            "seed": args.seed,
            "limit": limit,
            "entries": len(communes),
        },
        "cold_load": cold,
        "index_build_ms": build_ms,
        "department_index_first_use_ms": {
            "median": round(statistics.median(dept_builds), 2),
            "max": round(max(dept_builds), 2),
        },
        "commune_index_search": ours_table,
        "commune_index_search_in_department": ours_dept_table,
        "textual_fuzzy_search": fuzzy_table,
        "commune_index_search_same_keystrokes": same_table,
        "speedup": ratio,
        "targets": verdict,
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out} in {results['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
