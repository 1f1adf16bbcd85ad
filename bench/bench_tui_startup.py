"""Cold start of the terminal client, to the first interactive screen and to a platform up.

Run from the repository root::

    .venv/bin/python bench/bench_tui_startup.py [--runs 5]

Each run is a fresh interpreter (``python -c``) with a fresh data directory, no server
configured (no ``CESP_SERVER_URL``, an absent ``client.toml``): the client starts the
embedded platform in its worker, as ``cesp`` does. The child runs the real `CespApp`
headless (80x24) and reports, on the monotonic clock the parent started from (Linux
``CLOCK_MONOTONIC``, shared by processes):

* ``first_screen``: the login screen mounted, its field focused and the screen painted
  once (``LoginScreen.focus_start`` then ``call_after_refresh``);
* ``platform_ready``: `PlatformReady` handled (uvicorn started in the worker);
* ``health_ok``: the app's own ``/api/v1/health`` check answered 200 (`ConnectionChanged`);
* resident memory (VmRSS, VmHWM from ``/proc/self/status``) at the first screen and once
  the platform answers.

Each run starts twice: in a fresh data directory (the first start on a machine: the
database is created and migrated) and again in the same directory (every later start:
the database is at the migrations' head). ``--ref GIT_REV`` also benchmarks that revision
from a temporary ``git worktree``, its runs interleaved with this tree's (same load), with
this tree's venv. Also the bare ``python -c pass`` start-up for reference. Median, min
and max over ``--runs``; prints, and writes ``bench/results/tui_startup.json``. Targets
(issue 14, medians): first screen <= 0.3 s, platform ready <= 0.8 s (printed, never
asserted).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from bench.refs import ONLY_TREE_CODE, add_ref_tree, remove_ref_tree  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "tui_startup.json"
#: Issue 14: the first screen within 0.3 s, the embedded platform ready within 0.8 s.
TARGET_FIRST_SCREEN_MS = 300.0
TARGET_PLATFORM_READY_MS = 800.0

CHILD = r"""
import json, os, sys, time
T0 = int(os.environ["BENCH_T0_NS"])
marks = {"interpreter_ready": time.monotonic_ns() - T0}

def rss():
    out = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name] = int(value.split()[0])
    return out

try:  # the layout since the restructure (issue 14) ...
    from cesp_client.config import load_config
except ImportError:  # ... and before it (for --ref)
    from cesp_tui.config import load_config
config = load_config(data_dir=sys.argv[1])
assert config.embedded, config
from cesp_tui.app import CespApp
try:
    from cesp_tui.screens.account.login import LoginScreen
except ImportError:
    from cesp_tui.screens.login import LoginScreen
marks["imported"] = time.monotonic_ns() - T0
memory = {}

original_focus_start = LoginScreen.focus_start

def focus_start(self):
    original_focus_start(self)
    app = self.app

    def painted():
        if "first_screen" not in marks:
            marks["first_screen"] = time.monotonic_ns() - T0
            marks["first_screen_focused"] = type(app.focused).__name__
            memory["first_screen"] = rss()

    self.call_after_refresh(painted)

LoginScreen.focus_start = focus_start


class BenchApp(CespApp):
    # Textual resolves CSS_PATH next to the subclass's file: "-c" has none.
    CSS_PATH = os.path.join(os.path.dirname(sys.modules[CespApp.__module__].__file__), "app.tcss")

    def on_platform_ready(self, message):
        marks["platform_ready"] = time.monotonic_ns() - T0

    def receive_sync_event(self, event):
        # ConnectionChanged is a plain sync event (cesp_client.events), not a message.
        super().receive_sync_event(event)
        if type(event).__name__ == "ConnectionChanged" and "health_ok" not in marks:
            marks["health_ok"] = time.monotonic_ns() - T0
            marks["health_online"] = event.online
            memory["platform_up"] = rss()
            self.exit()

    def on_connection_changed(self, message):
        # Before the restructure, ConnectionChanged was a Textual message (for --ref).
        handler = getattr(super(), "on_connection_changed", None)
        if handler is not None:
            handler(message)
        if "health_ok" not in marks:
            marks["health_ok"] = time.monotonic_ns() - T0
            marks["health_online"] = message.online
            memory["platform_up"] = rss()
            self.exit()

    def on_platform_failed(self, message):
        marks["platform_failed"] = message.reason
        self.exit()


try:  # one services object since ADR 0028 ...
    from cesp_client.services import ClientServices
except ImportError:  # ... a config before it (for --ref)
    app = BenchApp(config)
else:
    app = BenchApp(ClientServices.from_config(config))
