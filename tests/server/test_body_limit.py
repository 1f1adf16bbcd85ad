"""Issue 15, item 2: every body but the uploads is capped before it is parsed (413)."""

from __future__ import annotations

from collections.abc import Iterator

from tests.support.accounts import create_cesp_account
from tests.support.dossiers import create_dossier, make_campaign, tiny_pdf, upload
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink

KIB = 1024


def _many_small_objects(size: int) -> bytes:
    """A JSON array of small objects, `size` bytes or a little more (the report's shape)."""
    item = b'{"a":1},'
    count = size // len(item) + 1
    return b"[" + item * count + b'{"a":1}]'


def _assert_too_large(response, cap: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "body_too_large"
    assert "trop volumineuse" in body["detail"]
    assert body["max_body_bytes"] == cap


def test_anonymous_body_over_the_cap_is_refused_before_parsing(server: ServerHandle) -> None:
    cap = server.settings.max_body_bytes
    assert 64 * KIB <= cap <= 1024 * KIB
    payload = _many_small_objects(2 * cap)
    with server.client() as client:
        response = client.post(
            "/accounts/signup", content=payload, headers={"Content-Type": "application/json"}
        )
    _assert_too_large(response, cap)


def test_chunked_body_without_length_is_counted(server: ServerHandle) -> None:
    cap = server.settings.max_body_bytes
    payload = _many_small_objects(2 * cap)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 16 * KIB):
            yield payload[start : start + 16 * KIB]

    with server.client() as client:
        request = client.build_request(
            "POST",
            "/auth/login",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        response = client.send(request)
    _assert_too_large(response, cap)


def test_body_within_the_cap_still_reaches_the_route(server: ServerHandle) -> None:
    """Chunked and under the cap: the route parses it as before (422, not 413)."""

    def chunks() -> Iterator[bytes]:
        yield b'{"identifier": "x",'
        yield b' "unknown": 1}'

    with server.client() as client:
        response = client.post(
            "/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422, response.text


def test_uploads_keep_their_own_streaming_caps(server: ServerHandle, smtp: SmtpSink) -> None:
    """A piece larger than the body cap (but under the file cap) is still accepted."""
    cap = server.settings.max_body_bytes
    campaign = make_campaign(server, "cesp")
    token = create_cesp_account(server, smtp, "gros.fichier@exemple.fr")
    big = tiny_pdf("gros", padding=2 * cap)
    assert len(big) < server.settings.max_file_bytes
    with server.client(token) as client:
        dossier = create_dossier(client, campaign)
        response = upload(client, dossier["id"], "piece_identite", big, "gros.pdf")
    assert response.status_code == 201, response.text
