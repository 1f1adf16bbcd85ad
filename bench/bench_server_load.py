"""Load on the platform server over loopback, next to a bare endpoint of the same stack.

Run from the repository root::

    .venv/bin/python bench/bench_server_load.py                 # 200 clients x 30 s, SQLite
    .venv/bin/python bench/bench_server_load.py --quick         # 20 clients x 5 s
    .venv/bin/python bench/bench_server_load.py --database-url postgresql+psycopg://...
    .venv/bin/python bench/bench_server_load.py --think-ms 20000 --skip-bare  # paced users

1. Set-up (not timed): a temporary data directory; the database (SQLite there, or
   ``--database-url``) gets an open CESP campaign and ``--clients`` staff ``agent`` accounts
   made by `cesp_server.crud.accounts.create_staff_account` (the function of ``cesp-server
   user create``). Once the server is up, each account logs in (``POST /auth/login``, its
   own session token) and creates its own dossier (``POST /dossiers``, client UUID).
2. The real server in its own process: ``cesp-server serve --host 127.0.0.1 --port P
   --workers W`` with ``CESP_DATABASE_URL`` (and the pieces and Maildir under the temporary
   directory; see `server_env` for why not ``CESP_DATA_DIR``); ready on ``/api/v1/health``.
3. The load, from this process (asyncio on uvloop, one `httpx.AsyncClient` with one
   keep-alive connection per client, see `run_load`): each client loops ``PUT
   /dossiers/{id}/tabs/adresse`` (a real change each time, ``If-Match`` = the version of
   the previous answer's ``ETag``) then ``GET /dossiers/{id}``, for ``--seconds`` after an
   untimed warm-up; with no pause by default (closed loop), or ``--think-ms`` on average
   between two save+read steps. Every request's latency and outcome is kept; errors are
   non-2xx answers (a 412 counts: with one client per dossier it should never happen; the
   client then takes the version it is given), exceptions and timeouts.
4. The baseline: `bench_bare_endpoint_app` (same FastAPI + SQLModel + uvicorn, same
   engine, pragmas and session dependency, a sync endpoint doing one INSERT and one doing
   one SELECT by primary key) in its own uvicorn process, under the same generator,
   clients and duration.
5. Prints for both requests/s, p50/p90/p99/max latency, errors by kind, the CPU time the
   server process(es) and the generator used, platform/bare throughput and server CPU per
   request; the targets (p99 < 100 ms, no error, at least half the bare throughput) are
   printed as met or not, never asserted. Everything goes to
   ``bench/results/server_load.json`` (``server_load_quick.json`` with ``--quick``) with the
   machine (cores, load average, Python, database).

Only 127.0.0.1 is used; every loop is bounded by the duration and the request timeout.
With PostgreSQL the accounts, campaign and dossiers stay in the database (the baseline's
table is dropped); the database server's own CPU is not in the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import shlex
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import httpx
import psutil

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from cesp_server.settings import Settings  # noqa: E402

RESULTS_DIR = REPO_ROOT / "bench" / "results"
T = TypeVar("T")
TARGET_P99_MS = 100.0
TARGET_RATIO = 0.5
PASSWORD = "Motdepasse1!"
#: `cesp_server.limits.LIMITS.login_per_ip` is 300 per 10 minutes from one address: past
#: this many accounts, the session is opened in the database (same `create_session`).
MAX_HTTP_LOGINS = 250


# --- payloads -----------------------------------------------------------------------------


def adresse_values(client: int, turn: int) -> dict[str, Any]:
    """A complete "adresse" tab (Limoges); the street number changes every save."""
    return {
        "adresse": f"{1 + (client * 7 + turn) % 180} rue Jean Jaurès",
        "complement": "Bâtiment B, 3e étage" if turn % 2 else None,
        "pays": "FR",
        "code_postal": "87000",
        "commune": "87085",
        "telephone": "06 12 34 56 78",
        "email": None,
    }


# --- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(values: Sequence[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 2),
        "p90_ms": round(percentile(values, 90), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
        "mean_ms": round(statistics.fmean(values), 2),
    }


@dataclass
class Sample:
    kind: str
    start: float
    end: float
    #: "ok", or what went wrong: "HTTP 412", "timeout", an exception's class name.
    outcome: str

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)

    def add(self, kind: str, start: float, outcome: str) -> None:
        self.samples.append(Sample(kind, start, time.perf_counter(), outcome))

    def summarize(self, timed_from: float, stop_at: float) -> dict[str, Any]:
        """Latencies and errors of every request in flight during the window (started
        before its end, ended after its start: leaving out the slow ones, or those stuck
        since the warm-up, would flatter the tail); throughput from those that ended in it."""
        started = [s for s in self.samples if s.start < stop_at and s.end >= timed_from]
        ended = [s for s in self.samples if timed_from <= s.end < stop_at]
        seconds = stop_at - timed_from
        ok = [s for s in started if s.outcome == "ok"]
        kinds = sorted({s.kind for s in started})
        errors = Counter(f"{s.kind} {s.outcome}" for s in started if s.outcome != "ok")
        return {
            "window_s": round(seconds, 3),
            "requests": len(ended),
            "requests_per_s": round(len(ended) / seconds, 1),
            "ok_requests_per_s": round(sum(s.outcome == "ok" for s in ended) / seconds, 1),
            "latency_ms": latency_summary([s.ms for s in started]),
            "ok_latency_ms": latency_summary([s.ms for s in ok]),
            "by_kind": {k: latency_summary([s.ms for s in ok if s.kind == k]) for k in kinds},
            "errors": dict(sorted(errors.items())),
            "error_count": sum(errors.values()),
        }


# --- processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venv_bin(name: str) -> str:
    for folder in (Path(sys.executable).parent, REPO_ROOT / ".venv" / "bin"):
        candidate = folder / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} not found (run with the project's virtualenv)")
    return found


@dataclass
class ServerProcess:
    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    command: list[str] = field(default_factory=list)

    def display_command(self) -> str:
        return shlex.join([Path(self.command[0]).name, *self.command[1:]])

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        try:
            root = psutil.Process(self.process.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0.0
        total = 0.0
        for proc in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class ServerStartError(RuntimeError):
    """The server exited or never answered its health URL; the message holds its log."""


def start_process(
    name: str, command: list[str], env: dict[str, str], health_url: str, log_path: Path
) -> ServerProcess:
    log = log_path.open("wb")
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(REPO_ROOT)
    )
    log.close()
    base_url = health_url.split("/", 3)[:3]
    handle = ServerProcess(name, process, "/".join(base_url), log_path, command)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"{name} exited ({process.returncode}):\n{log_path.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(health_url, timeout=2).status_code == 200:
                return handle
        time.sleep(0.2)
    handle.stop()
    raise ServerStartError(f"{name} did not answer {health_url}:\n{log_path.read_text()}")


def start_platform(args: argparse.Namespace, data_dir: Path, logs: Path) -> ServerProcess:
    """``cesp-server serve``; if it cannot start, the same `uvicorn.run` call by the uvicorn
    command line (what `cmd_serve` runs after its schema check), with a warning."""
    port = free_port()
    common = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers)]
    env = server_env(data_dir, args.database_url)
    health = f"http://127.0.0.1:{port}/api/v1/health"
    command = [venv_bin("cesp-server"), "serve", *common, "--log-level", "warning"]
    try:
        server = start_process("platform", command, env, health, logs / "platform.log")
    except ServerStartError as exc:
        print(f"WARNING: cesp-server serve did not start; uvicorn directly instead.\n{exc}")
        command = [
            venv_bin("uvicorn"),
            "cesp_server.app:create_app",
            "--factory",
            *common,
            "--proxy-headers",
            "--log-level",
            "warning",
        ]
        server = start_process("platform", command, env, health, logs / "platform-uvicorn.log")
    server.command = command
    return server


def database_url_for(data_dir: Path, database_url: str) -> str:
    return database_url or f"sqlite:///{data_dir / 'cesp.db'}"


def server_env(data_dir: Path, database_url: str) -> dict[str, str]:
    """The server's settings, everything under `data_dir`.

    ``CESP_DATA_DIR`` is not set: `cesp_core.referentials` reads its CSV files from the
    same variable, so pointing it at an empty data directory breaks every rule that needs
    a referential (500 on the first dossier). The database URL, the pieces and the Maildir
    are given one by one instead, and ``XDG_DATA_HOME`` keeps the default data directory
    (which `make_engine` creates) inside `data_dir` too.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CESP_")}
    env["CESP_DATABASE_URL"] = database_url_for(data_dir, database_url)
    env["CESP_FILES_DIR"] = str(data_dir / "pieces")
    env["CESP_MAILDIR_PATH"] = str(data_dir / "maildir")
    env["XDG_DATA_HOME"] = str(data_dir / "xdg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


# --- set-up -------------------------------------------------------------------------------


@dataclass
class ClientState:
    index: int
    email: str
    token: str = ""
    dossier_id: str = ""
    version: int = 0
    turn: int = 0
    row_id: int = 0


def prepare_database(settings: Settings, clients: int, tag: str) -> tuple[int, list[ClientState]]:
    """An open CESP campaign and one agent account per client (not yet logged in)."""
    from sqlmodel import Session

    from cesp_server.app import init_database
    from cesp_server.crud.accounts import create_staff_account
    from cesp_server.crud.campaigns import create_campaign
    from cesp_server.db import make_engine

    engine = make_engine(settings)
    state = SimpleNamespace(engine=engine, settings=settings)
    init_database(SimpleNamespace(state=state))  # type: ignore[arg-type]
    now = datetime.now(UTC)
    states = []
    with Session(engine, expire_on_commit=False) as session:
        campaign = create_campaign(
            session,
            demarche="cesp",
            year=now.year,
            label=f"Campagne CESP de charge {tag}",
            opens_at=now - timedelta(days=10),
            closes_at=now + timedelta(days=30),
        )
        for index in range(clients):
            email = f"agent.charge.{tag}.{index}@exemple.fr"
            create_staff_account(
                session,
                role="agent",
                email=email,
                nom=f"Charge{index}",
                prenom="Agent",
                password=PASSWORD,
            )
            states.append(ClientState(index=index, email=email))
    engine.dispose()
    assert campaign.id is not None
    return campaign.id, states


def open_sessions_in_db(settings: Settings, states: Sequence[ClientState]) -> None:
    """Sessions for the accounts past the per-address login limit (same crud function)."""
    if not states:
        return
    from sqlmodel import Session

    from cesp_server.crud.accounts import create_session, find_by_email
    from cesp_server.db import make_engine

    engine = make_engine(settings)
    with Session(engine, expire_on_commit=False) as session:
        for state in states:
            account = find_by_email(session, state.email)
            assert account is not None
            state.token, _auth = create_session(session, settings, account, "bench")
        session.commit()
    engine.dispose()


async def login_and_create(
    api: str, campaign_id: int, states: Sequence[ClientState], concurrency: int = 8
) -> None:
    """POST /auth/login (those not logged in yet) then POST /dossiers for every client."""
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=api, timeout=120) as client:

        async def one(state: ClientState) -> None:
            async with semaphore:
                if not state.token:
                    r = await client.post(
                        "/auth/login", json={"identifier": state.email, "password": PASSWORD}
                    )
                    if r.status_code != 200:
                        raise SystemExit(f"login {state.email}: {r.status_code} {r.text}")
                    state.token = r.json()["token"]
                state.dossier_id = str(uuid.uuid4())
                r = await client.post(
                    "/dossiers",
                    json={"id": state.dossier_id, "campaign_id": campaign_id},
                    headers={"Authorization": f"Bearer {state.token}"},
                )
                if r.status_code not in (200, 201):
                    raise SystemExit(f"dossier of {state.email}: {r.status_code} {r.text}")
                state.version = int(r.json()["version"])

        await asyncio.gather(*(one(s) for s in states))


