"""Pieces under load and faults: caps under concurrency, content checks, leftovers, the
S3 store going away, readiness, the sweep, migration between stores, metrics."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import pytest
from sqlmodel import Session, create_engine, select

from cesp_server.cli import main as cli_main
from cesp_server.models import Piece
from tests.support.accounts import create_cesp_account
from tests.support.dossiers import (
    TINY_JPEG,
    TINY_PNG,
    create_dossier,
    make_campaign,
    pdf_from_objects,
    tiny_pdf,
)
from tests.support.postgres import free_port
from tests.support.s3 import S3Endpoint, start_s3
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as settings_for
from tests.support.smtp import SmtpSink

KB = 1024


def _dossier(server: ServerHandle, smtp: SmtpSink, email: str) -> tuple[str, str]:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, email)
    with server.client(token) as c:
        return token, create_dossier(c, campaign)["id"]


def _post(server: ServerHandle, token: str, dossier_id: str, kind: str, body: bytes, name: str):
    mime = {"png": "image/png", "jpg": "image/jpeg"}.get(name.rsplit(".", 1)[-1], "application/pdf")
    with server.client(token) as c:
        return c.post(f"/dossiers/{dossier_id}/pieces/{kind}", files={"file": (name, body, mime)})


def _concurrently(calls: list) -> list[httpx.Response]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


# --- issue 15: caps under concurrent uploads ---------------------------------------------


def test_concurrent_uploads_keep_the_file_count(server: ServerHandle, smtp: SmtpSink) -> None:
    """12 uploads at once to a type limited to 10: 10 stored, 2 refused (was 12 stored)."""
    token, dossier_id = _dossier(server, smtp, "foule@exemple.fr")
    calls = [
        (lambda i=i: _post(server, token, dossier_id, "cv", tiny_pdf(f"cv {i}"), f"cv{i}.pdf"))
        for i in range(12)
    ]
    answers = _concurrently(calls)
    assert sorted(r.status_code for r in answers) == [201] * 10 + [409] * 2, [
        r.text for r in answers
    ]
    with server.client(token) as c:
        assert len(c.get(f"/dossiers/{dossier_id}/pieces").json()) == 10
    assert len(list(server.app.state.store.objects())) == 10  # the refused ones were removed


def test_concurrent_uploads_keep_the_dossier_total(server: ServerHandle, smtp: SmtpSink) -> None:
    """Six 3-unit uploads into a dossier with room for 5 units: the total stays under its cap."""
    token, dossier_id = _dossier(server, smtp, "total.foule@exemple.fr")
    unit = 20 * KB
    server.app.state.settings.max_dossier_bytes = 5 * unit
    kinds = ["cv", "rib", "piece_identite", "cv", "rib", "piece_identite"]
    calls = [
        (
            lambda i=i, kind=kind: _post(
                server,
                token,
                dossier_id,
                kind,
                tiny_pdf(f"gros {i}") + b"\n" * (unit * 3 // 2),
                f"f{i}.pdf",
            )
        )
        for i, kind in enumerate(kinds)
    ]
    answers = _concurrently(calls)
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 3 and codes.count(413) == 3, [r.text for r in answers]
    with Session(server.app.state.engine) as db:
        sizes = [p.size for p in db.exec(select(Piece).where(Piece.dossier_id == dossier_id))]
    assert sum(sizes) <= 5 * unit


# --- issue 15: content checks ------------------------------------------------------------


def _pdf_with(extra_object: bytes, catalog_extra: bytes = b"") -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 40] >>",
        extra_object,
    ]
    return pdf_from_objects(objects)


def test_polyglots_and_scripts_are_refused(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier_id = _dossier(server, smtp, "piege@exemple.fr")
    zip_tail = b"PK\x03\x04" + b"\x00" * 26 + b"evil.html" + b"<script>alert(1)</script>"
    refused = {
        "html_after_eof.pdf": (tiny_pdf("a") + b"<html><script>alert(1)</script></html>", 422),
        "zip_after_eof.pdf": (tiny_pdf("b") + zip_tail, 422),
        "open_action_js.pdf": (
            _pdf_with(b"<< /S /JavaScript /JS (app.alert(1)) >>", b"/OpenAction 4 0 R "),
            422,
        ),
        "names_js.pdf": (
            _pdf_with(
                b"<< /JavaScript << /Names [(x) << /S /JavaScript /JS (1) >>] >> >>",
                b"/Names 4 0 R ",
            ),
            422,
        ),
        "not_a_pdf.pdf": (b"%PDF-1.4\n<html><body>bonjour</body></html>\n%%EOF\n", 422),
        "zip_after.png": (TINY_PNG + zip_tail, 422),
        "bad_crc.png": (TINY_PNG[:-5] + b"\x00" + TINY_PNG[-4:], 422),
        "zip_after.jpg": (TINY_JPEG + zip_tail, 422),
    }
    for name, (body, status) in refused.items():
        r = _post(server, token, dossier_id, "cv", body, name)
        assert r.status_code == status, (name, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "Fichier refusé" in r.json()["detail"], name
    codes = {
        name: _post(server, token, dossier_id, "cv", body, name).json()["code"]
        for name, (body, _status) in refused.items()
    }
    assert codes["open_action_js.pdf"] == codes["names_js.pdf"] == "pdf_javascript"
    assert codes["zip_after_eof.pdf"] == "pdf_trailing_content"
    # a clean PDF with an ordinary object, and trailing blank padding, is accepted
    clean = _pdf_with(b"<< /Producer (CESP) >>") + b"\n\x00\x00\n"
    assert _post(server, token, dossier_id, "cv", clean, "ok.pdf").status_code == 201
    assert len(list(server.app.state.store.objects())) == 1
    assert not list((server.settings.resolved_files_dir / "tmp").glob("*"))


def test_scan_hook_refuses_what_the_scanner_flags(
    tmp_path: Path, database_url: str, smtp: SmtpSink
) -> None:
    scanner = tmp_path / "scan.sh"
    scanner.write_text("#!/bin/sh\nif grep -q EICAR; then exit 1; fi\nexit 0\n")
    scanner.chmod(0o755)
    handle = start_server(
        settings_for(tmp_path / "data", database_url, smtp.port, scan_command=str(scanner))
    )
    try:
        token, dossier_id = _dossier(handle, smtp, "virus@exemple.fr")
        r = _post(handle, token, dossier_id, "cv", tiny_pdf("EICAR"), "v.pdf")
        assert r.status_code == 422 and r.json()["code"] == "virus_found", r.text
        assert _post(handle, token, dossier_id, "cv", tiny_pdf("sain"), "s.pdf").status_code == 201
    finally:
        handle.stop()


# --- issue 15: leftovers of interrupted uploads ------------------------------------------


def _age(path: Path, hours: float) -> None:
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_stale_part_files_are_removed_at_start_and_by_jobs_run(
    tmp_path: Path, database_url: str, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    staging = tmp_path / "data" / "pieces" / "tmp"
    staging.mkdir(parents=True)
    stale, fresh = staging / "a.part", staging / "b.part"
    stale.write_bytes(b"interrompu")
    fresh.write_bytes(b"en cours")
    _age(stale, 3)
    handle = start_server(settings_for(tmp_path / "data", database_url, smtp.port))
    handle.stop()
    assert not stale.exists()
    assert fresh.exists()  # an upload of another worker may be in flight
    _age(fresh, 3)
    monkeypatch.setenv("CESP_DATABASE_URL", database_url)
    monkeypatch.setenv("CESP_DATA_DIR", str(tmp_path / "data"))
    assert cli_main(["jobs", "run"]) == 0
    assert not fresh.exists()


# --- S3: the store going away, readiness, sweep, migration -------------------------------


@pytest.fixture
def own_s3() -> Iterator[S3Endpoint]:
    """A moto server of the test's own (the test stops it)."""
    endpoint = start_s3()
    yield endpoint
    with contextlib.suppress(Exception):
        endpoint.stop()


