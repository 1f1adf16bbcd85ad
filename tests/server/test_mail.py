"""Mail: templates, the Maildir default, SMTP failures kept in the outbox, concurrent
delivery."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from sqlalchemy import update
from sqlmodel import Session, select

from cesp_server.mail.outbox import backoff, deliver_pending, queue_mail
from cesp_server.mail.render import TEMPLATES_DIR, render_mail
from cesp_server.models import OutboxMail, utcnow
from tests.support.accounts import extract_code, signup_payload, wait_mail
from tests.support.postgres import free_port
from tests.support.server import ServerHandle, start_server
from tests.support.server import test_settings as make_settings
from tests.support.smtp import SmtpSink, body_text

MY_TEMPLATES = {
    "signup_code": {
        "prenom": "Léa",
        "nom": "MARTIN",
        "code": "0420",
        "ttl_minutes": 15,
        "valid_until": "10:15",
        "max_tries": 5,
    },
    "compte_existant": {"email": "a@exemple.fr", "username": "lea.martin"},
    "nouvelle_habilitation": {"prenom": "Léa", "nom": "MARTIN"},
    "lien_initialisation": {
        "prenom": "Léa",
        "nom": "MARTIN",
        "link": "http://x/l?jeton=T",
        "token": "T",
        "ttl_minutes": 15,
        "valid_until": "10:15",
        "username": "lea.martin",
    },
    "identifiant_connexion": {"prenom": "Léa", "nom": "MARTIN", "username": "lea.martin"},
    "etablissement_confirmation": {
        "etablissement_nom": "CH",
        "finess": "750712184",
        "email": "bam@ch.fr",
        "username": "etab.ch",
    },
    "password_reset_link": {
        "username": "lea.martin",
        "link": "http://x",
        "token": "T",
        "ttl_minutes": 15,
        "valid_until": "10:15",
        "has_secret_question": True,
    },
    "password_changed": {"username": "lea.martin", "changed_at": "01/02/2026 à 10:00"},
}


@pytest.mark.parametrize("name", sorted(MY_TEMPLATES))
def test_templates_render_in_french(name: str) -> None:
    mail = render_mail(name, MY_TEMPLATES[name])
    assert mail.subject and "\n" not in mail.subject
    assert mail.body.startswith("Bonjour")
    assert "{{" not in mail.body and "message automatique" in mail.body
    with pytest.raises(UndefinedError):  # a hole in the context is an error, not a blank
        render_mail(name, {})


def test_every_template_has_a_subject_line() -> None:
    for path in TEMPLATES_DIR.glob("*.txt"):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("Sujet: "), path.name


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff(n) for n in range(1, 30)]
    assert delays[0] == timedelta(seconds=30) and delays[1] == timedelta(minutes=1)
    assert delays == sorted(delays) and delays[-1] == timedelta(hours=6)


@pytest.fixture
def maildir_server(tmp_path: Path, database_url: str) -> Iterator[ServerHandle]:
    handle = start_server(make_settings(tmp_path / "data", database_url))
    assert handle.settings.mail_backend == "maildir"
    yield handle
    handle.stop()


def test_maildir_delivery(maildir_server: ServerHandle) -> None:
    server = maildir_server
    email = "boite@exemple.fr"
    with server.client() as c:
        assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202
        code = extract_code(wait_mail(server, None, email, "code de vérification"))
        assert (
            c.post("/accounts/signup/verify", json={"email": email, "code": code}).status_code
            == 200
        )
    wait_mail(server, None, email, "Identifiant de connexion")
    assert (server.settings.resolved_maildir / "new").is_dir()


def _wait(predicate, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_failed_smtp_send_is_kept_and_retried(tmp_path: Path, database_url: str) -> None:
    port = free_port()  # nothing listens there yet
    server = start_server(make_settings(tmp_path / "data", database_url, port))
    engine = server.app.state.engine
    email = "panne@exemple.fr"
    try:
        with server.client() as c:
            assert c.post("/accounts/signup", json=signup_payload(email)).status_code == 202

        def failed_once() -> bool:
            with Session(engine) as db:
                row = db.exec(select(OutboxMail)).first()
                return row is not None and row.attempts >= 1

        _wait(failed_once)
        with Session(engine) as db:
            row = db.exec(select(OutboxMail)).one()
        assert row.sent_at is None and row.last_error and "Connection" in row.last_error
        assert row.next_attempt_at > utcnow() and row.claim_token is None
        # not due yet: a delivery run leaves it alone
        assert deliver_pending(engine, server.settings) == 0
        sink = SmtpSink(port)
        sink.start()
        try:
            with Session(engine) as db:
                db.exec(update(OutboxMail).values(next_attempt_at=utcnow()))
                db.commit()
            assert deliver_pending(engine, server.settings) == 1
            message = sink.wait_for(email, "code de vérification")[0]
            code = extract_code(body_text(message))
            assert message["Message-ID"] == row.message_id  # the same mail, retried
            with server.client() as c:
                r = c.post("/accounts/signup/verify", json={"email": email, "code": code})
            assert r.status_code == 200
        finally:
            sink.stop()
        with Session(engine) as db:
            row = db.exec(select(OutboxMail).where(OutboxMail.template == "signup_code")).one()
        assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
    finally:
        server.stop()


def test_concurrent_delivery_sends_each_mail_once(server: ServerHandle, smtp: SmtpSink) -> None:
    engine = server.app.state.engine
    with Session(engine) as db:
        for i in range(40):
            queue_mail(
                db,
                to=f"n{i}@exemple.fr",
                template="identifiant_connexion",
                context={"prenom": "A", "nom": "B", "username": f"u{i}"},
            )
        db.commit()
    results: list[int] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        results.append(deliver_pending(engine, server.settings))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 40
    assert len(smtp.messages) == 40
    assert len({m["Message-ID"] for m in smtp.messages}) == 40
    with Session(engine) as db:
        assert all(r.sent_at is not None for r in db.exec(select(OutboxMail)))
    assert deliver_pending(engine, server.settings) == 0


def test_claims_lease(server: ServerHandle, smtp: SmtpSink) -> None:
    """A row claimed by a live deliverer is left alone; a crashed one's is taken over."""
    engine = server.app.state.engine
    with Session(engine) as db:
        for who in ("vivant", "mort"):
            queue_mail(
                db,
                to=f"{who}@exemple.fr",
                template="identifiant_connexion",
                context={"prenom": "A", "nom": "B", "username": who},
            )
        db.commit()
        db.exec(
            update(OutboxMail)
            .where(OutboxMail.to_addr == "vivant@exemple.fr")
            .values(claim_token="x", claimed_until=utcnow() + timedelta(minutes=5))
        )
        db.exec(
            update(OutboxMail)
            .where(OutboxMail.to_addr == "mort@exemple.fr")
            .values(claim_token="y", claimed_until=utcnow() - timedelta(seconds=1))
        )
        db.commit()
    assert deliver_pending(engine, server.settings) == 1
    assert [str(m["To"]) for m in smtp.messages] == ["mort@exemple.fr"]


