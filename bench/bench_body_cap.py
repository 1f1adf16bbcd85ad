"""Memory of `cesp-server serve` after one anonymous 21 MiB JSON body (issue 15, item 2).

Run from the repository root::

    .venv/bin/python bench/bench_body_cap.py [--mib 21] [--python /work/main/.venv/bin/python]

Starts ``python -m cesp_server.cli serve`` (SQLite, fresh data directory) on a loopback
port, reads its resident memory (``VmRSS``) once it answers, sends one anonymous
``POST /api/v1/accounts/signup`` whose body is a JSON array of small objects
(``{"a":1},`` repeated: the issue's shape), then reads ``VmRSS`` and the peak
``VmHWM``. ``--python`` runs the server with another interpreter (another checkout's
virtual environment) to compare with the code before the cap. Prints the figures and writes
``bench/results/body_cap.json``; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results" / "body_cap.json"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=21)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    item = b'{"a":1},'
    body = b"[" + item * (args.mib * 1024 * 1024 // len(item)) + b'{"a":1}]'
    env = {k: v for k, v in os.environ.items() if not k.startswith("CESP_")}
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        process = subprocess.Popen(
            [
                args.python,
                "-m",
                "cesp_server.cli",
                "--data-dir",
                data,
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=data,  # the interpreter's own installation of cesp_server, not this directory
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}/api/v1"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{url}/health", timeout=2)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            before = _status_kib(process.pid, "VmRSS")
            started = time.perf_counter()
            answer = httpx.post(
                f"{url}/accounts/signup",
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=120,
            )
            elapsed = time.perf_counter() - started
            time.sleep(0.5)
            after = _status_kib(process.pid, "VmRSS")
            peak = _status_kib(process.pid, "VmHWM")
        finally:
            process.terminate()
            process.wait(timeout=30)
    results = {
        "python": args.python,
        "body_mib": args.mib,
        "status": answer.status_code,
        "code": answer.json().get("code") if answer.content else None,
        "answer_s": round(elapsed, 3),
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "rss_peak_mib": round(peak / 1024, 1),
    }
    print(
        f"{args.python}: {args.mib} MiB body -> {answer.status_code} {results['code']} in "
        f"{elapsed:.2f} s; RSS {results['rss_before_mib']} -> {results['rss_after_mib']} MiB "
        f"(peak {results['rss_peak_mib']} MiB)"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