def test_store_down_answers_503_and_keeps_nothing(
    tmp_path: Path, database_url: str, smtp: SmtpSink, own_s3: S3Endpoint
) -> None:
    settings = settings_for(
        tmp_path / "data", database_url, smtp.port, **own_s3.new_bucket_settings()
    )
    handle = start_server(settings)
    try:
        token, dossier_id = _dossier(handle, smtp, "panne@exemple.fr")
        assert _post(handle, token, dossier_id, "cv", tiny_pdf("avant"), "a.pdf").status_code == 201
        with httpx.Client(base_url=handle.url) as c:
            assert c.get("/api/v1/ready").json()["piece_store"] == "s3"
        own_s3.stop()
        r = _post(handle, token, dossier_id, "cv", tiny_pdf("pendant"), "b.pdf")
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "store_unavailable"
        assert (
            "indisponible" in r.json()["detail"] and "rien n'a été enregistré" in r.json()["detail"]
        )
        with handle.client(token) as c:
            assert len(c.get(f"/dossiers/{dossier_id}/pieces").json()) == 1  # no row added
            piece = c.get(f"/dossiers/{dossier_id}/pieces").json()[0]
            down = c.get(f"/dossiers/{dossier_id}/pieces/cv/{piece['id']}/content")
            assert down.status_code == 503
        assert not list((settings.resolved_files_dir / "tmp").glob("*"))
        with httpx.Client(base_url=handle.url) as c:
            ready = c.get("/api/v1/ready")
            assert ready.status_code == 503
            assert ready.json()["code"] == "store_unavailable"
            assert "stockage des pièces" in ready.json()["detail"]
            assert c.get("/api/v1/health").status_code == 200  # alive, not ready
    finally:
        handle.stop()


