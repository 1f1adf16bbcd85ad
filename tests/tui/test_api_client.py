"""`ApiClient` against the real platform on loopback (uvicorn, SQLite, an SMTP sink)."""

from __future__ import annotations

import hashlib
import socket
import uuid
from pathlib import Path

import pytest

from cesp_client.api import ApiClient, ApiError, Offline, parse_emailed_link
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    SECRET_ANSWER,
    SECRET_QUESTION,
    create_cesp_account,
    extract_code,
    extract_token,
    extract_username,
    wait_mail,
)
from tests.support.dossiers import (
    certifications,
    complete_cesp_values,
    make_campaign,
    required_piece_types,
    tiny_pdf,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink


async def test_sign_up_set_password_login_me_logout(server: ServerHandle, smtp: SmtpSink) -> None:
    email = "jeanne.martin@example.org"
    async with ApiClient(server.url) as api:
        assert (await api.health())["status"] == "ok"
        message = await api.signup(
            civilite="F",
            nom="Martin",
            prenom="Jeanne",
            date_naissance="2001-04-12",
            email=email,
            email_confirmation=email,
            accepte_conditions=True,
        )
        assert "code à 4 chiffres" in message
        code = extract_code(wait_mail(server, smtp, email, "code de vérification"))

        wrong = "0000" if code != "0000" else "1111"
        with pytest.raises(ApiError) as refused:
            await api.verify_code(email, wrong)
        assert refused.value.status == 400 and refused.value.code == "code_invalid"
        assert refused.value.body["tries_left"] == 4
        assert refused.value.field_problems()["code"].startswith("Code incorrect")

        verified = await api.verify_code(email, code)
        assert verified["identifiant"] == "jeanne.martin"
        link = wait_mail(server, smtp, email, "Initialisation mdp")
        username = extract_username(wait_mail(server, smtp, email, "Identifiant de connexion"))
        purpose, token = parse_emailed_link(
            next(line for line in link.splitlines() if "jeton=" in line)
        )
        assert purpose == "setup" and token == extract_token(link)

        info = await api.password_setup_info(token)
        assert info["identifiant"] == username
        with pytest.raises(ApiError) as weak:
            await api.password_setup(token, "court", "court", SECRET_QUESTION, SECRET_ANSWER)
        assert weak.value.status == 422
        assert "password" in weak.value.field_problems()
        done = await api.password_setup(
            token, DEFAULT_PASSWORD, DEFAULT_PASSWORD, SECRET_QUESTION, SECRET_ANSWER
        )
        assert done["identifiant"] == username

        with pytest.raises(ApiError) as bad:
            await api.login(username, "Mauvais1!")
        assert (bad.value.status, bad.value.code) == (401, "bad_credentials")
        assert not bad.value.auth_expired
        answer = await api.login(username, DEFAULT_PASSWORD)
        assert api.token == answer["token"]
        assert answer["account"]["role"] == "candidat"
        assert (await api.me())["username"] == username

        token_before = api.token
        await api.logout()
        assert api.token is None
        api.token = token_before
        with pytest.raises(ApiError) as revoked:
            await api.me()
        assert revoked.value.status == 401 and revoked.value.auth_expired


async def test_sign_up_refusal_carries_a_problem_per_field(server: ServerHandle) -> None:
    async with ApiClient(server.url) as api:
        with pytest.raises(ApiError) as refused:
            await api.signup(
                civilite="",
                nom="Martin",
                prenom="",
                date_naissance="2001-04-12",
                email="jeanne@example.org",
                email_confirmation="autre@example.org",
                accepte_conditions=False,
            )
    error = refused.value
    assert error.status == 422 and error.code == "invalid_fields"
    fields = error.field_problems()
    assert set(fields) == {"civilite", "prenom", "email_confirmation", "accepte_conditions"}
    assert fields["email_confirmation"] == "Les deux adresses e-mail ne sont pas identiques."
    assert all(p.tab == "compte" for p in error.problems)


async def test_forgot_and_reset_with_the_secret_question(
    server: ServerHandle, smtp: SmtpSink
) -> None:
    email = "paul.durand@example.org"
    create_cesp_account(server, smtp, email)
    async with ApiClient(server.url) as api:
        assert "lien de réinitialisation" in await api.forgot_password(email)
        body = wait_mail(server, smtp, email, "Réinitialisation")
        purpose, token = parse_emailed_link(
            next(line for line in body.splitlines() if "jeton=" in line)
        )
        assert purpose == "reset"
        info = await api.password_reset_info(token)
        assert info["secret_question"] == SECRET_QUESTION
        with pytest.raises(ApiError) as wrong:
            await api.password_reset(token, "Mauvaise réponse", "Nouveau2?", "Nouveau2?")
        assert wrong.value.code == "secret_answer_invalid"
        assert wrong.value.body["tries_left"] == 4
        message = await api.password_reset(token, "ecole jules ferry", "Nouveau2?", "Nouveau2?")
        assert "nouveau" in message
        await api.login(email, "Nouveau2?")


async def test_dossier_round_trip_with_pieces_and_idempotent_transmission(
    server: ServerHandle, smtp: SmtpSink, tmp_path: Path
) -> None:
    token = create_cesp_account(server, smtp, "ines.roux@example.org")
    campaign_id = make_campaign(server)
    dossier_id = str(uuid.uuid4())
    values = complete_cesp_values()
    async with ApiClient(server.url, token) as api:
        campaigns = await api.campaigns("cesp")
        assert [c["id"] for c in campaigns if c["is_open"]] == [campaign_id]
        assert (await api.demarche("cesp"))["tabs"][0]["key"] == "etat_civil"

        created = await api.create_dossier(dossier_id, campaign_id)
        assert created["id"] == dossier_id and created["version"] == 1
        replay = await api.create_dossier(dossier_id, campaign_id)
        assert replay["numero"] == created["numero"]
        listed = await api.list_dossiers()
        assert listed["total"] == 1 and listed["items"][0]["id"] == dossier_id

        version = created["version"]
        for tab, tab_values in values.items():
            saved = await api.save_tab(dossier_id, tab, tab_values, version)
            assert saved["version"] == version + 1
            version = saved["version"]
        with pytest.raises(ApiError) as stale:
            await api.save_tab(dossier_id, "adresse", {"telephone": "0102030405"}, version - 1)
        assert stale.value.status == 412 and stale.value.code == "version_conflict"
        assert stale.value.body["current_version"] == version
        current = stale.value.body["current_values"]
        assert current["telephone"] == values["adresse"]["telephone"]

        for index, piece_type in enumerate(required_piece_types("cesp", values)):
            source = tmp_path / f"{piece_type}.pdf"
            source.write_bytes(tiny_pdf(f"{piece_type} {index}"))
            piece = await api.upload_piece(dossier_id, piece_type, source)
            assert piece["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
            again = await api.upload_piece(dossier_id, piece_type, source)
            assert again["id"] == piece["id"]  # same content: no duplicate
        pieces = await api.pieces(dossier_id)
        assert len(pieces) == len(required_piece_types("cesp", values))
        first = pieces[0]
        copy = await api.download_piece(
            dossier_id, first["piece_type"], first["id"], tmp_path / "copy.pdf"
        )
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == first["sha256"]

        extra = tmp_path / "extra.pdf"
        extra.write_bytes(tiny_pdf("en trop"))
        spare = await api.upload_piece(dossier_id, first["piece_type"], extra)
        await api.delete_piece(dossier_id, first["piece_type"], spare["id"])
        assert spare["id"] not in {p["id"] for p in await api.pieces(dossier_id)}

        exe = tmp_path / "virus.pdf"
        exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
        with pytest.raises(ApiError) as refused:
            await api.upload_piece(dossier_id, first["piece_type"], exe)
        assert refused.value.status == 415

        key = str(uuid.uuid4())
        sent = await api.transmit(dossier_id, certifications("cesp"), key, version)
        assert sent["state"] == "transmis"
        replayed = await api.transmit(dossier_id, certifications("cesp"), key, version)
        assert replayed["receipt"] == sent["receipt"]
        with pytest.raises(ApiError) as again:
            await api.transmit(dossier_id, certifications("cesp"), str(uuid.uuid4()))
        assert again.value.status == 409
        history = await api.history(dossier_id)
        assert {e["action"] for e in history} >= {"creation", "transmission"}
        with pytest.raises(ApiError) as read_only:
            await api.delete_dossier(dossier_id)
        assert read_only.value.status == 409


async def test_no_platform_is_offline_not_an_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with ApiClient(f"http://127.0.0.1:{port}") as api:
        with pytest.raises(Offline) as offline:
            await api.health()
    assert "injoignable" in offline.value.reason


def test_emailed_links_and_bare_tokens_are_recognised() -> None:
    assert parse_emailed_link("http://127.0.0.1:8000/compte/initialisation?jeton=AbC-123_xyz") == (
        "setup",
        "AbC-123_xyz",
    )
    assert parse_emailed_link(
        " <https://cesp.example.org/compte/reinitialisation?jeton=T0k3n> "
    ) == (
        "reset",
        "T0k3n",
    )
    assert parse_emailed_link("  AbC-123_xyz\n") == (None, "AbC-123_xyz")
