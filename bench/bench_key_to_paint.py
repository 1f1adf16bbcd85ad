"""Key-to-paint wall-clock time through a real terminal: what a person at the keyboard sees.

Run from the repository root::

    .venv/bin/python bench/bench_key_to_paint.py [--rounds 1] [--modes off,on]

A child process runs the real `DossierScreen` (the real `CespApp` of
``tests/support/tui.py``, offline, on a fresh CESP dossier) with Textual's real Linux
driver, in a pseudo-terminal (``os.openpty``, 80x24 set with ``TIOCSWINSZ``,
``TERM=xterm-256color``). The parent writes each key's bytes (xterm encodings) to the
pty's master side and reads what the app paints.

Per key: from the write of its bytes to the arrival of the last output chunk that changed
the screen, once the output has been quiet for ``--quiet-ms`` (30 ms: longer than
Textual's 1/60 s frame, so that a key painted over two frames counts whole). During the
window only raw bytes are read (with their arrival times); afterwards they are fed to
`pyte` (a terminal emulator) chunk by chunk, and the last chunk that changed a cell
(character or attributes) ends the key's time. A key that paints nothing is counted apart.
Enter, Tab and the tab keys move the focus: for them a pause in the output is not the
end (a view may still be building) until the child reports where the focus went (or
``--focus-wait``, 1 s, has passed; a cursor blinks 0.5 s after the focus, not before).

The keying is the one of ``bench/bench_tui_keying.py`` (a CESP dossier, tab by tab),
then back and forth with F-keys, typed at a person's pace: ``--key-gap`` between the
characters of a value, ``--pause`` between steps (a pause long enough for the idle
prebuild of the tabs to start, so that keys land during a build when one is slow). The
child reports each focus change on a side file (the focused widget, whether it is in a
list field, the current tab), which classifies the keys:

* ``data``: a character typed in a field;
* ``move``: Enter/Tab/arrows to another field; ``move_list``: the same, landing in a
  list field (department, commune, country...);
* ``tab_first``: Ctrl+N/F2..F8 showing a tab for the first time; ``tab_revisit``: again;
* ``save``: Ctrl+S, or a Ctrl+N refused (nothing moved).

Modes (A/B in one run): ``off``, views built on first visit
(``DossierScreen.prebuild_tabs = False``); ``on``, the unvisited tabs built while the
user is idle (ADR 0024). p50/p99/max per kind and mode; prints, writes
``bench/results/key_to_paint.json``. Targets (issue 14): every key p99 <= 33 ms, tab
changes p99 <= 50 ms (printed, never asserted). Bounded: each key waits at most
``--key-timeout``; the whole run stops by itself.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import platform
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyte

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.dossiers import CESP_IBAN, CESP_NIR  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "key_to_paint.json"
COLUMNS, LINES = 80, 24
TARGET_KEY_P99_MS = 33.0
TARGET_TAB_P99_MS = 50.0
TAB_KINDS = ("tab_first", "tab_revisit")
KINDS = ("data", "move", "move_list", "save", "tab_first", "tab_revisit")

#: xterm's bytes for the keys the script presses.
KEY_BYTES: dict[str, bytes] = {
    "enter": b"\r",
    "tab": b"\t",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "ctrl+s": b"\x13",
    "ctrl+n": b"\x0e",
    "alt+1": b"\x1b1",
    "alt+2": b"\x1b2",
    "alt+3": b"\x1b3",
    "alt+4": b"\x1b4",
    "alt+5": b"\x1b5",
    "alt+6": b"\x1b6",
    "alt+7": b"\x1b7",
}
TAB_KEYS = frozenset({"ctrl+n", *(f"alt+{n}" for n in range(1, 8))})
#: Keys that move the focus (to another field or tab) when they do anything.
MOVES_FOCUS = TAB_KEYS | {"enter", "tab"}

DATA, NAV = "data", "nav"
#: (keys, kind): a plain string is typed character by character.
SCRIPT: list[tuple[list[str] | str, str]] = [
    # 1 État civil (the cursor starts on "Civilité").
    (["enter", "tab"], NAV),
    ("Durand", DATA),
    (["enter", "enter"], NAV),
    ("Jean Pierre", DATA),
    (["enter"], NAV),
    ("15031999", DATA),
    (["enter", "tab"], NAV),  # into the department list
    ("087", DATA),
    (["enter"], NAV),  # into the commune list
    ("Limoges", DATA),
    (["enter", "tab"], NAV),
    (CESP_NIR, DATA),
    (["ctrl+s", "ctrl+n"], NAV),
    # 2 Adresse.
    ("12 rue Jean Jaurès", DATA),
    (["enter", "enter", "tab"], NAV),
    ("87000", DATA),
    (["enter", "tab"], NAV),
    ("0612345678", DATA),
    (["ctrl+n"], NAV),
    # 3 Études.
    (["enter", "tab"], NAV),
    ("dfasm2", DATA),
    (["enter"], NAV),
    ("Université de Limoges", DATA),
    (["enter"], NAV),
    ("2025", DATA),
    (["enter", "ctrl+n"], NAV),
    # 4 Volet social.
    (["enter", "ctrl+n"], NAV),
    # 5 Coordonnées bancaires.
    ("Jean Pierre DURAND", DATA),
    (["enter"], NAV),
    (CESP_IBAN.lower(), DATA),
    (["ctrl+n"], NAV),
    # Back and forth between the tabs, arrows in the first one.
    (["alt+1", "down", "down", "up", "alt+2", "alt+6"], NAV),
    (["alt+7", "alt+3", "alt+1", "alt+5", "alt+2", "alt+1"], NAV),
]

DRIVER = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from pathlib import Path

from textual.pilot import Pilot

from cesp_client.credentials import TokenStore
from cesp_tui.app import CespApp
from cesp_tui.screens.dossier.dossier import DossierScreen
from tests.support.tui import MemoryKeyring, start, tui_app

DossierScreen.prebuild_tabs = os.environ["BENCH_PREBUILD"] == "on"
side = open(sys.argv[3], "a", buffering=1)


class Driver(CespApp):
    def on_mount(self):  # (CespApp.on_mount runs too): log in, open the dossier
        self.run_worker(start(self, Pilot(self)), group="bench-start")

    def on_descendant_focus(self, event):
        widget = self.focused
        if widget is None:
            return
        names = [type(node).__name__ for node in (widget, *widget.ancestors)]
        screen = self.screen
        side.write(json.dumps({
            "t": time.monotonic(),
            "widget": names[0],
            "in_list": any("Select" in name for name in names),
            "tab": getattr(screen, "current_tab", None),
            "views": len(screen.query("#dossier-views > *")),
        }) + "\n")


tokens = TokenStore(backend=MemoryKeyring())
app = tui_app(
    Path(sys.argv[1]), tokens=tokens, role="candidat", open_id=sys.argv[2], app_class=Driver
)
app.run()
"""


