"""Saves, reads and 1 MiB uploads with one and two workers, file store and S3 store, on
PostgreSQL: what one worker sustains, and what a second one adds (ADR 0019, deployment.md).

Run from the repository root::

    .venv/bin/python bench/bench_scale_out.py --quick     # 8 clients, 5 s per phase (~2 min)
    .venv/bin/python bench/bench_scale_out.py             # 16 clients, 15 s per phase

For each piece store (``file``: a local directory; ``s3``: moto's S3 server in its own
process on loopback -- moto is a test double, NOT a production object store: its latency
and CPU say nothing of a real S3 service) and each worker count (1, 2):

1. a fresh PostgreSQL database (a throw-away cluster started from the machine's binaries,
   as the tests do), an open campaign, ``--clients`` agent accounts with sessions
   (`bench_server_load.prepare_database`, `open_sessions_in_db`), one dossier each;
2. ``cesp-server serve --workers W`` in its own process;
3. three closed-loop phases of ``--seconds`` each (after a 1 s warm-up), every client on
   its own keep-alive connection (`bench_server_load.run_load`): ``save`` (``PUT
   /dossiers/{id}/tabs/adresse`` with ``If-Match``), ``read`` (``GET /dossiers/{id}``),
   ``upload`` (``POST`` of a distinct 1 MiB PDF, one page holding a 1 MiB random stream
   like a scan, so the server's checks parse a real PDF; then ``DELETE`` of it: the upload is the
   timed request, the delete is reported apart).

Prints requests/s and p50/p99 per phase and writes ``bench/results/scale_out[_quick].json``.
The load generator, PostgreSQL, moto and the workers all share the machine's cores (2 on
the project's machine): with two workers the generator and the database compete with
them, so the second worker's gain is a lower bound of what a separate host would give.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(BENCH_DIR.parent))

import bench_server_load as base  # noqa: E402

from cesp_server.settings import Settings  # noqa: E402
from tests.support.postgres import start_cluster  # noqa: E402

MIB = 1024 * 1024
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def start_moto(logs: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = base.free_port()
    log = (logs / "moto.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("moto did not start")


async def save_step(client: httpx.AsyncClient, state: Any, rec: base.Recorder) -> None:
    headers = {"Authorization": f"Bearer {state.token}", "If-Match": f'"{state.version}"'}
    state.turn += 1
    body = {"values": base.adresse_values(state.index, state.turn)}
    url = f"/dossiers/{state.dossier_id}/tabs/adresse"
    response = await base.timed_request(
        rec, "save", lambda: client.put(url, json=body, headers=headers)
    )
    if response is not None:
        version = base.version_of(response)
        if version is not None:
            state.version = version


async def read_step(client: httpx.AsyncClient, state: Any, rec: base.Recorder) -> None:
    auth = {"Authorization": f"Bearer {state.token}"}
    url = f"/dossiers/{state.dossier_id}"
    await base.timed_request(rec, "read", lambda: client.get(url, headers=auth))


SCAN = os.urandom(MIB - 400)  # what a scanned page's image weighs, incompressible


def mib_pdf(text: str) -> bytes:
    """A valid 1 MiB PDF: one page whose content is a 1 MiB stream (like a scan)."""
    stream = f"% {text}\n".encode() + SCAN
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 40] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)


async def upload_step(client: httpx.AsyncClient, state: Any, rec: base.Recorder) -> None:
    auth = {"Authorization": f"Bearer {state.token}"}
    state.turn += 1
    body = mib_pdf(f"bench {state.index} {state.turn}")  # distinct, 1 MiB
    url = f"/dossiers/{state.dossier_id}/pieces/cv"
    response = await base.timed_request(
        rec,
        "upload",
        lambda: client.post(
            url, files={"file": ("bench.pdf", body, "application/pdf")}, headers=auth
        ),
    )
    if response is not None and response.status_code in (200, 201):
        piece = response.json()["id"]
        await base.timed_request(
            rec, "delete", lambda: client.delete(f"{url}/{piece}", headers=auth)
        )


PHASES = (("save", save_step), ("read", read_step), ("upload", upload_step))


def run_config(
    args: argparse.Namespace,
    cluster: Any,
    store: str,
    workers: int,
    moto_url: str,
    root: Path,
) -> dict[str, Any]:
    tag = f"{store}{workers}"
    data_dir = root / tag
    data_dir.mkdir()
    database_url = cluster.create_database()
    env = base.server_env(data_dir, database_url)
    env.update(AWS_ENV)
    if store == "s3":
        import boto3

        bucket = f"bench-{tag}"
        boto3.client("s3", endpoint_url=moto_url, **_aws()).create_bucket(Bucket=bucket)
        env.update(
            CESP_PIECES_STORE="s3",
            CESP_S3_ENDPOINT_URL=moto_url,
            CESP_S3_BUCKET=bucket,
        )
    settings = Settings(database_url=database_url, data_dir=data_dir)
    campaign_id, states = base.prepare_database(settings, args.clients, tag)
    base.open_sessions_in_db(settings, states)
    port = base.free_port()
    command = [
        base.venv_bin("cesp-server"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = base.start_process(
        f"platform-{tag}",
        command,
        env,
        f"http://127.0.0.1:{port}/api/v1/ready",
        root / f"{tag}.log",
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    results: dict[str, Any] = {}
    try:
        base.run_async(base.login_and_create(api, campaign_id, states))
        for name, step in PHASES:
            result = base.run_async(
                base.run_load(
                    api,
                    states,
                    step,
                    seconds=args.seconds,
                    warmup=1.0,
                    timeout=60.0,
                    think=0.0,
                    server_cpu=server.cpu_seconds,
                )
            )
            kind = result["by_kind"].get(name, {"n": 0})
            window = result["window_s"]
            results[name] = {
                "requests_per_s": round(kind.get("n", 0) / window, 1) if window else 0.0,
                "p50_ms": kind.get("p50_ms"),
                "p99_ms": kind.get("p99_ms"),
                "errors": result["errors"],
                "server_cpu_s": result["cpu"]["server_s"],
                "generator_cpu_s": result["cpu"]["generator_s"],
                "delete": result["by_kind"].get("delete"),
            }
            print(
                f"  {store:<4} workers={workers} {name:<6} "
                f"{results[name]['requests_per_s']:>7} req/s  p50 {kind.get('p50_ms')} ms  "
                f"p99 {kind.get('p99_ms')} ms  errors {result['error_count']}",
                flush=True,
            )
    finally:
        server.stop()
    return results


def _aws() -> dict[str, str]:
    return {
        "aws_access_key_id": AWS_ENV["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        "region_name": AWS_ENV["AWS_DEFAULT_REGION"],
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 clients, 5 s per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds = 8, 5.0
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    cluster = start_cluster()
    if cluster is None:
        raise SystemExit("PostgreSQL binaries not found")
    root = Path(tempfile.mkdtemp(prefix="cesp-bench-scale-"))
    moto, moto_url = start_moto(root)
    figures: dict[str, Any] = {}
    try:
        for store in ("file", "s3"):
            for workers in (1, 2):
                figures[f"{store}/{workers}"] = run_config(
                    args, cluster, store, workers, moto_url, root
                )
    finally:
        moto.terminate()
        moto.wait(timeout=20)
        cluster.stop()
    print()
    print(f"{'store':<6}{'workers':>8}{'phase':>8}{'req/s':>9}{'p99 ms':>9}")
    for config, phases in figures.items():
        store, workers = config.split("/")
        for phase, values in phases.items():
            print(
                f"{store:<6}{workers:>8}{phase:>8}{values['requests_per_s']:>9}"
                f"{values['p99_ms']!s:>9}"
            )
    out = {
        "benchmark": "scale_out",
        "clients": args.clients,
        "seconds_per_phase": args.seconds,
        "machine": base.machine_info(),
        "database": "PostgreSQL (throw-away cluster, fsync off, on the same machine)",
        "s3": "moto server mode on loopback (a test double, not a production store)",
        "note": "generator, PostgreSQL, moto and workers share the machine's cores",
        "figures": figures,
    }
    base.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = "scale_out_quick.json" if args.quick else "scale_out.json"
    (base.RESULTS_DIR / name).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: bench/results/{name}")


if __name__ == "__main__":
    main()