# --- load -----------------------------------------------------------------------------------


def version_of(response: httpx.Response) -> int | None:
    tag = response.headers.get("etag", "").strip().removeprefix("W/").strip('"')
    return int(tag) if tag.isdigit() else None


Step = Callable[[httpx.AsyncClient, ClientState, Recorder], Awaitable[None]]


async def timed_request(
    rec: Recorder, kind: str, send: Callable[[], Awaitable[httpx.Response]]
) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response = await send()
    except httpx.TimeoutException:
        rec.add(kind, start, "timeout")
        return None
    except httpx.HTTPError as exc:
        rec.add(kind, start, type(exc).__name__)
        return None
    ok = 200 <= response.status_code < 300
    rec.add(kind, start, "ok" if ok else f"HTTP {response.status_code}")
    return response


async def platform_step(client: httpx.AsyncClient, state: ClientState, rec: Recorder) -> None:
    headers = {"Authorization": f"Bearer {state.token}", "If-Match": f'"{state.version}"'}
    state.turn += 1
    body = {"values": adresse_values(state.index, state.turn)}
    url = f"/dossiers/{state.dossier_id}/tabs/adresse"
    response = await timed_request(rec, "save", lambda: client.put(url, json=body, headers=headers))
    if response is not None:
        version = version_of(response)
        if version is not None:
            state.version = version  # the new one, or the current one given with a 412
    auth = {"Authorization": f"Bearer {state.token}"}
    read_url = f"/dossiers/{state.dossier_id}"
    response = await timed_request(rec, "read", lambda: client.get(read_url, headers=auth))
    if response is not None and response.status_code == 200:
        version = version_of(response)
        if version is not None:
            state.version = version


