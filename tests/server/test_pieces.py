"""Pieces through the API: upload, formats, size caps, names, download, deletion.

Every test runs on both piece stores (local directory, S3 on moto) and both databases.
"""

from __future__ import annotations

import hashlib
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.accounts import (
    create_cesp_account,
    create_etablissement_account,
    create_staff_account,
)
from tests.support.dossiers import (
    FAKE_EXE,
    TINY_JPEG,
    TINY_PDF,
    TINY_PNG,
    create_dossier,
    make_campaign,
    tiny_pdf,
    upload,
)
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as settings_for
from tests.support.smtp import SmtpSink

MB = 1024 * 1024


def _cesp_dossier(server: ServerHandle, smtp: SmtpSink, email: str) -> tuple[str, dict]:
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, email)
    with server.client(token) as c:
        return token, create_dossier(c, campaign)


@pytest.fixture
def server(
    tmp_path: Path, database_url: str, smtp: SmtpSink, store_settings: dict[str, object]
) -> Iterator[ServerHandle]:
    handle = start_server(
        settings_for(tmp_path / "data", database_url, smtp.port, **store_settings)
    )
    yield handle
    handle.stop()


def _stored_files(server: ServerHandle) -> list[str]:
    """Every file the platform keeps: objects of the store, and anything left on disk."""
    names = sorted(obj.key for obj in server.app.state.store.objects())
    root = server.settings.resolved_files_dir
    if root.exists():
        names += sorted(str(p) for p in (root / "tmp").rglob("*") if p.is_file())
    return names