@pytest.mark.postgres
def test_ready_reports_the_database_down(tmp_path: Path, smtp: SmtpSink, pg_cluster) -> None:
    url = pg_cluster.create_database()
    handle = start_server(settings_for(tmp_path / "data", url, smtp.port))
    try:
        with httpx.Client(base_url=handle.url) as c:
            assert c.get("/api/v1/ready").status_code == 200
            # the database goes away (the cluster stays up for the other tests: the
            # server's engine is pointed at a port where nothing listens)
            handle.app.state.engine.dispose()
            handle.app.state.engine = create_engine(
                url.replace(f":{pg_cluster.port}/", f":{free_port()}/"), pool_pre_ping=True
            )
            r = c.get("/api/v1/ready")
            assert r.status_code == 503
            assert r.json()["code"] == "database_unavailable"
            assert "base de données" in r.json()["detail"]
    finally:
        handle.stop()


def _s3_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, object]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(f"CESP_{key.upper()}", str(value))


def test_sweep_removes_orphans_and_reports_missing_objects(
    tmp_path: Path,
    database_url: str,
    smtp: SmtpSink,
    s3: S3Endpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store_values = s3.new_bucket_settings()
    handle = start_server(settings_for(tmp_path / "data", database_url, smtp.port, **store_values))
    try:
        token, dossier_id = _dossier(handle, smtp, "balai@exemple.fr")
        kept = _post(handle, token, dossier_id, "cv", tiny_pdf("garde"), "g.pdf").json()
        lost = _post(handle, token, dossier_id, "rib", tiny_pdf("perdu"), "p.pdf").json()
    finally:
        handle.stop()
    client = boto3.client("s3", endpoint_url=s3.url)
    bucket, prefix = store_values["s3_bucket"], store_values["s3_prefix"]
    client.put_object(Bucket=bucket, Key=f"{prefix}{'f' * 32}", Body=b"orphelin")
    with Session(handle.app.state.engine) as db:
        lost_name = db.get(Piece, lost["id"]).storage_name
        kept_name = db.get(Piece, kept["id"]).storage_name
    client.delete_object(Bucket=bucket, Key=f"{prefix}{lost_name}")
    multipart = client.create_multipart_upload(Bucket=bucket, Key=f"{prefix}{'e' * 32}")
    monkeypatch.setenv("CESP_DATABASE_URL", database_url)
    monkeypatch.setenv("CESP_DATA_DIR", str(tmp_path / "data"))
    _s3_env(monkeypatch, store_values)
    # within the grace period nothing is removed (an upload may be in flight)
    assert cli_main(["jobs", "run"]) == 0
    out = capsys.readouterr().out
    assert "fichiers sans pièce supprimés : 0" in out
    # moto dates every multipart upload in 2010: it is always past the grace period
    assert "envois interrompus nettoyés : 1" in out
    assert f"pièce sans fichier : {lost['id']}" in out
    monkeypatch.setenv("CESP_UPLOAD_GRACE_MINUTES", "0")
    time.sleep(1.1)
    assert cli_main(["jobs", "run"]) == 0
    out = capsys.readouterr().out
    assert "fichiers sans pièce supprimés : 1" in out
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [f"{prefix}{kept_name}"]
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert multipart["UploadId"] not in [u["UploadId"] for u in uploads]


def test_migrate_to_s3_and_back(
    tmp_path: Path,
    database_url: str,
    smtp: SmtpSink,
    s3: S3Endpoint,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = tmp_path / "data"
    handle = start_server(settings_for(data, database_url, smtp.port))
    bodies = {f"m{i}.pdf": tiny_pdf(f"migration {i}") for i in range(3)}
    try:
        token, dossier_id = _dossier(handle, smtp, "migre@exemple.fr")
        ids = {
            name: _post(handle, token, dossier_id, "cv", body, name).json()["id"]
            for name, body in bodies.items()
        }
    finally:
        handle.stop()
    store_values = s3.new_bucket_settings(create=False)
    monkeypatch.setenv("CESP_DATABASE_URL", database_url)
    monkeypatch.setenv("CESP_DATA_DIR", str(data))
    _s3_env(monkeypatch, {k: v for k, v in store_values.items() if k != "pieces_store"})
    assert cli_main(["pieces", "migrate", "--to", "s3"]) == 0
    assert "Pièces copiées vers compartiment S3" in capsys.readouterr().out
    # again: nothing to copy, each checked by its SHA-256
    client = boto3.client("s3", endpoint_url=s3.url)
    bucket, prefix = store_values["s3_bucket"], store_values["s3_prefix"]
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    client.delete_object(Bucket=bucket, Key=keys[0])  # an interrupted run: resume
    client.put_object(Bucket=bucket, Key=keys[1], Body=b"abime")  # a damaged copy
    assert cli_main(["pieces", "migrate", "--to", "s3"]) == 0
    assert ": 2 ; déjà présentes et vérifiées : 1 ;" in capsys.readouterr().out
    assert cli_main(["pieces", "migrate", "--to", "s3"]) == 0
    assert ": 0 ; déjà présentes et vérifiées : 3 ;" in capsys.readouterr().out
    # served from S3 now
    handle = start_server(settings_for(data, database_url, smtp.port, **store_values))
    try:
        with handle.client(token) as c:
            for name, body in bodies.items():
                r = c.get(f"/dossiers/{dossier_id}/pieces/cv/{ids[name]}/content")
                assert r.status_code == 200 and r.content == body
                assert name in r.headers["content-disposition"]
    finally:
        handle.stop()
    # and back to a fresh directory
    monkeypatch.setenv("CESP_FILES_DIR", str(tmp_path / "back"))
    monkeypatch.setenv("CESP_PIECES_STORE", "s3")
    assert cli_main(["pieces", "migrate", "--to", "file"]) == 0
    back = sorted(p.read_bytes() for p in (tmp_path / "back").iterdir() if p.is_file())
    assert back == sorted(bodies.values())
    assert {
        oct(p.stat().st_mode & 0o777) for p in (tmp_path / "back").iterdir() if p.is_file()
    } == {"0o600"}
    assert prefix


def _serve(env: dict[str, str], port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cesp_server.cli", "serve", "--port", str(port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_serve_refuses_a_store_that_does_not_answer(
    tmp_path: Path, s3: S3Endpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    store_values = s3.new_bucket_settings(create=False)
    env = {
        **os.environ,
        "CESP_DATA_DIR": str(tmp_path / "data"),
        **{f"CESP_{k.upper()}": str(v) for k, v in store_values.items()},
    }
    # the bucket is missing: one line that names the fix
    done = _serve(env, free_port())
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "n'existe pas" in lines[0] and "cesp-server pieces init" in lines[0]
    init = subprocess.run(
        [sys.executable, "-m", "cesp_server.cli", "pieces", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0 and "prêt" in init.stdout
    # unreachable endpoint
    env["CESP_S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    done = _serve(env, free_port())
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "injoignable" in done.stderr


def test_serve_refuses_wrong_credentials(tmp_path: Path) -> None:
    """A moto server that checks credentials: unknown keys are refused at start."""
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        env = {
            **os.environ,
            "CESP_DATA_DIR": str(tmp_path / "data"),
            "CESP_PIECES_STORE": "s3",
            "CESP_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "CESP_S3_BUCKET": "cesp-pieces",
            "AWS_ACCESS_KEY_ID": "AKIAFAUX00000000000",
            "AWS_SECRET_ACCESS_KEY": "faux",
        }
        done = _serve(env, free_port())
        assert done.returncode == 1
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "identifiants S3 refusés" in done.stderr
    finally:
        moto.terminate()
        moto.wait(timeout=20)


# --- metrics -----------------------------------------------------------------------------


def test_metrics_off_by_default_and_protected_by_token(
    server: ServerHandle, tmp_path: Path, database_url: str, smtp: SmtpSink
) -> None:
    with httpx.Client(base_url=server.url) as c:
        assert c.get("/metrics").status_code == 404
    handle = start_server(
        settings_for(
            tmp_path / "metrics",
            database_url,
            smtp.port,
            metrics_enabled=True,
            metrics_token="jeton-secret",
        )
    )
    try:
        token, dossier_id = _dossier(handle, smtp, "mesures@exemple.fr")
        body = tiny_pdf("mesure")
        assert _post(handle, token, dossier_id, "cv", body, "m.pdf").status_code == 201
        with httpx.Client(base_url=handle.url) as c:
            assert c.get("/metrics").status_code == 401
            assert c.get("/metrics", headers={"Authorization": "Bearer faux"}).status_code == 401
            text = c.get("/metrics", headers={"Authorization": "Bearer jeton-secret"}).text
        assert (
            'cesp_http_requests_total{method="POST",'
            'route="/api/v1/dossiers/{dossier_id}/pieces/{piece_type}",status="201"}'
        ) in text
        assert 'route="<unmatched>"' not in text or "/metrics" not in text
        assert "cesp_http_request_duration_seconds_bucket" in text
        uploaded = text.split("\ncesp_piece_upload_bytes_total ")[1].split()[0]
        assert float(uploaded) >= len(body)
        assert "cesp_outbox_backlog" in text
        assert zlib.crc32(text.encode())  # non-empty
    finally:
        handle.stop()
