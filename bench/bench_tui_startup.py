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

Also the bare ``python -c pass`` start-up for reference. Median and max over ``--runs``;
prints, and writes ``bench/results/tui_startup.json``. Target: first screen under 0.8 s
(printed, never asserted).
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
RESULTS = REPO_ROOT / "bench" / "results" / "tui_startup.json"
TARGET_FIRST_SCREEN_S = 0.8

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

from cesp_client.config import load_config
config = load_config(data_dir=sys.argv[1])
assert config.embedded, config
from cesp_tui.app import CespApp
from cesp_tui.screens.account.login import LoginScreen
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

    def on_platform_failed(self, message):
        marks["platform_failed"] = message.reason
        self.exit()


app = BenchApp(config)
app.run(headless=True, size=(80, 24))
marks["exited"] = time.monotonic_ns() - T0
print("BENCH " + json.dumps({"marks": marks, "memory": memory}))
"""


def one_run(data_dir: Path) -> dict[str, Any]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CESP_SERVER_URL", "CESP_CLIENT_DATA_DIR", "CESP_CLIENT_NO_MOUSE")
    }
    env["CESP_CLIENT_CONFIG"] = str(data_dir.parent / "absent-client.toml")
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["BENCH_T0_NS"] = str(time.monotonic_ns())
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data_dir)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    load_before = os.getloadavg()
    bare = [bare_python_ms() for _ in range(3)]
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            runs.append(one_run(Path(tmp) / f"run{n}" / "data"))
    load_after = os.getloadavg()

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
    first_screen_s = table["first_screen"]["max"] / 1000 if "first_screen" in table else None
    results = {
        "command": "python bench/bench_tui_startup.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "parameters": {"runs": args.runs, "size": [80, 24]},
        "bare_python_start_ms": stats(bare),
        "since_spawn_ms": table,
        "memory": memory,
        "focused_at_first_screen": [run["marks"].get("first_screen_focused") for run in runs],
        "health_online": [run["marks"].get("health_online") for run in runs],
        "target_first_screen_s": TARGET_FIRST_SCREEN_S,
        "target_met_every_run": first_screen_s is not None
        and first_screen_s < TARGET_FIRST_SCREEN_S,
        "target_met_median": "first_screen" in table
        and table["first_screen"]["median"] / 1000 < TARGET_FIRST_SCREEN_S,
        "runs": runs,
    }

    print(f"load average before {results['environment']['load_average_before']}")
    print(f"load average after  {results['environment']['load_average_after']}")
    b = results["bare_python_start_ms"]
    print(f"bare 'python -c pass': median {b['median']} ms (max {b['max']})")
    print(f"\nsince spawn, {args.runs} cold runs:   median      min      max")
    for name, row in table.items():
        print(f"  {name:20} {row['median']:>9.1f} ms {row['min']:>7.1f} {row['max']:>8.1f}")
    print("\nresident memory:")
    for name, row in memory.items():
        print(f"  {name:28} median {row['median']:.1f}  max {row['max']:.1f}")
    print(f"focused widget at the first screen: {results['focused_at_first_screen'][0]}")
    verdict = "met" if results["target_met_every_run"] else "NOT met"
    print(f"target first screen < {TARGET_FIRST_SCREEN_S} s on every run: {verdict}")
    verdict = "met" if results["target_met_median"] else "NOT met"
    print(f"target first screen < {TARGET_FIRST_SCREEN_S} s at the median: {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
