"""Issue 14's three speed targets, before and after, in one run.

Run from the repository root::

    .venv/bin/python bench/bench_speed_targets.py [--ref 2b1ccbf] [--runs 5] [--rounds 1]

It runs, one after the other and each with ``--ref`` (the "before" tree in a temporary
git worktree, interleaved with this tree so that the machine's load weighs on both):

* `bench/bench_tui_startup.py --runs N`: first screen and embedded platform ready, from
  the process's spawn (medians; targets 0.3 s and 0.8 s);
* `bench/bench_key_to_paint.py --rounds N`: key to paint through a pty at 80x24 (p99 per
  kind of key; targets 33 ms for every key, 50 ms for tab changes).

Then it reads the JSON both wrote and prints one table: each target, before and after,
met or not. Writes ``bench/results/speed_targets.json``. Targets are printed, never
asserted (the figures depend on the machine: run it on a quiet one, and say its load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results"
KEY_KINDS = ("data", "move", "move_list", "save")
TAB_KINDS = ("tab_first", "tab_revisit")


def run(script: str, *args: str) -> dict[str, Any]:
    """Run a bench of this directory; return the JSON it wrote."""
    command = [sys.executable, str(REPO_ROOT / "bench" / script), *args]
    print("$", " ".join(command), flush=True)
    subprocess.run(command, cwd=REPO_ROOT, check=True)
    written = RESULTS / script.removeprefix("bench_").replace(".py", ".json")
    return json.loads(written.read_text(encoding="utf-8"))


def worst_p99(table: dict[str, dict[str, Any]], kinds: tuple[str, ...]) -> float | None:
    values = [table[k]["p99"] for k in kinds if k in table and table[k]["p99"] is not None]
    return max(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="2b1ccbf", help="the 'before' revision")
    parser.add_argument("--runs", type=int, default=5, help="start-ups per tree")
    parser.add_argument("--rounds", type=int, default=1, help="dossiers keyed per side")
    args = parser.parse_args()

    load_before = os.getloadavg()
    startup = run("bench_tui_startup.py", "--runs", str(args.runs), "--ref", args.ref)
    paint = run("bench_key_to_paint.py", "--rounds", str(args.rounds), "--ref", args.ref)
    load_after = os.getloadavg()

    rows: list[dict[str, Any]] = []
    for tree, label in (("ref", f"before ({args.ref})"), ("this", "after (this tree)")):
        later = startup["by_tree"][tree]["later"]["since_spawn_ms"]
        rows.append(
            {
                "side": label,
                "measure": "first screen, median (ms)",
                "value": later.get("first_screen", {}).get("median"),
                "target": 300,
            }
        )
        rows.append(
            {
                "side": label,
                "measure": "platform ready, median (ms)",
                "value": later.get("platform_ready", {}).get("median"),
                "target": 800,
            }
        )
    for side, info in paint["sides"].items():
        label = f"before ({args.ref})" if side != "current" else "after (this tree)"
        for mode, table in info["by_mode"].items():
            rows.append(
                {
                    "side": f"{label}, prebuild {mode}",
                    "measure": "every key, worst p99 (ms)",
                    "value": worst_p99(table, KEY_KINDS),
                    "target": 33,
                }
            )
            rows.append(
                {
                    "side": f"{label}, prebuild {mode}",
                    "measure": "tab changes, worst p99 (ms)",
                    "value": worst_p99(table, TAB_KINDS),
                    "target": 50,
                }
            )

    print(
        f"\nload average before {[round(x, 2) for x in load_before]}, after "
        f"{[round(x, 2) for x in load_after]}"
    )
    print(f"{'side':42} {'measure':30} {'value':>8} {'target':>7}")
    for row in rows:
        value = row["value"]
        shown = f"{value:8.1f}" if value is not None else "       -"
        met = "met" if value is not None and value <= row["target"] else "NOT met"
        print(f"{row['side']:42} {row['measure']:30} {shown} {row['target']:>7}  {met}")
    out = RESULTS / "speed_targets.json"
    out.write_text(
        json.dumps(
            {
                "command": "python bench/bench_speed_targets.py " + " ".join(sys.argv[1:]),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "rows": rows,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written to {out.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