async def bare_step(client: httpx.AsyncClient, state: ClientState, rec: Recorder) -> None:
    state.turn += 1
    body = {"client": state.index, "values": adresse_values(state.index, state.turn)}
    response = await timed_request(rec, "save", lambda: client.post("/rows", json=body))
    if response is not None and response.status_code == 201:
        state.row_id = int(response.json()["id"])
    if state.row_id:
        url = f"/rows/{state.row_id}"
        await timed_request(rec, "read", lambda: client.get(url))


async def run_load(
    base_url: str,
    states: Sequence[ClientState],
    step: Step,
    *,
    seconds: float,
    warmup: float,
    timeout: float,
    think: float,
    server_cpu: Callable[[], float],
) -> dict[str, Any]:
    """Every client loops `step` for warm-up + `seconds`; only the timed window is kept.

    Each client has its own `httpx.AsyncClient` holding one keep-alive connection: one
    client shared by all, with a pool of `len(states)` connections, costs the generator
    O(pool) CPU per request in httpcore's pool bookkeeping (measured here: 2.7 ms per
    request with 1 client, 5.2 ms with 20, 15.6 ms with 200), which on a small machine
    starves the server it is measuring.
    """
    rec = Recorder()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=base_url, limits=limits, timeout=httpx.Timeout(timeout))
        for _ in states
    ]
    start = time.perf_counter()
    timed_from, stop_at = start + warmup, start + warmup + seconds

    async def worker(client: httpx.AsyncClient, state: ClientState) -> None:
        # With pauses, clients start spread over one pause and pause 0.5-1.5 x `think`:
        # all of them in step would measure bursts, not the offered rate.
        rng = random.Random(state.index)
        if think:
            await asyncio.sleep(rng.uniform(0, think))
        while time.perf_counter() < stop_at:
            await step(client, state, rec)
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    try:
        tasks = [asyncio.create_task(worker(c, s)) for c, s in zip(clients, states, strict=True)]
        await asyncio.sleep(max(0.0, timed_from - time.perf_counter()))
        cpu_start, server_start = time.process_time(), server_cpu()
        load_start = os.getloadavg()
        await asyncio.sleep(max(0.0, stop_at - time.perf_counter()))
        generator_cpu = time.process_time() - cpu_start
        server_used = server_cpu() - server_start
        load_end = os.getloadavg()
        await asyncio.gather(*tasks)
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    result = rec.summarize(timed_from, stop_at)
    per_request = 1000 / result["requests"] if result["requests"] else math.nan
    result["cpu"] = {
        "server_s": round(server_used, 2),
        "server_ms_per_request": round(server_used * per_request, 3),
        "generator_s": round(generator_cpu, 2),
        "generator_ms_per_request": round(generator_cpu * per_request, 3),
    }
    result["loadavg_window_start"] = [round(x, 2) for x in load_start]
    result["loadavg_window_end"] = [round(x, 2) for x in load_end]
    return result


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when it is installed (it is, with uvicorn[standard]): a cheaper
    generator leaves more of the shared cores to the server."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def measure(
    server: ServerProcess,
    base_url: str,
    states: Sequence[ClientState],
    step: Step,
    args: argparse.Namespace,
) -> dict[str, Any]:
    return run_async(
        run_load(
            base_url,
            states,
            step,
            seconds=args.seconds,
            warmup=args.warmup,
            timeout=args.timeout,
            think=args.think_ms / 1000,
            server_cpu=server.cpu_seconds,
        )
    )


