"""Sync of many local drafts to the platform by the real `SyncEngine`.

Run from the repository root::

    .venv/bin/python bench/bench_sync.py [--drafts 500]

The platform (SQLite, ``tests/support/server.start_server``) under uvicorn in a thread on
a loopback port, in this process; an ``agent`` staff account (a CESP candidat may hold
one dossier per campaign, an agent any number: ``cesp_server/crud/dossiers.py``) and one
open CESP campaign. ``--drafts`` local dossiers are created in a fresh `DraftStore`, each
with its "État civil" tab filled (a complete, valid tab, distinct NIR per dossier) and
saved: two queued operations per draft (create, save_tab). The engine's ``run_once`` is
called until the queue is empty (it is what ``SyncEngine.run`` calls in its loop, without
the idle polling); figures: time from start to queue empty, drafts/s, operations/s,
what the engine posted (synced, refused, conflicts), RSS of the process (client, server
and both SQLite databases together: one process). Prints, and writes
``bench/results/sync.json``. Target: 500 drafts under 20 s (printed, never asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from textual.message import Message  # noqa: E402

from cesp_client.api import ApiClient  # noqa: E402
from cesp_client.events import DossierSynced, SaveRefused, SyncConflict  # noqa: E402
from cesp_client.store import DraftStore  # noqa: E402
from cesp_client.sync import SyncEngine  # noqa: E402
from tests.support.accounts import create_staff_account  # noqa: E402
from tests.support.dossiers import complete_cesp_values, make_campaign, nir_with_key  # noqa: E402
from tests.support.server import start_server, test_settings  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results" / "sync.json"
TARGET_S = 20.0
SERVER_KEY = "bench"
USERNAME = "agent.bench"


def rss_kib() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            name, value = line.split(":", 1)
            out[name] = int(value.split()[0])
    return out


def distinct_nir(n: int) -> str:
    """A valid NIR per draft (the 13 first digits vary in the order number)."""
    base = complete_cesp_values()["etat_civil"]["nir"]
    first13 = base[:10] + f"{n % 999 + 1:03d}"
    return nir_with_key(first13)


async def sync_all(
    store: DraftStore, url: str, token: str, max_rounds: int
) -> tuple[float, float, int, list[Message], list[int]]:
    messages: list[Message] = []
    client = ApiClient(url, token)
    engine = SyncEngine(
        store, client, server_key=SERVER_KEY, username=USERNAME, post=messages.append
    )
    handled_per_round = []
    start, start_cpu = time.perf_counter(), time.process_time()
    try:
        for _ in range(max_rounds):
            handled = await engine.run_once()
            handled_per_round.append(handled)
            if store.pending_count() == 0 or handled == 0:
                break
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
    finally:
        engine.stop()
        await client.aclose()
    return elapsed, cpu, store.pending_count(), messages, handled_per_round


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=500)
    args = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(test_settings(Path(tmp) / "server"))
        try:
            token = create_staff_account(server, "agent", "agent.bench@example.org")
            campaign = make_campaign(server)
            store = DraftStore(Path(tmp) / "client" / "drafts.db")
            etat_civil: dict[str, Any] = complete_cesp_values()["etat_civil"]
            prepare_start = time.perf_counter()
            for n in range(args.drafts):
                dossier_id = store.create_local(SERVER_KEY, USERNAME, "cesp", campaign).id
                for field, value in {**etat_civil, "nir": distinct_nir(n)}.items():
                    store.set_field(dossier_id, "etat_civil", field, value)
                store.mark_tab_saved(dossier_id, "etat_civil")
            prepare_s = time.perf_counter() - prepare_start
            queued = store.pending_count()
            rss_before = rss_kib()
            elapsed, cpu, left, messages, rounds = asyncio.run(
                sync_all(store, server.url, token, max_rounds=10)
            )
            rss_after = rss_kib()
            with server.client(token) as http:
                listed = http.get("/dossiers", params={"limit": 1}).json()
            store.close()
        finally:
            server.stop()
    load_after = os.getloadavg()

    synced = Counter(m.kind for m in messages if isinstance(m, DossierSynced))
    refused = [m for m in messages if isinstance(m, SaveRefused)]
    conflicts = [m for m in messages if isinstance(m, SyncConflict)]
    results = {
        "command": "python bench/bench_sync.py " + " ".join(sys.argv[1:]),
        "environment": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "parameters": {"drafts": args.drafts},
        "prepare_local_drafts_s": round(prepare_s, 2),
        "queued_ops": queued,
        "sync_s": round(elapsed, 2),
        "sync_process_cpu_s": round(cpu, 2),
        "drafts_per_s": round(args.drafts / elapsed, 1),
        "ops_per_s": round(queued / elapsed, 1),
        "ops_left": left,
        "handled_per_run_once": rounds,
        "synced_by_kind": dict(synced),
        "refused": len(refused),
        "refused_first": refused[0].detail if refused else None,
        "conflicts": len(conflicts),
        "server_total_dossiers": listed.get("total"),
        "rss_kib_before_sync": rss_before,
        "rss_kib_after_sync": rss_after,
        "target_s": TARGET_S,
        "target_met": left == 0 and elapsed < TARGET_S,
    }
    print(f"load average before {results['environment']['load_average_before']}")
    print(f"load average after  {results['environment']['load_average_after']}")
    print(f"{args.drafts} local drafts prepared in {prepare_s:.2f} s: {queued} ops queued")
    print(
        f"sync to queue empty: {elapsed:.2f} s ({results['drafts_per_s']} drafts/s, "
        f"{results['ops_per_s']} ops/s), ops left {left}, run_once calls {rounds}; "
        f"process CPU time {cpu:.2f} s (client and server threads)"
    )
    print(
        f"engine posted: synced {dict(synced)}, refused {len(refused)}, "
        f"conflicts {len(conflicts)}; server lists {listed.get('total')} dossiers"
    )
    print(
        f"RSS (client + server, one process): {rss_before.get('VmRSS', 0) / 1024:.1f} MiB "
        f"before, {rss_after.get('VmRSS', 0) / 1024:.1f} MiB after "
        f"(peak {rss_after.get('VmHWM', 0) / 1024:.1f} MiB)"
    )
    verdict = "met" if results["target_met"] else "NOT met"
    print(f"target {args.drafts} drafts < {TARGET_S:g} s: {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