def test_upload_list_download_delete(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier = _cesp_dossier(server, smtp, "pieces@exemple.fr")
    base = f"/dossiers/{dossier['id']}/pieces"
    with server.client(token) as c:
        r = upload(c, dossier["id"], "piece_identite", TINY_PDF, "Carte d'identité.pdf")
        assert r.status_code == 201, r.text
        pdf = r.json()
        assert pdf["filename"] == "Carte d'identité.pdf"
        assert pdf["content_type"] == "application/pdf"
        assert pdf["size"] == len(TINY_PDF)
        assert pdf["sha256"] == hashlib.sha256(TINY_PDF).hexdigest()

        # the same file again for the same type: the existing record
        again = upload(c, dossier["id"], "piece_identite", TINY_PDF, "copie.pdf")
        assert again.status_code == 200
        assert again.json()["id"] == pdf["id"]

        # several files per type, in the three CESP formats
        png = upload(c, dossier["id"], "piece_identite", TINY_PNG, "verso.PNG", "image/png")
        assert png.status_code == 201, png.text
        assert png.json()["content_type"] == "image/png"
        jpeg = upload(c, dossier["id"], "piece_identite", TINY_JPEG, "photo.jpg", "image/jpeg")
        assert jpeg.status_code == 201, jpeg.text
        assert jpeg.json()["content_type"] == "image/jpeg"

        listed = c.get(base).json()
        assert sorted(p["id"] for p in listed) == sorted(
            [pdf["id"], png.json()["id"], jpeg.json()["id"]]
        )

        content = c.get(f"{base}/piece_identite/{pdf['id']}/content")
        assert content.status_code == 200
        assert content.content == TINY_PDF
        assert content.headers["content-type"] == "application/pdf"
        assert content.headers["x-content-type-options"] == "nosniff"
        assert "attachment" in content.headers["content-disposition"]

        body = c.get(f"/dossiers/{dossier['id']}").json()
        assert len(body["pieces"]) == 3
        pieces_tab = next(t for t in body["tabs"] if t["key"] == "pieces")
        assert pieces_tab["state"] == "incomplet"
        missing = {p["field"] for p in pieces_tab["problems"]}
        assert "piece_identite" not in missing and "rib" in missing

        assert c.delete(f"{base}/rib/{pdf['id']}").status_code == 404  # wrong type
        assert c.delete(f"{base}/piece_identite/{pdf['id']}").status_code == 204
        assert c.get(f"{base}/piece_identite/{pdf['id']}/content").status_code == 404
        assert len(c.get(base).json()) == 2
        assert len(_stored_files(server)) == 2

        history = c.get(f"/dossiers/{dossier['id']}/history").json()
        actions = [(e["action"], e["fields"]) for e in history]
        assert ("piece_ajoutee", ["piece_identite"]) in actions
        assert ("piece_supprimee", ["piece_identite"]) in actions

        # the dossier and its files go together
        assert c.delete(f"/dossiers/{dossier['id']}").status_code == 204
    assert _stored_files(server) == []


def test_formats_checked_by_extension_and_content(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier = _cesp_dossier(server, smtp, "formats@exemple.fr")
    with server.client(token) as c:
        for content, name in (
            (FAKE_EXE, "programme.pdf"),  # an .exe renamed .pdf
            (FAKE_EXE, "programme.exe"),
            (TINY_PNG, "image.pdf"),  # a PNG named .pdf
            (TINY_PDF, "document.png"),  # a PDF named .png
            (b"bonjour", "note.txt"),
            (TINY_PDF, "sans_extension"),
        ):
            r = upload(c, dossier["id"], "cv", content, name)
            assert r.status_code == 415, (name, r.text)
            problem = r.json()
            assert problem["code"] == "format_refused"
            assert "PDF, JPEG ou PNG" in problem["detail"]
        assert c.get(f"/dossiers/{dossier['id']}/pieces").json() == []
    assert _stored_files(server) == []

    asp = make_campaign(server, "asp")
    etab = create_etablissement_account(server, smtp, "bam@formats-asp.fr")
    with server.client(etab) as c:
        candidature = create_dossier(c, asp)
        r = upload(c, candidature["id"], "cv_candidat", TINY_PNG, "cv.png", "image/png")
        assert r.status_code == 415
        assert "seuls les fichiers PDF sont acceptés" in r.json()["detail"]
        assert upload(c, candidature["id"], "cv_candidat").status_code == 201


def test_path_traversal_and_control_characters_in_names(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    token, dossier = _cesp_dossier(server, smtp, "noms@exemple.fr")
    names = {
        "../../../../../../tmp/passwd.pdf": "passwd.pdf",
        "..\\..\\windows\\system32\\evil.pdf": "evil.pdf",
        "....pdf": "pdf",  # only dots: no extension left
        "  .cache.pdf": "cache.pdf",
        ("a" * 300) + ".pdf": ("a" * 116) + ".pdf",
    }
    with server.client(token) as c:
        results = {}
        for index, name in enumerate(names):
            r = upload(c, dossier["id"], "cv", tiny_pdf(f"cv {index}"), name)
            results[name] = r
        # control characters, sent raw (httpx would percent-encode them)
        boundary = "limite"
        raw = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="bad\x07name\x1b\t.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            + tiny_pdf("raw")
            + f"\r\n--{boundary}--\r\n".encode()
        )
        r = c.post(
            f"/dossiers/{dossier['id']}/pieces/cv",
            content=raw,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == "bad name .pdf"
    for name, expected in names.items():
        r = results[name]
        if expected == "pdf":
            assert r.status_code == 415, r.text  # no extension: refused
            continue
        assert r.status_code == 201, (name, r.text)
        assert r.json()["filename"] == expected
    # stored under random names inside the store, nothing anywhere else
    stored = _stored_files(server)
    assert stored
    for name in stored:
        assert re.fullmatch(r"[0-9a-f]{32}", name)
    if server.settings.pieces_store == "file":
        files_dir = server.settings.resolved_files_dir
        on_disk = [p for p in files_dir.iterdir() if p.is_file()]
        assert sorted(p.name for p in on_disk) == stored
    assert not list(tmp_path.rglob("passwd.pdf"))
    assert not list(tmp_path.rglob("evil.pdf"))
    assert not Path("/tmp/passwd.pdf").exists()


def test_file_over_the_cap_is_refused(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier = _cesp_dossier(server, smtp, "gros@exemple.fr")
    cap = server.settings.max_file_bytes
    assert cap == 10 * MB
    big = TINY_PDF + b"\0" * (cap + 1 - len(TINY_PDF))
    with server.client(token) as c:
        r = upload(c, dossier["id"], "cv", big, "gros.pdf")
        assert r.status_code == 413
        assert r.json()["code"] == "file_too_large"
        assert "10 Mo" in r.json()["detail"]
        exactly = TINY_PDF + b"\0" * (cap - len(TINY_PDF))
        r = upload(c, dossier["id"], "cv", exactly, "juste.pdf")
        assert r.status_code == 201, r.text
        assert r.json()["size"] == cap
    assert len(_stored_files(server)) == 1  # no temporary file left behind


def _read_answer(sock: socket.socket) -> tuple[bytes, bytes]:
    """Status line and headers, and the body (by its Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head, body


def _raw_request_head(
    server: ServerHandle, token: str, path: str, boundary: str, framing: str
) -> bytes:
    host_port = server.url.removeprefix("http://")
    return (
        f"POST /api/v1{path} HTTP/1.1\r\nHost: {host_port}\r\n"
        f"Authorization: Bearer {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"{framing}\r\n\r\n"
    ).encode()


def _part_head(boundary: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="gros.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode() + TINY_PDF


def test_cap_enforced_while_streaming(server: ServerHandle, smtp: SmtpSink) -> None:
    """A chunked body (no Content-Length) is cut at the cap, before its end arrives."""
    token, dossier = _cesp_dossier(server, smtp, "flux@exemple.fr")
    path = f"/dossiers/{dossier['id']}/pieces/cv"
    boundary = uuid.uuid4().hex
    host, port = server.url.removeprefix("http://").split(":")

    def chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(_raw_request_head(server, token, path, boundary, "Transfer-Encoding: chunked"))
        sock.sendall(chunk(_part_head(boundary)))
        block = b"\0" * (256 * 1024)
        for _ in range(11 * 4):  # 11 MB, and the body is never finished
            sock.sendall(chunk(block))
        head, body = _read_answer(sock)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b'"code":"file_too_large"' in body
    with server.client(token) as c:
        assert c.get(f"/dossiers/{dossier['id']}/pieces").json() == []
    assert _stored_files(server) == []


def test_announced_size_over_the_cap_is_refused_at_once(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    token, dossier = _cesp_dossier(server, smtp, "annonce@exemple.fr")
    path = f"/dossiers/{dossier['id']}/pieces/cv"
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        # 100 MB announced, nothing sent: the answer comes without reading the body
        sock.sendall(_raw_request_head(server, token, path, "b", "Content-Length: 104857600"))
        head, body = _read_answer(sock)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b'"code":"file_too_large"' in body


def test_dossier_total_cap(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier = _cesp_dossier(server, smtp, "total@exemple.fr")
    server.app.state.settings.max_dossier_bytes = 3000
    first = tiny_pdf("un") + b"\0" * 1500
    second = tiny_pdf("deux") + b"\0" * 1500
    with server.client(token) as c:
        assert upload(c, dossier["id"], "cv", first).status_code == 201
        r = upload(c, dossier["id"], "rib", second)
        assert r.status_code == 413
        assert r.json()["code"] == "dossier_too_large"
        assert len(c.get(f"/dossiers/{dossier['id']}/pieces").json()) == 1


def test_upload_refusals(server: ServerHandle, smtp: SmtpSink) -> None:
    token, dossier = _cesp_dossier(server, smtp, "refus@exemple.fr")
    other = create_cesp_account(server, smtp, "autre@exemple.fr")
    support = create_staff_account(server, "support", "support.pieces@exemple.fr")
    base = f"/dossiers/{dossier['id']}/pieces"
    with server.client(token) as c:
        r = upload(c, dossier["id"], "inconnue")
        assert r.status_code == 404
        assert r.json()["code"] == "piece_type_not_found"
        r = c.post(f"{base}/cv", json={"file": "x"})
        assert r.status_code == 415
        assert r.json()["code"] == "multipart_required"
        r = c.post(f"{base}/cv", files={"autre": ("cv.pdf", TINY_PDF, "application/pdf")})
        assert r.status_code == 422
        assert r.json()["code"] == "file_missing"
        r = c.post(
            f"{base}/cv", data={"file": "du texte"}, files={"x": ("a.txt", b"a", "text/plain")}
        )
        assert r.status_code == 422
        r = upload(c, dossier["id"], "cv", b"", "vide.pdf")
        assert r.status_code == 422
        assert r.json()["code"] == "empty_file"
        first = upload(c, dossier["id"], "cv").json()
        for index in range(9):
            assert upload(c, dossier["id"], "cv", tiny_pdf(f"v{index}")).status_code == 201
        r = upload(c, dossier["id"], "cv", tiny_pdf("onze"))
        assert r.status_code == 409
        assert r.json()["code"] == "too_many_files"
    with server.client(other) as c:
        assert upload(c, dossier["id"], "cv", tiny_pdf("x")).status_code == 404
        assert c.get(f"{base}/cv/{first['id']}/content").status_code == 404
        assert c.delete(f"{base}/cv/{first['id']}").status_code == 404
    with server.client(support) as c:
        assert c.get(f"{base}/cv/{first['id']}/content").status_code == 200
        r = upload(c, dossier["id"], "cv", tiny_pdf("support"))
        assert r.status_code == 403
        assert c.delete(f"{base}/cv/{first['id']}").status_code == 403
    assert not list((server.settings.resolved_files_dir / "tmp").glob("*"))