def drop_bare_table(database_url: str) -> None:
    """The baseline's table, left in a shared database by the bare endpoint."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS bench_row"))
    engine.dispose()


# --- report ---------------------------------------------------------------------------------


def describe_database(url: str, data_dir: Path) -> dict[str, str]:
    if not url:
        return {
            "kind": "sqlite",
            "path": str(data_dir / "cesp.db"),
            "sqlite_version": sqlite3.sqlite_version,
            "pragmas": "journal_mode=WAL, synchronous=NORMAL, foreign_keys=ON, busy_timeout",
        }
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return {"kind": parsed.get_backend_name(), "url": parsed.render_as_string(hide_password=True)}


def machine_info() -> dict[str, Any]:
    import fastapi
    import sqlalchemy
    import uvicorn

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "httpx": httpx.__version__,
    }


def print_result(name: str, result: dict[str, Any]) -> None:
    lat, cpu = result["latency_ms"], result["cpu"]
    print(f"\n{name}")
    print(
        f"  {result['requests']} requests in {result['window_s']:g} s: "
        f"{result['requests_per_s']} req/s ({result['ok_requests_per_s']} ok/s)"
    )
    if lat.get("n"):
        print(
            f"  latency ms (all)  p50 {lat['p50_ms']}  p90 {lat['p90_ms']}  "
            f"p99 {lat['p99_ms']}  max {lat['max_ms']}"
        )
    for kind, summary in result["by_kind"].items():
        if summary.get("n"):
            print(
                f"    {kind:<5} ok n={summary['n']:<6} p50 {summary['p50_ms']}  "
                f"p90 {summary['p90_ms']}  p99 {summary['p99_ms']}  max {summary['max_ms']}"
            )
    errors = result["errors"] or {"none": 0}
    print("  errors: " + ", ".join(f"{k}: {v}" for k, v in errors.items()))
    print(
        f"  CPU in the window: server {cpu['server_s']} s "
        f"({cpu['server_ms_per_request']} ms/request), generator {cpu['generator_s']} s "
        f"({cpu['generator_ms_per_request']} ms/request)"
    )
    print(f"  load avg {result['loadavg_window_start']} -> {result['loadavg_window_end']}")


def verdict(platform_result: dict[str, Any], bare: dict[str, Any] | None) -> dict[str, Any]:
    p99 = platform_result["latency_ms"].get("p99_ms", math.inf)
    errors = platform_result["error_count"]
    ratio = (
        platform_result["requests_per_s"] / bare["requests_per_s"]
        if bare and bare["requests_per_s"]
        else None
    )
    cpu_ratio = (
        bare["cpu"]["server_ms_per_request"] / platform_result["cpu"]["server_ms_per_request"]
        if bare and platform_result["requests"] and bare["requests"]
        else None
    )
    return {
        "throughput_ratio": round(ratio, 3) if ratio is not None else None,
        #: Server CPU per request, bare / platform: the same comparison, less sensitive to
        #: what else runs on the machine and to the generator's share of the cores.
        "server_cpu_per_request_ratio": round(cpu_ratio, 3) if cpu_ratio is not None else None,
        "targets": {
            "p99_under_100_ms": {"value": p99, "met": p99 < TARGET_P99_MS},
            "zero_errors": {"value": errors, "met": errors == 0},
            "at_least_half_bare_throughput": {
                "value": round(ratio, 3) if ratio is not None else None,
                "met": ratio is not None and ratio >= TARGET_RATIO,
            },
        },
    }


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=None, help="concurrent clients (200)")
    parser.add_argument("--seconds", type=float, default=None, help="timed duration (30)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 20 clients x 5 s")
    parser.add_argument("--database-url", default="", help="SQLAlchemy URL (default: SQLite)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--warmup", type=float, default=None, help="untimed warm-up, s (3, or 1 with --quick)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout s")
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause of each client between steps (0: closed loop, no pause)",
    )
    parser.add_argument("--skip-bare", action="store_true", help="no baseline run")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument("--output", type=Path, default=None, help="JSON results path")
    args = parser.parse_args(argv)
    args.clients = args.clients or (20 if args.quick else 200)
    args.seconds = args.seconds or (5.0 if args.quick else 30.0)
    if args.warmup is None:  # paced clients start spread over one pause: wait for them all
        args.warmup = (1.0 if args.quick else 3.0) + args.think_ms / 1000
    name = "server_load_quick.json" if args.quick else "server_load.json"
    args.output = args.output or RESULTS_DIR / name
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    machine = machine_info()
    tmp = Path(tempfile.mkdtemp(prefix="cesp-server-load-"))
    tag = uuid.uuid4().hex[:8]
    print(
        f"{args.clients} clients x {args.seconds:g} s (+{args.warmup:g} s warm-up), "
        f"{args.workers} worker(s), database {'SQLite' if not args.database_url else 'URL'}; "
        f"{machine['cores']} cores, load avg {machine['loadavg_start']}; data in {tmp}"
    )
    platform_dir, bare_dir = tmp / "platform", tmp / "bare"
    settings = Settings(  # type: ignore[call-arg]
        data_dir=platform_dir, database_url=database_url_for(platform_dir, args.database_url)
    )
    servers: list[ServerProcess] = []
    results: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        campaign_id, states = prepare_database(settings, args.clients, tag)
        open_sessions_in_db(settings, states[MAX_HTTP_LOGINS:])
        print(
            f"set-up: campaign and {len(states)} agent accounts "
            f"in {time.perf_counter() - started:.1f} s"
        )

        server = start_platform(args, platform_dir, tmp)
        servers.append(server)
        api = f"{server.base_url}/api/v1"
        started = time.perf_counter()
        run_async(login_and_create(api, campaign_id, states))
        print(f"set-up: {len(states)} logins and dossiers in {time.perf_counter() - started:.1f} s")
        results["platform"] = measure(server, api, states, platform_step, args)
        results["platform"]["server_command"] = server.display_command()
        print_result(
            "platform (PUT /dossiers/{id}/tabs/adresse + GET /dossiers/{id})", results["platform"]
        )
        server.stop()
        servers.remove(server)

        if not args.skip_bare:
            port = free_port()
            bare = start_process(
                "bare endpoint",
                [
                    venv_bin("uvicorn"),
                    "--app-dir",
                    str(REPO_ROOT / "bench"),
                    "bench_bare_endpoint_app:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                ],
                server_env(bare_dir, args.database_url),
                f"http://127.0.0.1:{port}/health",
                tmp / "bare.log",
            )
            servers.append(bare)
            bare_states = [ClientState(index=s.index, email=s.email) for s in states]
            results["bare"] = measure(bare, bare.base_url, bare_states, bare_step, args)
            results["bare"]["server_command"] = bare.display_command()
            print_result(
                "bare endpoint (POST /rows: 1 INSERT + GET /rows/{id}: 1 SELECT)", results["bare"]
            )
    finally:
        for handle in servers:
            handle.stop()
        if args.database_url:
            drop_bare_table(args.database_url)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    checks = verdict(results["platform"], results.get("bare"))
    print("\ntargets (platform)")
    ratio = checks["throughput_ratio"]
    print(f"  throughput platform / bare: {ratio if ratio is not None else 'n/a'}")
    cpu_ratio = checks["server_cpu_per_request_ratio"]
    if cpu_ratio is not None:
        print(f"  server CPU per request, bare / platform: {cpu_ratio}")
    rps = results["platform"]["requests_per_s"]
    if rps and not args.think_ms:
        # Closed loop without pauses: every client always has a request in flight.
        print(
            f"  (closed loop: mean latency ~ clients / throughput = "
            f"{args.clients / rps * 1000:.0f} ms; p99 < {TARGET_P99_MS:g} ms at "
            f"{args.clients} clients needs > {args.clients / TARGET_P99_MS * 1000:.0f} req/s)"
        )
    labels = {
        "p99_under_100_ms": f"p99 < {TARGET_P99_MS:g} ms",
        "zero_errors": "zero errors",
        "at_least_half_bare_throughput": f"throughput >= {TARGET_RATIO:g} x bare",
    }
    for key, check in checks["targets"].items():
        print(f"  {labels[key]:<28} {check['value']!s:<10} {'met' if check['met'] else 'NOT MET'}")
    machine["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    document = {
        "bench": "server_load",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([".venv/bin/python", "bench/bench_server_load.py", *sys.argv[1:]]),
        "config": {
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup_s": args.warmup,
            "workers": args.workers,
            "timeout_s": args.timeout,
            "think_ms": args.think_ms,
            "mix": "1 save (PUT tab adresse, If-Match) : 1 read (GET dossier) per client",
        },
        "machine": machine,
        "database": describe_database(args.database_url, platform_dir),
        "results": results,
        **checks,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
