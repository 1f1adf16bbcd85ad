"""Per-keystroke handling latency while a complete CESP dossier is keyed through Pilot.

Run from the repository root::

    .venv/bin/python bench/bench_tui_keying.py [--rounds 3]

The real `DossierScreen` (the real `CespApp` of ``tests/support/tui.py``,
offline, over a draft store of its own) at 80x24; the five form tabs of a CESP dossier keyed
exactly as ``tests/tui/test_dossier_keying.py`` does (data typed character by character,
Enter/Tab/Ctrl+S/Ctrl+N/F-keys/arrows for the rest), ``--rounds`` times on fresh dossiers.
The department/commune/country indexes are warmed first, as the client does at start.

Per keystroke, from the moment Pilot hands the key to the driver to the end of the last
message the app dispatched because of it (key handlers, validators, the draft writer's
callbacks, the screen's layout and paint on Textual's frame timer, 1/60 s), found by
wrapping `MessagePump._dispatch_message` and `Screen._on_timer_update` (a frame runs from
the screen's update timer, not as a message: until session 12 a frame that no message followed ended
outside the window); Pilot's own idle detection (which sleeps in 20 ms
steps) is left out. That wall time includes the waits for Textual's frame timer (a change
is painted on the next 1/60 s tick, so up to 16.7 ms of idle loop per frame); the
*handling* time is the same window minus the time the event loop sat idle in epoll, i.e.
the UI thread's work for the key, as the user waits for it. Also the CPU time of the
window: the event loop thread's own (``ui-cpu``, `time.thread_time`), and the process's
(all threads: the draft writer's SQLite commits too). On a quiet machine handling and
ui-cpu agree; when the host is busy (the share of CPU time stolen by the hypervisor,
from /proc/stat, is printed) the handling times grow with the waits for a CPU, and the
UI thread's CPU time shows the app's own work.

Keys fall in four kinds: data (characters typed in a field), move (Enter, Tab, arrows:
the cursor goes to another field or choice), save (Ctrl+S: the tab checked and queued),
tab (Ctrl+N, F2..F8: another tab is shown; the first visit builds its form). p50/p99/max
per kind and per field (the field that had the focus when the key was pressed). Prints,
and writes ``bench/results/tui_keying.json``. The target (p99 under 16 ms on every field)
is printed, never asserted.

Measurement only: the wrappers above (and of `Pilot._wait_for_screen`, the event loop's
selector) are Textual's and asyncio's private methods; the client itself uses Textual's
public API only (ADR 0023), bench/ and tests/ may observe through internals.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from textual.message import Message  # noqa: E402
from textual.message_pump import MessagePump  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.screen import Screen  # noqa: E402

from cesp_client.credentials import TokenStore  # noqa: E402
from cesp_client.store import DraftStore  # noqa: E402
from cesp_tui.app import CespApp  # noqa: E402
from cesp_tui.screens.dossier.dossier import STATES_DELAY, DossierScreen  # noqa: E402
from cesp_tui.widgets.field_row import FieldRow  # noqa: E402
from tests.support.dossiers import CESP_IBAN, CESP_NIR  # noqa: E402
from tests.support.tui import (  # noqa: E402
    SERVER_KEY,
    USERNAME,
    MemoryKeyring,
    dossier_screen_of,
    freeze_cursors,
    run_app,
    tui_app,
)

RESULTS = REPO_ROOT / "bench" / "results" / "tui_keying.json"
TARGET_P99_MS = 16.0
SIZE = (80, 24)
DATA = "data"
NAV = "non-data"
#: The kinds of non-data keys (see the docstring).
MOVE, SAVE, TAB = "move", "save", "tab"
TAB_KEYS = frozenset({"ctrl+n", *(f"alt+{n}" for n in range(1, 8))})


def key_kind(key: str, kind: str) -> str:
    if kind == DATA:
        return DATA
    if key in TAB_KEYS:
        return TAB
    return SAVE if key == "ctrl+s" else MOVE


#: (keys, kind): the keying of ``test_a_cesp_dossier_keyed_tab_by_tab``, plus Ctrl+S,
#: F-key tab jumps and arrows. A plain string is typed character by character.
Step = tuple[Sequence[str] | str, str]
SCRIPT: list[Step] = [
    # 1 État civil (the cursor starts on "Civilité").
    (["enter", "tab"], NAV),  # M.
    ("Durand", DATA),
    (["enter", "enter"], NAV),  # past "Nom d'usage"
    ("Jean Pierre", DATA),
    (["enter"], NAV),
    ("15031999", DATA),
    (["enter", "tab"], NAV),  # past "né(e) à l'étranger"
    ("087", DATA),  # department: Haute-Vienne
    (["enter"], NAV),
    ("Limoges", DATA),  # the commune list, restricted to the department
    (["enter", "tab"], NAV),  # past "Nationalité française"
    (CESP_NIR, DATA),
    (["ctrl+s", "ctrl+n"], NAV),
    # 2 Adresse.
    ("12 rue Jean Jaurès", DATA),
    (["enter", "enter", "tab"], NAV),  # past "Complément", "Pays"
    ("87000", DATA),
    (["enter", "tab"], NAV),
    ("0612345678", DATA),
    (["ctrl+n"], NAV),
    # 3 Études.
    (["enter", "tab"], NAV),  # Médecine
    ("dfasm2", DATA),
    (["enter"], NAV),
    ("Université de Limoges, UFR de médecine", DATA),
    (["enter"], NAV),
    ("2025", DATA),
    (["enter", "ctrl+n"], NAV),
    # 4 Volet social.
    (["enter", "ctrl+n"], NAV),  # Célibataire
    # 5 Coordonnées bancaires.
    ("Jean Pierre DURAND", DATA),
    (["enter"], NAV),
    (CESP_IBAN.lower(), DATA),
    (["ctrl+n"], NAV),
    # Back and forth between the tabs, and the arrows in the first one.
    (["alt+1", "down", "down", "up", "alt+2", "alt+5"], NAV),
]


@dataclass
class Sample:
    key: str
    kind: str
    field: str
    tab: str
    latency_ms: float
    cpu_ms: float
    handling_ms: float
    gc_ms: float = 0.0
    ui_cpu_ms: float = 0.0


class Collections:
    """The garbage collector's pauses during the run, by generation (`gc.callbacks`)."""

    pauses: ClassVar[dict[int, list[float]]] = defaultdict(list)
    #: (start, end, generation) perf_counter ns of every pause.
    spans: ClassVar[list[tuple[int, int, int]]] = []
    _start = 0

    @classmethod
    def install(cls) -> None:
        def callback(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                cls._start = time.perf_counter_ns()
            else:
                end = time.perf_counter_ns()
                cls.pauses[info["generation"]].append((end - cls._start) / 1e6)
                cls.spans.append((cls._start, end, info["generation"]))

        gc.callbacks.append(callback)

    @classmethod
    def within(cls, start: int, end: int) -> float:
        """Milliseconds of collection between ``start`` and ``end`` (perf_counter ns)."""
        total = 0
        for a, b, _gen in reversed(cls.spans):
            if b < start:
                break
            total += max(0, min(b, end) - max(a, start))
        return total / 1e6

    @classmethod
    def summary(cls) -> dict[str, dict[str, float]]:
        return {
            f"gen{gen}": {
                "n": len(ms),
                "total_ms": round(sum(ms), 1),
                "max_ms": round(max(ms), 2),
            }
            for gen, ms in sorted(cls.pauses.items())
        }


class Activity:
    """The end of the last message dispatched anywhere in the app (perf_counter ns) until
    Pilot starts its own checks (``_wait_for_screen`` posts callbacks to every widget:
    not the app's work), and the process CPU time at that moment."""

    last_ns = 0
    #: The event loop thread's CPU time (`time.thread_time`) at ``last_ns``.
    last_thread = 0.0
    frozen = False
    cpu_at_freeze = 0.0
    states_ms: ClassVar[list[float]] = []

    #: (start, end) perf_counter ns of each wait of the event loop in epoll, this key.
    idle: ClassVar[list[tuple[int, int]]] = []

    @classmethod
    def reset(cls) -> None:
        cls.last_ns, cls.frozen, cls.cpu_at_freeze = 0, False, 0.0
        cls.idle = []

    @classmethod
    def watch_idle(cls) -> None:
        """Record the loop's waits in epoll (call from within the running loop)."""
        selector: Any = asyncio.get_running_loop()._selector  # type: ignore[attr-defined]
        select = selector.select

        def timed_select(timeout: float | None = None) -> Any:
            start = time.perf_counter_ns()
            try:
                return select(timeout)
            finally:
                cls.idle.append((start, time.perf_counter_ns()))

        selector.select = timed_select

    @classmethod
    def idle_ms(cls, start: int, end: int) -> float:
        total = sum(max(0, min(b, end) - max(a, start)) for a, b in cls.idle)
        return total / 1e6

    @classmethod
    def install(cls) -> None:
        original = MessagePump._dispatch_message

        async def dispatch(self: MessagePump, message: Message) -> None:
            try:
                await original(self, message)
            finally:
                if not cls.frozen:
                    cls.last_ns = time.perf_counter_ns()
                    cls.last_thread = time.thread_time()

        MessagePump._dispatch_message = dispatch  # type: ignore[method-assign]

        # The screen's frames (layout and paint) run from its update timer's callback,
        # not as a dispatched message: a frame that no message followed ended outside the
        # window. (Only the frames: another timer's tick, a cursor's blink, is no work
        # of the key's.)
        frame = Screen._on_timer_update

        def timed_frame(self: Screen[Any]) -> None:
            try:
                frame(self)
            finally:
                if not cls.frozen:
                    cls.last_ns = time.perf_counter_ns()
                    cls.last_thread = time.thread_time()

        Screen._on_timer_update = timed_frame  # type: ignore[method-assign]

        wait_for_screen = Pilot._wait_for_screen

        async def freeze(self: Pilot[Any], timeout: float = 30.0) -> bool:
            if not cls.frozen:
                cls.frozen = True
                cls.cpu_at_freeze = time.process_time()
            return await wait_for_screen(self, timeout)

        Pilot._wait_for_screen = freeze  # type: ignore[method-assign]

        refresh_states = DossierScreen.refresh_states

        def timed_refresh_states(self: DossierScreen) -> None:
            start = time.perf_counter_ns()
            refresh_states(self)
            cls.states_ms.append((time.perf_counter_ns() - start) / 1e6)

        DossierScreen.refresh_states = timed_refresh_states  # type: ignore[method-assign]


def cpu_stat() -> list[int] | None:
    """The machine's CPU time counters (the ``cpu`` line of /proc/stat), or None."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    return [int(x) for x in first.split()[1:]]


def steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of CPU time the hypervisor gave to others (``steal``) between two
    `cpu_stat` readings: a noisy neighbour shows in the handling times, not in the UI
    thread's CPU time."""
    if not before or not after or len(before) < 8:
        return None
    delta = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(delta[:8])
    return delta[7] / total if total else None


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 3),
        "p99_ms": round(percentile(values, 99), 3),
        "max_ms": round(max(values), 3),
    }


