"""The jury's rows and filter (pure), and a CESP campaign driven through
`cesp_client.api.jury` against the platform on loopback: a refusal in French for a dossier
not transmitted (in the API and in the decision box), the decision hidden from the
applicant until publication, the applicant's mail, the state reaching the applicant's
draft store through the sync engine, and the decision box the applicant reads."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from cesp_client.api import ApiClient, ApiError
from cesp_client.api.jury import (
    free_path,
    get_decision,
    jury_dossiers,
    publish_results,
    record_decision,
)
from cesp_client.store import DraftStore
from cesp_client.sync import SyncEngine
from cesp_tui.screens.staff.decision import DecisionModal
from cesp_tui.screens.staff.decision_view import NOT_PUBLISHED, DecisionViewModal, decision_lines
from cesp_tui.screens.staff.jury_home import filter_rows, jury_rows, parse_filter
from tests.support.accounts import create_cesp_account, create_staff_account
from tests.support.dossiers import (
    close_campaign,
    create_dossier,
    fill_dossier,
    make_campaign,
    transmit,
)
from tests.support.server import ServerHandle
from tests.support.smtp import SmtpSink, body_text
from tests.support.tui import run_app, tui_app, until

APPLICANT = "jean.durand@example.org"
JURY = "paul.jury@ars.example.org"

# --- rows and filter -----------------------------------------------------------------------


def _summaries() -> list[dict[str, Any]]:
    return [
        {
            "id": "b",
            "numero": "ASP-2026-000002",
            "demarche": "asp",
            "state": "accepte",
            "applicant_name": "Yanis BELKACEM",
            "owner_name": "Centre hospitalier de Saint-Denis",
        },
        {
            "id": "a",
            "numero": "CESP-2026-000001",
            "demarche": "cesp",
            "state": "transmis",
            "applicant_name": "Jean Pierre DURAND",
            "owner_name": "Jean Durand",
        },
        {
            "id": "c",
            "numero": "ASP-2026-000003",
            "demarche": "asp",
            "state": "en_instruction",
            "applicant_name": "",
            "owner_name": "Hôpital Avicenne",
        },
    ]


def test_rows_name_the_candidate_and_the_establishment() -> None:
    rows = jury_rows(_summaries())
    assert [r.numero for r in rows] == ["ASP-2026-000002", "ASP-2026-000003", "CESP-2026-000001"]
    by_id = {r.dossier_id: r for r in rows}
    assert by_id["b"].name == "Yanis BELKACEM · Centre hospitalier de Saint-Denis"
    assert by_id["c"].name == "Hôpital Avicenne"
    assert by_id["a"].name == "Jean Pierre DURAND"
    assert (by_id["b"].state_label, by_id["b"].decision) == ("Accepté", "Accepté")
    assert (by_id["c"].state_label, by_id["c"].decision) == ("En instruction", "à décider")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"a", "b", "c"}),
        ("durand", {"a"}),
        ("SAINT DENIS", {"b"}),  # case, hyphen
        ("st-denis", {"b"}),  # the abbreviation
        ("avicène", set()),
        ("avicenne", {"c"}),
        ("000003", {"c"}),
        ("à décider", {"a", "c"}),
        ("en instruction", {"c"}),
        ("décidés", {"b"}),
        ("accepté refusé", {"b"}),
        ("transmis durand", {"a"}),
        ("transmis yanis", set()),
    ],
)
def test_the_filter_takes_words_and_states(text: str, expected: set[str]) -> None:
    assert {r.dossier_id for r in filter_rows(jury_rows(_summaries()), text)} == expected


def test_parse_filter() -> None:
    assert parse_filter("Refusés Dupont") == (frozenset({"refuse"}), ["dupont"])
    assert parse_filter("  ") == (None, [])


def test_free_path_never_overwrites(tmp_path: Path) -> None:
    assert free_path(tmp_path, "../cv.pdf") == tmp_path / "cv.pdf"
    (tmp_path / "cv.pdf").write_bytes(b"x")
    (tmp_path / "cv (2).pdf").write_bytes(b"x")
    assert free_path(tmp_path, "cv.pdf") == tmp_path / "cv (3).pdf"


def test_decision_lines() -> None:
    headline, detail = decision_lines(
        {"decision": "refuse", "comment": "", "decided_at": "2026-04-02T10:00:00+02:00"}
    )
    assert headline == "Décision du jury : demande refusée (le 02/04/2026)"
    assert detail == "Pas de commentaire du jury."
    headline, _detail = decision_lines({"decision": "accepte"}, "candidature")
    assert headline == "Décision du jury : candidature acceptée"


# --- a CESP campaign against the platform ---------------------------------------------------


@contextlib.asynccontextmanager
async def modal_shown(data_dir: Path, modal: Any) -> AsyncIterator[Pilot[Any]]:
    """The app with one modal box (the decision, or the decision read by its owner) over
    its first screen."""
    app = tui_app(data_dir)
    async with run_app(app, size=(80, 24)) as pilot:
        await app.push_screen(modal)
        await pilot.pause()
        yield pilot


async def test_cesp_decision_publication_mail_and_the_applicants_copy(
    tmp_path: Path, server: ServerHandle, smtp: SmtpSink
) -> None:
    campaign_id = make_campaign(server, "cesp", label="CESP de test")
    owner_token = create_cesp_account(server, smtp, APPLICANT)
    with server.client(owner_token) as client:
        dossier = create_dossier(client, campaign_id)
        fill_dossier(client, dossier)
    jury = ApiClient(server.url, create_staff_account(server, "instructeur", JURY))
    owner = ApiClient(server.url, owner_token)
    store = DraftStore(tmp_path / "drafts.db")
    try:
        # A draft is not the jury's: not listed, and a decision on it is refused.
        assert await jury_dossiers(jury, campaign_id) == []
        with pytest.raises(ApiError) as refused:
            await record_decision(jury, dossier["id"], "accepte", "")
        assert refused.value.status == 409
        assert refused.value.code == "transition_refused"
        assert refused.value.detail  # French, from the life cycle

        # The same refusal in the decision box: said there, the box stays open.
        modal = DecisionModal(jury, dossier["id"], dossier["numero"], "Jean Pierre DURAND")
        async with modal_shown(tmp_path / "client", modal) as pilot:
            app = pilot.app
            await pilot.press("ctrl+s")  # nothing chosen yet
            error = modal.query_one("#decision-error")
            assert "Choisissez" in str(error.render())
            await pilot.press("enter", "tab", *"Dossier complet", "enter")
            await until(pilot, lambda: "refusée par la plateforme" in str(error.render()))
            assert refused.value.detail in str(error.render())
            assert app.screen is modal
            assert modal.query_one("#decision-comment").value == "Dossier complet"  # type: ignore[attr-defined]

        # Transmitted: listed; the applicant's store has it through the sync engine.
        with server.client(owner_token) as client:
            assert transmit(client, dossier).status_code in (200, 201)
        listed = await jury_dossiers(jury, campaign_id)
        assert [(d["numero"], d["state"]) for d in listed] == [(dossier["numero"], "transmis")]
        engine = SyncEngine(store, owner, server_key="loopback", username="jdurand", post=print)
        await engine.pull()
        assert store.get(dossier["id"]).state == "transmis"  # type: ignore[union-attr]

        decision = await record_decision(jury, dossier["id"], "accepte", "Bon dossier")
        assert (decision["decision"], decision["published"]) == ("accepte", False)
        with pytest.raises(ApiError) as hidden:
            await get_decision(owner, dossier["id"])
        assert (hidden.value.status, hidden.value.code) == (404, "decision_not_published")

        # The applicant's box before publication says so.
        view = DecisionViewModal(owner, dossier["id"], dossier["numero"])
        async with modal_shown(tmp_path / "client", view) as pilot:
            await until(pilot, lambda: view.text == NOT_PUBLISHED)

        with pytest.raises(ApiError) as early:
            await publish_results(jury, campaign_id)
        assert (early.value.status, early.value.code) == (409, "campaign_not_closed")
        close_campaign(server, campaign_id)
        published = await publish_results(jury, campaign_id)
        assert (published["decided_dossiers"], published["mails_queued"]) == (1, 1)
        mail = smtp.wait_for(APPLICANT, "Décision sur votre demande", timeout=20)[-1]
        assert dossier["numero"] in body_text(mail)
        again = await publish_results(jury, campaign_id)
        assert again["mails_queued"] == 0

        assert (await get_decision(owner, dossier["id"]))["comment"] == "Bon dossier"
        pulled = await engine.pull()
        assert dossier["id"] in pulled.updated
        assert store.get(dossier["id"]).state == "accepte"  # type: ignore[union-attr]

        view = DecisionViewModal(owner, dossier["id"], dossier["numero"])
        async with modal_shown(tmp_path / "client", view) as pilot:
            await until(pilot, lambda: "Décision du jury : demande acceptée" in view.text)
            assert "Commentaire du jury : Bon dossier" in view.text
    finally:
        store.close()
        await jury.aclose()
        await owner.aclose()


# --- the platform does not answer ------------------------------------------------------------


async def test_the_list_says_so_when_the_platform_does_not_answer(tmp_path: Path) -> None:
    from cesp_tui.screens.staff.jury_home import JuryHomeScreen
    from cesp_tui.widgets.status_line import StatusLine

    app = tui_app(tmp_path, role="instructeur")  # the platform does not answer: closed port
    async with run_app(app, size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, JuryHomeScreen)
        status = screen.query_one(StatusLine)
        await until(pilot, lambda: status.message.startswith("Campagnes indisponibles"))
        assert "ne répond pas" in status.message and status.message_is_error
        assert screen.rows == [] and screen.campaign is None
        await pilot.press("f6", "ctrl+d")  # nothing to publish nor to decide: nothing happens
        assert app.screen is screen
        assert "Choisissez une campagne" in str(screen.query_one("#jury-count").render())