class _Authenticator:
    def __call__(self, _server, _session, _envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword

        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == b"relais"
            and auth_data.password == b"secret-relais"
        )
        return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_credentials(tmp_path: Path) -> None:
    """The SMTP transport logs in with the configured credentials (wrong ones: kept)."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    sink.controller = Controller(
        sink.controller.handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=_Authenticator(),
        auth_required=True,
        auth_require_tls=False,
    )
    sink.start()
    try:
        for password, expected in (("mauvais", 0), ("secret-relais", 1)):
            settings = make_settings(
                tmp_path / password,
                f"sqlite:///{tmp_path / (password + '.db')}",
                sink.port,
                smtp_username="relais",
                smtp_password=password,
            )
            server = start_server(settings)
            try:
                engine = server.app.state.engine
                with Session(engine) as db:
                    queue_mail(
                        db,
                        to="auth@exemple.fr",
                        template="identifiant_connexion",
                        context={"prenom": "A", "nom": "B", "username": "u"},
                    )
                    db.commit()
                assert deliver_pending(engine, settings) == expected
                with Session(engine) as db:
                    row = db.exec(select(OutboxMail)).one()
                assert (row.sent_at is not None) == bool(expected)
                if not expected:
                    assert row.last_error and "SMTPAuthenticationError" in row.last_error
            finally:
                server.stop()
        assert len(sink.find("auth@exemple.fr")) == 1
    finally:
        sink.stop()
