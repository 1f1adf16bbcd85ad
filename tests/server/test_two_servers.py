"""Two `cesp-server serve` processes (two "hosts": two data directories, two ports) on one
PostgreSQL, one S3 endpoint (moto on loopback) and one SMTP sink: every piece of shared
state goes through the database or the object store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, create_engine, select

from cesp_server.mail.outbox import queue_mail
from cesp_server.models import OutboxMail
from cesp_server.settings import Settings
from tests.support.accounts import create_cesp_account, login
from tests.support.dossiers import (
    complete_cesp_values,
    create_dossier,
    fill_dossier,
    make_campaign,
    tiny_pdf,
    transmit,
    upload,
)
from tests.support.postgres import PostgresCluster, free_port
from tests.support.s3 import S3Endpoint
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.postgres


@dataclass
class Host:
    url: str
    settings: Settings
    app: SimpleNamespace
    process: subprocess.Popen[str]

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=30.0)


def _start(env: dict[str, str], data_dir: Path, engine: Engine) -> Host:
    port = free_port()
    env = {**env, "CESP_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cesp_server.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/ready", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    settings = Settings(data_dir=data_dir, database_url=env["CESP_DATABASE_URL"])
    return Host(url, settings, SimpleNamespace(state=SimpleNamespace(engine=engine)), process)


@pytest.fixture
def cluster_env(
    tmp_path: Path, pg_cluster: PostgresCluster, s3: S3Endpoint, smtp: SmtpSink
) -> dict[str, str]:
    values = s3.new_bucket_settings()
    return {
        **os.environ,
        "CESP_DATABASE_URL": pg_cluster.create_database(),
        **{f"CESP_{k.upper()}": str(v) for k, v in values.items()},
        "CESP_MAIL_BACKEND": "smtp",
        "CESP_SMTP_HOST": "127.0.0.1",
        "CESP_SMTP_PORT": str(smtp.port),
        "CESP_LOGIN_MAX_FAILURES": "4",
    }


@pytest.fixture
def hosts(tmp_path: Path, cluster_env: dict[str, str]) -> Iterator[tuple[Host, Host]]:
    engine = create_engine(cluster_env["CESP_DATABASE_URL"])
    first = _start(cluster_env, tmp_path / "host-a", engine)
    second = _start(cluster_env, tmp_path / "host-b", engine)
    yield first, second
    for host in (first, second):
        host.process.terminate()
        host.process.wait(timeout=30)
    engine.dispose()


def _both(*calls):
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result() for f in [pool.submit(call) for call in calls]]


def test_two_hosts_share_pieces_transmissions_limits_and_versions(
    hosts: tuple[Host, Host], smtp: SmtpSink
) -> None:
    a, b = hosts
    campaign = make_campaign(a, "cesp")  # type: ignore[arg-type]
    email = "deux.hotes@exemple.fr"
    token = create_cesp_account(a, smtp, email)  # type: ignore[arg-type]

    # a piece uploaded through one host is downloaded through the other
    with a.client(token) as ca, b.client(token) as cb:
        dossier = create_dossier(ca, campaign)
        body = tiny_pdf("partagé")
        piece = upload(ca, dossier["id"], "cv", body, "partage.pdf").json()
        got = cb.get(f"/dossiers/{dossier['id']}/pieces/cv/{piece['id']}/content")
        assert got.status_code == 200 and got.content == body
        assert cb.delete(f"/dossiers/{dossier['id']}/pieces/cv/{piece['id']}").status_code == 204
        assert (
            ca.get(f"/dossiers/{dossier['id']}/pieces/cv/{piece['id']}/content").status_code == 404
        )

        # If-Match: the same version saved on both at once, one winner
        version = ca.get(f"/dossiers/{dossier['id']}").json()["version"]
        tab = "etat_civil"

        values = complete_cesp_values()[tab]

        def save(client: httpx.Client, nom: str):
            return lambda: client.put(
                f"/dossiers/{dossier['id']}/tabs/{tab}",
                json={"values": values},
                headers={"If-Match": f'"{version}"'},
            )

        answers = _both(save(ca, "Alpha"), save(cb, "Beta"))
        assert sorted(r.status_code for r in answers) == [200, 412], [r.text for r in answers]

        # transmissions sent to both at once: one winner, one mail
        full = ca.get(f"/dossiers/{dossier['id']}").json()
        fill_dossier(ca, full)
        full = ca.get(f"/dossiers/{dossier['id']}").json()
        answers = _both(
            lambda: transmit(ca, full, key=str(uuid.uuid4())),
            lambda: transmit(cb, full, key=str(uuid.uuid4())),
        )
        assert sorted(r.status_code for r in answers)[0] == 200, [r.text for r in answers]
        assert [r.status_code for r in answers].count(200) == 1, [r.text for r in answers]
    smtp.wait_for(email, "Confirmation de transmission")
    time.sleep(1.0)  # a second mail, if any, would be on its way by now
    assert len(smtp.find(email, "Confirmation de transmission")) == 1

    # a limit counts the requests of both hosts: failed logins alternate between them
    statuses = []
    for i in range(4):
        host = (a, b)[i % 2]
        with host.client() as c:
            statuses.append(
                c.post("/auth/login", json={"identifier": email, "password": f"Faux#{i}0"})
            )
    assert [r.status_code for r in statuses] == [401, 401, 401, 423], [r.text for r in statuses]
    with pytest.raises(AssertionError):
        login(b, email)  # type: ignore[arg-type]


def test_jobs_run_on_both_hosts_sends_each_mail_once(
    tmp_path: Path, cluster_env: dict[str, str], smtp: SmtpSink
) -> None:
    engine = create_engine(cluster_env["CESP_DATABASE_URL"])
    host_a = Host("", Settings(), SimpleNamespace(state=SimpleNamespace(engine=engine)), None)  # type: ignore[arg-type]
    # the schema comes from the first command; queue after it exists
    subprocess.run(
        [sys.executable, "-m", "cesp_server.cli", "user", "list"],
        env={**cluster_env, "CESP_DATA_DIR": str(tmp_path / "host-a")},
        check=True,
        capture_output=True,
    )
    with Session(host_a.app.state.engine) as db:
        for i in range(40):
            queue_mail(
                db,
                to=f"cron{i}@exemple.fr",
                template="identifiant_connexion",
                context={"prenom": "A", "nom": "B", "username": f"u{i}"},
            )
        db.commit()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "cesp_server.cli", "jobs", "run"],
            env={**cluster_env, "CESP_DATA_DIR": str(tmp_path / name)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("host-a", "host-b")
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert len(smtp.messages) == 40
    assert len({str(m["To"]) for m in smtp.messages}) == 40
    with Session(engine) as db:
        assert all(m.sent_at is not None for m in db.exec(select(OutboxMail)))
    engine.dispose()