@dataclass
class Sample:
    mode: str
    key: str
    kind: str
    tab: str | None
    widget: str | None
    views: int | None  # tab views mounted when the focus last moved
    latency_ms: float | None  # None: nothing painted
    chunks: int
    bytes: int


class Terminal:
    """The child in a pty, the bytes it paints, and a `pyte` screen fed from them."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=REPO_ROOT,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.master = master
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)

    def read_until_quiet(
        self, quiet_s: float, timeout_s: float, *, more: bool = False
    ) -> list[tuple[float, bytes]]:
        """Raw chunks (arrival time, bytes) until ``quiet_s`` without output after the
        first chunk (``more``: counting from now, as if a chunk had just come), or
        ``timeout_s``."""
        chunks: list[tuple[float, bytes]] = []
        start = last = time.monotonic()
        while True:
            now = time.monotonic()
            if now - start > timeout_s:
                return chunks
            if chunks or more:
                wait = quiet_s - (now - last)
                if wait <= 0:
                    return chunks
            else:
                wait = min(timeout_s - (now - start), 0.05)
            ready, _, _ = select.select([self.master], [], [], max(wait, 0.0))
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:
                    return chunks
                last = time.monotonic()
                chunks.append((last, data))

    def _cells(self, lines: set[int]) -> dict[int, tuple[Any, ...]]:
        buffer = self.screen.buffer
        return {y: tuple(buffer[y][x] for x in range(COLUMNS)) for y in lines}

    def feed(self, chunks: list[tuple[float, bytes]]) -> float | None:
        """Feed ``chunks`` to the emulator; the arrival time of the last one that changed
        a cell (None: none did)."""
        last: float | None = None
        for arrived, data in chunks:
            self.screen.dirty.clear()
            self.stream.feed(data)
            if not self.screen.dirty:
                continue
            lines = set(self.screen.dirty)
            # dirty marks lines written, even with the same cells: compare with before.
            if any(self._rows.get(y) != row for y, row in self._cells(lines).items()):
                last = arrived
            self._rows.update(self._cells(lines))
        return last

    def start(self) -> None:
        self._rows: dict[int, tuple[Any, ...]] = {}

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.write(self.master, b"\x11")  # Ctrl+Q
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
        os.close(self.master)


def read_side(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    with path.open(encoding="utf-8") as handle:
        handle.seek(offset)
        text = handle.read()
        return [json.loads(line) for line in text.splitlines() if line.strip()], offset + len(
            text.encode("utf-8")
        )


def run_mode(mode: str, args: argparse.Namespace, workdir: Path) -> list[Sample]:
    from cesp_client.store import DraftStore
    from tests.support.tui import SERVER_KEY, USERNAME

    data_dir = workdir / mode
    data_dir.mkdir(parents=True)
    store = DraftStore(data_dir / "drafts.db")
    dossier_id = store.create_local(SERVER_KEY, USERNAME, "cesp", 1).id
    store.close()
    side = data_dir / "focus.jsonl"
    side.touch()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "CESP_"))}
    env.update(
        TERM="xterm-256color",
        COLUMNS=str(COLUMNS),
        LINES=str(LINES),
        PYTHONPATH=str(REPO_ROOT),
        BENCH_PREBUILD=mode,
    )
    term = Terminal([sys.executable, "-c", DRIVER, str(data_dir), dossier_id, str(side)], env=env)
    term.start()
    samples: list[Sample] = []
    try:
        # The dossier shown, then a quiet second.
        deadline = time.monotonic() + 60
        while "Civilité" not in term.text():
            if time.monotonic() > deadline or term.process.poll() is not None:
                raise RuntimeError(f"the dossier did not show:\n{term.text()}")
            term.feed(term.read_until_quiet(0.2, 1.0))
        term.feed(term.read_until_quiet(1.0, 5.0))
        offset = 0
        focus, offset = read_side(side, offset)
        state = focus[-1] if focus else {"tab": None, "widget": None, "in_list": False}
        visited = {state["tab"]}
        for keys, kind in SCRIPT:
            presses = list(keys) if isinstance(keys, str) else keys
            for n, key in enumerate(presses):
                data = KEY_BYTES.get(key, key.encode("utf-8"))
                sent = time.monotonic()
                os.write(term.master, data)
                chunks = term.read_until_quiet(args.quiet_ms / 1000, args.key_timeout)
                news, offset = read_side(side, offset)
                if kind != DATA and key in MOVES_FOCUS:
                    # A pause in the output is not the end when the key moves the cursor
                    # (a view being built): read on until the child says where the focus
                    # went, for at most --focus-wait (less than a cursor blink).
                    while not news and time.monotonic() - sent < args.focus_wait:
                        chunks += term.read_until_quiet(args.quiet_ms / 1000, 0.02, more=True)
                        news, offset = read_side(side, offset)
                    chunks += term.read_until_quiet(
                        args.quiet_ms / 1000, args.key_timeout, more=True
                    )
                painted = term.feed(chunks)
                before_tab = state["tab"]
                if news:
                    state = news[-1]
                if kind == DATA:
                    key_kind = "data"
                elif key in TAB_KEYS and state["tab"] != before_tab:
                    key_kind = "tab_revisit" if state["tab"] in visited else "tab_first"
                    visited.add(state["tab"])
                elif key in TAB_KEYS or key == "ctrl+s":
                    key_kind = "save"
                else:
                    key_kind = "move_list" if state["in_list"] else "move"
                samples.append(
                    Sample(
                        mode=mode,
                        key=key if kind != DATA else "char",
                        kind=key_kind,
                        tab=state["tab"],
                        widget=state["widget"],
                        views=state.get("views"),
                        latency_ms=None if painted is None else (painted - sent) * 1000,
                        chunks=len(chunks),
                        bytes=sum(len(c) for _, c in chunks),
                    )
                )
                gap = args.key_gap if n < len(presses) - 1 else args.pause
                rest = gap - (time.monotonic() - sent)
                if rest > 0:  # the app's output meanwhile (header states, builds) is drained
                    term.feed(term.read_until_quiet(rest, rest))
    finally:
        term.stop()
    return samples


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1)]


def summarize(samples: list[Sample]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        values = [s.latency_ms for s in samples if s.kind == kind and s.latency_ms is not None]
        unpainted = sum(1 for s in samples if s.kind == kind and s.latency_ms is None)
        if not values:
            continue
        table[kind] = {
            "n": len(values),
            "p50": round(statistics.median(values), 1),
            "p99": round(percentile(values, 99), 1),
            "max": round(max(values), 1),
            "unpainted": unpainted,
        }
    return table


def cpu_steal() -> tuple[int, int]:
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    return sum(fields), fields[7] if len(fields) > 7 else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="dossiers keyed per mode")
    parser.add_argument("--modes", default="off,on", help="prebuild modes, in order")
    parser.add_argument("--key-gap", type=float, default=0.12, help="seconds between chars")
    parser.add_argument("--pause", type=float, default=0.7, help="seconds between steps")
    parser.add_argument("--quiet-ms", type=float, default=30.0)
    parser.add_argument("--focus-wait", type=float, default=1.0)
    parser.add_argument("--key-timeout", type=float, default=2.0)
    args = parser.parse_args()

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    load_before = os.getloadavg()
    total0, steal0 = cpu_steal()
    started = time.monotonic()
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory(prefix="cesp-key-to-paint-") as tmp:
        for round_no in range(args.rounds):
            for mode in modes:
                samples += run_mode(mode, args, Path(tmp) / f"r{round_no}")
    total1, steal1 = cpu_steal()
    elapsed = time.monotonic() - started

    by_mode = {mode: summarize([s for s in samples if s.mode == mode]) for mode in modes}
    verdicts: dict[str, dict[str, bool]] = {}
    for mode, table in by_mode.items():
        keys_ok = all(
            row["p99"] <= TARGET_KEY_P99_MS for k, row in table.items() if k not in TAB_KINDS
        )
        tabs_ok = all(row["p99"] <= TARGET_TAB_P99_MS for k, row in table.items() if k in TAB_KINDS)
        verdicts[mode] = {"keys_p99_le_33ms": keys_ok, "tabs_p99_le_50ms": tabs_ok}
    results = {
        "command": "python bench/bench_key_to_paint.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "cpu_steal_share": round((steal1 - steal0) / max(1, total1 - total0), 3),
            "elapsed_s": round(elapsed, 1),
        },
        "parameters": {**vars(args), "size": [COLUMNS, LINES], "term": "xterm-256color"},
        "targets_ms": {"keys_p99": TARGET_KEY_P99_MS, "tabs_p99": TARGET_TAB_P99_MS},
        "by_mode": by_mode,
        "verdicts": verdicts,
        "samples": [asdict(s) for s in samples],
    }
    env = results["environment"]
    print(f"load average before {env['load_average_before']} after {env['load_average_after']}")
    print(f"CPU steal share {env['cpu_steal_share']}, {elapsed:.0f} s")
    print("\nkey to paint (ms), through a pty at 80x24:")
    print(f"  {'prebuild':8} {'kind':12} {'n':>4} {'p50':>7} {'p99':>7} {'max':>7}  unpainted")
    for mode, table in by_mode.items():
        for kind, row in table.items():
            print(
                f"  {mode:8} {kind:12} {row['n']:>4} {row['p50']:>7.1f} {row['p99']:>7.1f} "
                f"{row['max']:>7.1f}  {row['unpainted']}"
            )
    for mode, verdict in verdicts.items():
        keys = "met" if verdict["keys_p99_le_33ms"] else "NOT met"
        tabs = "met" if verdict["tabs_p99_le_50ms"] else "NOT met"
        print(f"prebuild {mode}: keys p99 <= 33 ms {keys}; tab changes p99 <= 50 ms {tabs}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
