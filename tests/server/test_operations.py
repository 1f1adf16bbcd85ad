"""What operators run: `cesp-server serve --workers 2` with metrics summed over the
workers, and JSON log lines that stay masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.dossiers import CESP_NIR
from tests.support.postgres import free_port


def _serve(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "cesp_server.cli", "serve", "--port", str(port), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{url}/api/v1/ready", timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    _out, err = process.communicate(timeout=30)
    return err


def test_metrics_of_two_workers_are_summed(tmp_path: Path, database_url: str) -> None:
    env = {
        **os.environ,
        "CESP_DATABASE_URL": database_url,
        "CESP_DATA_DIR": str(tmp_path / "data"),
        "CESP_METRICS_ENABLED": "true",
        "CESP_METRICS_TOKEN": "jeton",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process, url = _serve(env, "--workers", "2")
    try:
        for _ in range(40):  # new connections: both workers take some
            assert httpx.get(f"{url}/api/v1/health").status_code == 200
        auth = {"Authorization": "Bearer jeton"}
        for _ in range(6):  # whichever worker answers the scrape, it reports all 40
            text = httpx.get(f"{url}/metrics", headers=auth).text
            line = next(
                line
                for line in text.splitlines()
                if line.startswith("cesp_http_requests_total")
                and 'route="/api/v1/health"' in line
                and 'status="200"' in line
            )
            assert float(line.rsplit(" ", 1)[1]) >= 40, line
    finally:
        _stop(process)


def test_json_logs_are_masked(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CESP_DATA_DIR": str(tmp_path / "data"),
        "CESP_LOG_JSON": "true",
    }
    process, url = _serve(env)
    try:
        httpx.get(f"{url}/api/v1/dossiers", params={"q": CESP_NIR})
    finally:
        err = _stop(process)
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert lines, err
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in lines)
    access = [e for e in lines if e["logger"] == "uvicorn.access" and "/dossiers" in e["message"]]
    assert access, lines
    assert CESP_NIR not in err and CESP_NIR[3:13] not in err