def rss_kib() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0])
    return out


def focused_field(app: CespApp) -> str:
    node: Any = app.focused
    while node is not None:
        if isinstance(node, FieldRow):
            return node.key
        node = node.parent
    return f"<{type(app.focused).__name__ if app.focused else 'none'}>"


async def settle(app: CespApp, pilot: Pilot[Any]) -> None:
    for _ in range(3):
        busy = [w for w in app.workers if not w.is_finished]
        if busy:
            await asyncio.gather(*(w.wait() for w in busy), return_exceptions=True)
        await pilot.pause()


async def states_refreshed(app: CespApp, pilot: Pilot[Any]) -> None:
    """Outside the measured window: let the header's debounced refresh (STATES_DELAY after
    the last change) run, so that it does not land in the next key's window; it is timed
    on its own."""
    screen = app.screen
    deadline = time.monotonic() + STATES_DELAY + 1.0
    while getattr(screen, "_states_timer", None) is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await pilot.pause()


async def key_one_dossier(data_dir: Path, samples: list[Sample]) -> dict[str, Any]:
    store = DraftStore(data_dir / "drafts.db")
    dossier_id = store.create_local(SERVER_KEY, USERNAME, "cesp", 1).id
    store.close()
    tokens = TokenStore(backend=MemoryKeyring())
    app = tui_app(data_dir, tokens=tokens, role="candidat", open_id=dossier_id)
    async with run_app(app, size=SIZE) as pilot:
        Activity.watch_idle()
        await settle(app, pilot)
        for keys, kind in SCRIPT:
            for key in keys:
                freeze_cursors(app)  # no blink timer inside the measured window
                await pilot.pause()
                field = focused_field(app)
                tab = dossier_screen_of(app).current_tab
                Activity.reset()
                cpu0 = time.process_time()
                thread0 = time.thread_time()
                sent = time.perf_counter_ns()
                await pilot.press(key)
                cpu = (Activity.cpu_at_freeze - cpu0) * 1000
                end = Activity.last_ns if Activity.last_ns > sent else sent
                wall = (end - sent) / 1e6
                handling = wall - Activity.idle_ms(sent, end)
                collected = Collections.within(sent, end)
                ui_cpu = (Activity.last_thread - thread0) * 1000 if Activity.last_ns > sent else 0.0
                samples.append(
                    Sample(
                        key,
                        key_kind(key, kind),
                        field,
                        tab,
                        wall,
                        cpu,
                        handling,
                        collected,
                        ui_cpu,
                    )
                )
                await states_refreshed(app, pilot)
            if kind == NAV and keys and keys[-1] == "ctrl+n":
                await settle(app, pilot)
        await settle(app, pilot)
        final_tab = dossier_screen_of(app).current_tab
        states = {tab: str(state) for tab, state in dossier_screen_of(app).tab_states().items()}
    store = DraftStore(data_dir / "drafts.db")
    ops = [str(op.kind) for op in store.ops(dossier_id)]
    store.close()
    return {"final_tab": final_tab, "tab_states": states, "queued_ops": ops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from cesp_tui.heap import freeze_startup_heap
    from cesp_tui.widgets.filter_select import warm_indexes

    stat_before = cpu_stat()
    start = time.perf_counter()
    warm_indexes()  # as the app's start-up worker does (`CespApp.warm_indexes`)
    frozen = freeze_startup_heap()
    warm_ms = (time.perf_counter() - start) * 1000
    Collections.install()
    Activity.install()
    samples: list[Sample] = []
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.rounds):
            data_dir = Path(tmp) / f"round{n}"
            data_dir.mkdir()
            outcomes.append(asyncio.run(key_one_dossier(data_dir, samples)))
    rss = rss_kib()
    steal = steal_share(stat_before, cpu_stat())

    per_round = len(samples) // args.rounds
    non_data = sum(1 for s in samples if s.kind != DATA) // args.rounds
    kinds = (DATA, MOVE, SAVE, TAB)

    def of(kind: str | None, metric: str) -> list[float]:
        return [getattr(s, metric) for s in samples if kind is None or s.kind == kind]

    metrics = {
        "handling_ms": "handling",
        "latency_ms": "wall",
        "ui_cpu_ms": "ui-cpu",
        "cpu_ms": "cpu",
    }
    overall = {
        label: {k or "all": summary(of(k, metric)) for k in (None, *kinds) if of(k, metric)}
        for metric, label in metrics.items()
    }
    by_field: dict[str, dict[str, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    for s in samples:
        by_field[f"{s.tab}.{s.field}"][s.kind].append(s)
    per_field = {
        name: {
            kind: {
                "handling": summary([s.handling_ms for s in group]),
                "wall": summary([s.latency_ms for s in group]),
                "ui-cpu": summary([s.ui_cpu_ms for s in group]),
            }
            for kind, group in groups.items()
        }
        for name, groups in by_field.items()
    }

    def over_target(kinds_: tuple[str, ...], label: str) -> list[str]:
        return sorted(
            {
                name
                for name, groups in per_field.items()
                for kind, stats in groups.items()
                if kind in kinds_ and stats[label]["p99_ms"] >= TARGET_P99_MS
            }
        )

    in_field = (DATA, MOVE)
    verdicts = {
        "handling, data and move keys": over_target(in_field, "handling"),
        "handling, every key": over_target(kinds, "handling"),
        "wall, data and move keys": over_target(in_field, "wall"),
        "wall, every key": over_target(kinds, "wall"),
        "UI thread CPU, data and move keys": over_target(in_field, "ui-cpu"),
    }
    slowest = sorted(samples, key=lambda s: s.handling_ms, reverse=True)[:12]

    results = {
        "command": "python bench/bench_tui_keying.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu_steal_share_during_run": steal,
        },
        "parameters": {"rounds": args.rounds, "size": list(SIZE)},
        "warm_indexes_ms": round(warm_ms, 1),
        "objects_frozen_at_start": frozen,
        "gc_pauses": Collections.summary(),
        "keystrokes_per_dossier": per_round,
        "non_data_keystrokes_per_dossier": non_data,
        "data_keystrokes_per_dossier": per_round - non_data,
        "keys_per_kind_per_dossier": {k: len(of(k, "cpu_ms")) // args.rounds for k in kinds},
        "target_p99_ms": TARGET_P99_MS,
        "overall": overall,
        "header_refresh_states": summary(Activity.states_ms) if Activity.states_ms else None,
        "per_field": per_field,
        "fields_over_target": verdicts,
        "slowest_keys": [
            {
                "key": s.key,
                "kind": s.kind,
                "field": f"{s.tab}.{s.field}",
                "handling_ms": round(s.handling_ms, 2),
                "wall_ms": round(s.latency_ms, 2),
                "gc_ms": round(s.gc_ms, 2),
            }
            for s in slowest
        ],
        "outcomes": outcomes,
        "rss_kib_end": rss,
    }

    print(f"load average: {results['environment']['load_average']}")
    if steal is not None:
        print(f"CPU time stolen by the host during the run: {steal:.1%} (/proc/stat)")
    print(f"indexes warmed in {warm_ms:.0f} ms, {frozen} objects frozen (cesp_tui.heap)")
    for gen, st in results["gc_pauses"].items():
        print(f"gc {gen}: {st['n']} pauses, {st['total_ms']} ms in all, longest {st['max_ms']} ms")
    print(
        f"keystrokes per dossier: {per_round} ({non_data} non-data, {per_round - non_data} data)"
        f", {args.rounds} rounds; per kind: {results['keys_per_kind_per_dossier']}"
    )
    print(f"\n{'':10} {'kind':6} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, groups in overall.items():
        for kind, st in groups.items():
            print(
                f"{label:10} {kind:6} {st['n']:>5} {st['p50_ms']:>8.2f} {st['p99_ms']:>8.2f}"
                f" {st['max_ms']:>8.2f}"
            )
    header = results["header_refresh_states"]
    if header:
        print(
            f"debounced header refresh ({STATES_DELAY:g} s after the last change): "
            f"n={header['n']}  p50 {header['p50_ms']:.2f} ms  p99 {header['p99_ms']:.2f} ms"
            f"  max {header['max_ms']:.2f} ms"
        )
    print(
        f"\n{'field (focused)':36} {'kind':5} {'n':>4} {'handling p50':>12} {'p99':>7}"
        f" {'wall p99':>9} {'ui-cpu p99':>10}"
    )
    for name, groups in per_field.items():
        for kind in kinds:
            if kind in groups:
                h, w, u = (groups[kind][label] for label in ("handling", "wall", "ui-cpu"))
                print(
                    f"{name:36} {kind:5} {h['n']:>4} {h['p50_ms']:>12.2f} {h['p99_ms']:>7.2f}"
                    f" {w['p99_ms']:>9.2f} {u['p99_ms']:>10.2f}"
                )
    print("\nslowest keys (handling):")
    for row in results["slowest_keys"]:
        print(
            f"  {row['handling_ms']:8.2f} ms (wall {row['wall_ms']:7.2f}, gc {row['gc_ms']:6.2f})"
            f"  {row['key']!r:10}"
            f" {row['kind']:5} {row['field']}"
        )
    print()
    for what, names in verdicts.items():
        verdict = "met" if not names else f"NOT met on {len(names)}: " + ", ".join(names)
        print(f"target p99 < {TARGET_P99_MS:g} ms per field, {what}: {verdict}")
    print(f"outcome of round 1: {outcomes[0]}")
    print(
        f"RSS at the end: {rss.get('VmRSS', 0) / 1024:.1f} MiB"
        f" (peak {rss.get('VmHWM', 0) / 1024:.1f} MiB)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