app.run(headless=True, size=(80, 24))
marks["exited"] = time.monotonic_ns() - T0
print("BENCH " + json.dumps({"marks": marks, "memory": memory}))
"""


def one_run(data_dir: Path, tree: Path = REPO_ROOT) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CESP_SERVER_URL", "CESP_CLIENT_DATA_DIR", "CESP_CLIENT_NO_MOUSE")
    }
    env["CESP_CLIENT_CONFIG"] = str(data_dir.parent / "absent-client.toml")
    env["PYTHONPATH"] = str(tree)
    env["BENCH_T0_NS"] = str(time.monotonic_ns())
    out = subprocess.run(
        [sys.executable, "-c", ONLY_TREE_CODE + CHILD, str(data_dir)],
        capture_output=True,
        text=True,
        cwd=tree,
        env=env,
        timeout=300,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return json.loads(lines[-1][len("BENCH ") :])


def bare_python_ms() -> float:
    start = time.monotonic_ns()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (time.monotonic_ns() - start) / 1e6


def stats(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def tables(runs: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    names = ("interpreter_ready", "imported", "first_screen", "platform_ready", "health_ok")
    table = {
        name: stats([run["marks"][name] / 1e6 for run in runs])
        for name in names
        if all(name in run["marks"] for run in runs)
    }
    memory = {
        f"{when}_{kind}_mib": stats([run["memory"][when][kind] / 1024 for run in runs])
        for when in ("first_screen", "platform_up")
        for kind in ("VmRSS", "VmHWM")
        if all(when in run["memory"] for run in runs)
    }
    return table, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--ref",
        metavar="GIT_REV",
        help="also benchmark this revision (a temporary git worktree), runs interleaved",
    )
    args = parser.parse_args()

    load_before = os.getloadavg()
    bare = [bare_python_ms() for _ in range(3)]
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this": REPO_ROOT}
        if args.ref:
            trees["ref"] = add_ref_tree(args.ref, Path(tmp))
        try:
            for n in range(args.runs):
                for name, tree in trees.items():
                    data_dir = Path(tmp) / f"{name}{n}" / "data"
                    by_start = runs.setdefault(name, {"first": [], "later": []})
                    by_start["first"].append(one_run(data_dir, tree))  # a fresh data dir
                    by_start["later"].append(one_run(data_dir, tree))  # the same, again
        finally:
            if "ref" in trees:
                remove_ref_tree(trees["ref"])
    load_after = os.getloadavg()

    summary = {
        name: {
            start: dict(zip(("since_spawn_ms", "memory"), tables(r), strict=True))
            for start, r in by_start.items()
        }
        for name, by_start in runs.items()
    }
    this_later = summary["this"]["later"]["since_spawn_ms"]

    def met(table: dict[str, Any], mark: str, target: float) -> bool:
        return mark in table and table[mark]["median"] <= target

    targets_met = {
        name: {
            start: {
                "first_screen_le_300ms": met(
                    t["since_spawn_ms"], "first_screen", TARGET_FIRST_SCREEN_MS
                ),
                "platform_ready_le_800ms": met(
                    t["since_spawn_ms"], "platform_ready", TARGET_PLATFORM_READY_MS
                ),
                "missing_in_some_run": sorted(
                    {"first_screen", "platform_ready", "health_ok"} - set(t["since_spawn_ms"])
                ),
            }
            for start, t in by_start.items()
        }
        for name, by_start in summary.items()
    }
    results = {
        "command": "python bench/bench_tui_startup.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "parameters": {"runs": args.runs, "size": [80, 24], "ref": args.ref},
        "bare_python_start_ms": stats(bare),
        "since_spawn_ms": summary["this"]["first"]["since_spawn_ms"],
        "later_start_since_spawn_ms": this_later,
        "by_tree": summary,
        "targets_ms": {
            "first_screen": TARGET_FIRST_SCREEN_MS,
            "platform_ready": TARGET_PLATFORM_READY_MS,
        },
        "targets_met_median": targets_met,
        "runs": runs,
    }

    print(f"load average before {results['environment']['load_average_before']}")
    print(f"load average after  {results['environment']['load_average_after']}")
    b = results["bare_python_start_ms"]
    print(f"bare 'python -c pass': median {b['median']} ms (max {b['max']})")
    for name, by_start in summary.items():
        label = "this tree" if name == "this" else f"--ref {args.ref}"
        for start, t in by_start.items():
            what = "fresh data dir" if start == "first" else "data dir from the run before"
            print(f"\n{label}, {what}, {args.runs} runs:   median      min      max")
            for mark, row in t["since_spawn_ms"].items():
                print(f"  {mark:20} {row['median']:>9.1f} ms {row['min']:>7.1f} {row['max']:>8.1f}")
            for mem, row in t["memory"].items():
                print(f"  {mem:28} median {row['median']:.1f}  max {row['max']:.1f}")
            met = targets_met[name][start]
            print(
                f"  targets (medians): first screen <= {TARGET_FIRST_SCREEN_MS:g} ms "
                f"{'met' if met['first_screen_le_300ms'] else 'NOT met'}; platform ready "
                f"<= {TARGET_PLATFORM_READY_MS:g} ms "
                f"{'met' if met['platform_ready_le_800ms'] else 'NOT met'}"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
