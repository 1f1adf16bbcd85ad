"""`cesp-server`: staff accounts, campaigns, jobs and mail from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from cesp_core.validators import password_problems
from cesp_server.cli import generate_password, main
from cesp_server.mail.outbox import queue_mail
from cesp_server.models import Campaign, OutboxMail, RateCounter, utcnow
from tests.support.accounts import login
from tests.support.postgres import free_port
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


def _cli(server: ServerHandle, *args: str) -> int:
    return main(
        [
            "--database-url",
            server.settings.resolved_database_url,
            "--data-dir",
            str(server.settings.data_dir),
            *args,
        ]
    )


def test_user_create_then_login(server: ServerHandle, capsys: pytest.CaptureFixture[str]) -> None:
    rc = _cli(
        server,
        "user",
        "create",
        "--role",
        "instructeur",
        "--email",
        "Ins@ARS.fr",
        "--nom",
        "Lefèvre",
        "--prenom",
        "Anne",
        "--password",
        "Instruct#2026",
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "identifiant anne.lefevre" in out and "Instruct#2026" not in out
    token = login(server, "anne.lefevre", "Instruct#2026")
    with server.client(token) as c:
        assert c.get("/auth/me").json()["role"] == "instructeur"
    # the same address twice is refused, in French
    rc = _cli(
        server,
        "user",
        "create",
        "--role",
        "agent",
        "--email",
        "ins@ars.fr",
        "--nom",
        "X",
        "--prenom",
        "Y",
        "--password",
        "Instruct#2026",
    )
    assert rc == 1 and "existe déjà" in capsys.readouterr().err


def test_user_create_generated_password(
    server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _cli(
            server,
            "user",
            "create",
            "--role",
            "admin",
            "--email",
            "adm@ars.fr",
            "--nom",
            "Admin",
            "--prenom",
            "Root",
            "--generate",
        )
        == 0
    )
    out = capsys.readouterr().out
    password = out.rsplit(": ", 1)[1].strip()
    assert password_problems(password) == []
    assert login(server, "adm@ars.fr", password)


def test_user_create_refusals(server: ServerHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _cli(
            server,
            "user",
            "create",
            "--role",
            "agent",
            "--email",
            "a@ars.fr",
            "--nom",
            "A",
            "--prenom",
            "B",
            "--password",
            "faible",
        )
        == 1
    )
    assert "au moins 8 caractères" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        _cli(
            server,
            "user",
            "create",
            "--role",
            "candidat",
            "--email",
            "a@ars.fr",
            "--nom",
            "A",
            "--prenom",
            "B",
            "--password",
            "Fort#2026x",
        )
    assert exc.value.code == 2
    assert generate_password() != generate_password()


def test_campaign_create_and_list(server: ServerHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _cli(
            server,
            "campaign",
            "create",
            "--demarche",
            "asp",
            "--year",
            "2026",
            "--label",
            "ASP Île-de-France 2026",
            "--opens",
            "2026-01-15 09:00",
            "--closes",
            "2026-03-13 23:59",
        )
        == 0
    )
    assert "13/03/2026 à 23:59" in capsys.readouterr().out
    with Session(server.app.state.engine) as db:
        campaign = db.exec(select(Campaign)).one()
    # stored in UTC: Paris is UTC+1 in winter
    assert campaign.opens_at == datetime(2026, 1, 15, 8, 0)
    assert campaign.closes_at == datetime(2026, 3, 13, 22, 59, 59, 999999)  # inclusive minute
    assert _cli(server, "campaign", "list") == 0
    assert "ASP Île-de-France 2026" in capsys.readouterr().out
    assert (
        _cli(
            server,
            "campaign",
            "create",
            "--demarche",
            "cesp",
            "--year",
            "2026",
            "--label",
            "X",
            "--opens",
            "demain",
            "--closes",
            "2026-03-13 23:59",
        )
        == 1
    )
    assert "illisibles" in capsys.readouterr().err


def test_jobs_run_concurrently_sends_each_mail_once(server: ServerHandle, smtp: SmtpSink) -> None:
    with Session(server.app.state.engine) as db:
        for i in range(30):
            queue_mail(
                db,
                to=f"cron{i}@exemple.fr",
                template="identifiant_connexion",
                context={"prenom": "A", "nom": "B", "username": f"u{i}"},
            )
        db.add(RateCounter(key="old", window_start=utcnow() - timedelta(days=10), count=3))
        db.commit()
    env = {
        **os.environ,
        "CESP_DATABASE_URL": server.settings.resolved_database_url,
        "CESP_DATA_DIR": str(server.settings.data_dir),
        "CESP_MAIL_BACKEND": "smtp",
        "CESP_SMTP_HOST": "127.0.0.1",
        "CESP_SMTP_PORT": str(smtp.port),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "cesp_server.cli", "jobs", "run"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    sent = [int(out.split("e-mails envoyés : ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(sent) == 30
    assert len(smtp.messages) == 30
    assert len({str(m["To"]) for m in smtp.messages}) == 30
    with Session(server.app.state.engine) as db:
        assert db.exec(select(RateCounter)).all() == []  # old counters are purged


def test_mail_flush(
    server: ServerHandle,
    smtp: SmtpSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Session(server.app.state.engine) as db:
        queue_mail(
            db,
            to="flush@exemple.fr",
            template="identifiant_connexion",
            context={"prenom": "A", "nom": "B", "username": "u"},
        )
        db.commit()
    # the sink is the server's SMTP: the CLI reads the same settings from the environment
    monkeypatch.setenv("CESP_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("CESP_SMTP_PORT", str(smtp.port))
    assert _cli(server, "mail", "flush", "--retry-now") == 0
    assert "E-mails envoyés : 1 ; en attente d'un nouvel essai : 0." in capsys.readouterr().out
    smtp.wait_for("flush@exemple.fr")
    with Session(server.app.state.engine) as db:
        assert db.exec(select(OutboxMail)).one().sent_at is not None


def test_help_is_french() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cesp_server.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Comptes du personnel" in result.stdout and "Campagnes" in result.stdout


def test_serve_answers_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CESP_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cesp_server.cli",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert (tmp_path / "data" / "cesp.db").exists()


def test_without_database_uses_the_embedded_platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No database configured: `cesp-server` works on the directory where the client's
    embedded platform keeps its data, says which, and the staff account it creates logs in
    on the platform the client starts."""
    from cesp_client.config import load_config
    from cesp_client.embedded import EmbeddedPlatform

    for name in ("CESP_DATABASE_URL", "CESP_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CESP_CLIENT_DATA_DIR", str(tmp_path / "client"))
    monkeypatch.setenv("CESP_CLIENT_CONFIG", str(tmp_path / "absent.toml"))
    platform_dir = load_config().platform_dir
    rc = main(
        [
            "user",
            "create",
            "--role",
            "support",
            "--email",
            "support@ars.fr",
            "--nom",
            "Martin",
            "--prenom",
            "Léa",
            "--password",
            "Support#2026",
        ]
    )
    assert rc == 0
    err = capsys.readouterr().err
    assert str(platform_dir) in err and "plateforme intégrée" in err
    assert (platform_dir / "cesp.db").exists()
    platform = EmbeddedPlatform(log_to_file=False)
    url = platform.start(platform_dir)
    try:
        r = httpx.post(
            f"{url}/api/v1/auth/login",
            json={"identifier": "lea.martin", "password": "Support#2026"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
    finally:
        platform.stop()
