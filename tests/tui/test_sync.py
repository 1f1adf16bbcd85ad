"""The sync engine between a real `DraftStore` and the real platform on loopback."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from textual.message import Message

from cesp_client.api import ApiClient
from cesp_client.events import (
    ConnectionChanged,
    DossiersPulled,
    DossierSynced,
    DossierTransmitted,
    PendingCountChanged,
    SaveRefused,
    SessionExpired,
    SyncConflict,
)
from cesp_client.store import DraftStore, OpKind, PieceState
from cesp_client.sync import SyncEngine, reconnect_delay, resolve_conflict
from cesp_client.sync.three_way import three_way
from tests.support.accounts import (
    DEFAULT_PASSWORD,
    create_cesp_account,
    expire_sessions,
    login,
)
from tests.support.dossiers import (
    certifications,
    complete_cesp_values,
    make_campaign,
    required_piece_types,
    tiny_pdf,
)
from tests.support.server import ServerHandle, restart_server
from tests.support.smtp import SmtpSink

KEY = "plateforme-de-test"
EMAIL = "lea.moreau@example.org"
USER = "jeanne.dupont"  # the name `create_cesp_account` signs up with

M = TypeVar("M", bound=Message)


class Recorder:
    """Collects what the engine posts (in place of ``app.post_message``)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        self.messages.append(message)

    def of(self, kind: type[M]) -> list[M]:
        return [m for m in self.messages if isinstance(m, kind)]

    def clear(self) -> None:
        self.messages.clear()


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for a background engine to reach a state (polling the condition)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.fixture
def account(server: ServerHandle, smtp: SmtpSink) -> str:
    return create_cesp_account(server, smtp, EMAIL)


@pytest.fixture
def campaign(server: ServerHandle) -> int:
    return make_campaign(server)


@pytest.fixture
async def engine(
    server: ServerHandle, drafts: DraftStore, account: str
) -> AsyncIterator[SyncEngine]:
    recorder = Recorder()
    client = ApiClient(server.url, account)
    sync = SyncEngine(
        drafts,
        client,
        server_key=KEY,
        username=USER,
        post=recorder,
        poll_interval=0.05,
        reconnect_base=0.05,
        reconnect_max=0.2,
    )
    yield sync
    sync.stop()
    await client.aclose()


def recorder_of(engine: SyncEngine) -> Recorder:
    assert isinstance(engine.post, Recorder)
    return engine.post


def server_dossier(server: ServerHandle, token: str, dossier_id: str) -> dict[str, Any]:
    with server.client(token) as client:
        response = client.get(f"/dossiers/{dossier_id}")
    assert response.status_code == 200, response.text
    return response.json()


def new_local(drafts: DraftStore, campaign: int) -> str:
    return drafts.create_local(KEY, USER, "cesp", campaign).id


def fill_tab(drafts: DraftStore, dossier_id: str, tab: str, values: dict[str, Any]) -> None:
    for field, value in values.items():
        drafts.set_field(dossier_id, tab, field, value)
    drafts.mark_tab_saved(dossier_id, tab)


# --- creation and saves ------------------------------------------------------------------


async def test_create_then_save_with_if_match(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    values = complete_cesp_values()
    fill_tab(drafts, dossier_id, "etat_civil", values["etat_civil"])
    fill_tab(drafts, dossier_id, "adresse", {**values["adresse"], "adresse": "  3 rue Haute  "})
    drafts.set_field(dossier_id, "etudes", "filiere", "medecine")  # typed, not saved

    assert await engine.run_once() == 3
    recorder = recorder_of(engine)
    assert [m.kind for m in recorder.of(DossierSynced)] == ["create", "save_tab", "save_tab"]
    assert recorder.of(PendingCountChanged)[-1].count == 0
    assert drafts.pending_count() == 0

    theirs = server_dossier(server, account, dossier_id)
    assert theirs["version"] == 3  # created (1), then one save per tab
    assert theirs["data"]["etat_civil"]["nir"] == values["etat_civil"]["nir"]
    assert "etudes" not in theirs["data"]  # never sent: not saved
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert mine.server_version == 3 and mine.numero == theirs["numero"]
    assert set(mine.saved_tabs) == {"etat_civil", "adresse"}
    assert mine.dirty_tabs == ["etudes"]
    # The server's normalised value came back into the local copy (nothing typed since).
    assert theirs["data"]["adresse"]["adresse"] == "3 rue Haute"
    assert mine.data["adresse"]["adresse"] == "3 rue Haute"


async def test_a_412_posts_both_versions_and_never_overwrites(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    values = complete_cesp_values()
    fill_tab(drafts, dossier_id, "etat_civil", values["etat_civil"])
    fill_tab(drafts, dossier_id, "adresse", values["adresse"])
    await engine.run_once()
    version = server_dossier(server, account, dossier_id)["version"]

    # Another workstation changes "État civil" and "Adresse" on the server.
    other = login(server, EMAIL, DEFAULT_PASSWORD)
    with server.client(other) as client:
        changes = (
            ("etat_civil", {"nom_usage": "Lefebvre"}),
            ("adresse", {"telephone": "0555555555"}),
        )
        for tab, change in changes:
            r = client.put(
                f"/dossiers/{dossier_id}/tabs/{tab}",
                json={"values": change},
                headers={"If-Match": f'"{version}"'},
            )
            assert r.status_code == 200, r.text
            version = r.json()["version"]

    # Here, "État civil" is changed differently, saved with the version read before.
    drafts.set_field(dossier_id, "etat_civil", "nom_usage", "Martin")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    recorder = recorder_of(engine)
    recorder.clear()
    await engine.run_once()

    [conflict] = recorder.of(SyncConflict)
    assert conflict.dossier_id == dossier_id and conflict.tab == "etat_civil"
    assert conflict.mine["nom_usage"] == "Martin"
    assert conflict.theirs["nom_usage"] == "Lefebvre"
    assert conflict.server_version == version
    theirs = server_dossier(server, account, dossier_id)
    assert theirs["data"]["etat_civil"]["nom_usage"] == "Lefebvre"  # not overwritten
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert mine.data["etat_civil"]["nom_usage"] == "Martin"  # nothing typed is lost
    assert mine.data["adresse"]["telephone"].replace(" ", "") == "0555555555"  # theirs
    assert mine.server_version == version
    assert drafts.pending_count() == 1  # the parked save waits for the merge
    assert await engine.run_once() == 0  # and is not retried behind the user's back

    # Saved again before merging: still held; the conflict now shows the latest values.
    drafts.set_field(dossier_id, "etat_civil", "nom_usage", "Martin-Roux")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    recorder.clear()
    assert await engine.run_once() == 0
    [again] = recorder.of(SyncConflict)
    assert (again.mine["nom_usage"], again.theirs["nom_usage"]) == ("Martin-Roux", "Lefebvre")
    assert drafts.pending_count() == 1
    assert server_dossier(server, account, dossier_id)["data"]["etat_civil"]["nom_usage"] == (
        "Lefebvre"
    )

    # The merge screen keeps mine: sent with the server's new version.
    op = resolve_conflict(drafts, dossier_id, "etat_civil", again.mine)
    assert op is not None
    await engine.run_once()
    assert server_dossier(server, account, dossier_id)["data"]["etat_civil"]["nom_usage"] == (
        "Martin-Roux"
    )
    assert drafts.pending_count() == 0


async def test_fields_changed_on_one_side_only_merge_without_a_question(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    """Three-way against the last synced copy: the other workstation changed "nom
    d'usage", this one "prénoms" (same tab): both are kept, nobody is asked."""
    dossier_id = new_local(drafts, campaign)
    fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
    await engine.run_once()
    version = server_dossier(server, account, dossier_id)["version"]
    other = login(server, EMAIL, DEFAULT_PASSWORD)
    with server.client(other) as client:
        r = client.put(
            f"/dossiers/{dossier_id}/tabs/etat_civil",
            json={"values": {"nom_usage": "Lefebvre"}},
            headers={"If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, r.text
    drafts.set_field(dossier_id, "etat_civil", "prenoms", "Pierre")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    recorder = recorder_of(engine)
    recorder.clear()
    await engine.run_once()
    await engine.run_once()  # the merged save, re-sent with the server's version

    assert recorder.of(SyncConflict) == []
    theirs = server_dossier(server, account, dossier_id)["data"]["etat_civil"]
    assert (theirs["nom_usage"], theirs["prenoms"]) == ("Lefebvre", "Pierre")
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert (mine.data["etat_civil"]["nom_usage"], mine.data["etat_civil"]["prenoms"]) == (
        "Lefebvre",
        "Pierre",
    )
    assert drafts.pending_count() == 0


async def test_only_fields_changed_on_both_sides_are_asked_with_the_base(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    """Changed on both sides: the conflict carries the last synced copy, so the merge
    screen asks only about that field; a field changed here only is never undone."""
    dossier_id = new_local(drafts, campaign)
    fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
    await engine.run_once()
    version = server_dossier(server, account, dossier_id)["version"]
    with server.client(account) as client:
        r = client.put(
            f"/dossiers/{dossier_id}/tabs/etat_civil",
            json={"values": {"nom_usage": "Lefebvre", "prenoms": "Paul"}},
            headers={"If-Match": f'"{version}"'},
        )
        assert r.status_code == 200, r.text
    drafts.set_field(dossier_id, "etat_civil", "nom_usage", "Martin")
    drafts.set_field(dossier_id, "etat_civil", "nom_naissance", "Durand-Roux")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    await engine.run_once()
    [conflict] = recorder_of(engine).of(SyncConflict)
    assert conflict.base["nom_usage"] is None and conflict.base["prenoms"] == "Jean Pierre"
    assert conflict.base["nom_naissance"].upper() == "DURAND"
    merge = three_way(conflict.base, conflict.mine, conflict.theirs)
    assert merge.conflicts == ["nom_usage"]
    assert "prenoms" in merge.theirs_changed and "nom_naissance" in merge.mine_changed
    assert merge.merged["prenoms"] == "Paul"  # theirs only
    assert merge.merged["nom_naissance"] == "Durand-Roux"  # mine only

    # After a restart, the parked save still knows the base.
    recorder_of(engine).clear()
    await engine.announce_parked()
    [again] = recorder_of(engine).of(SyncConflict)
    assert again.base == conflict.base


async def test_keep_theirs_applies_the_server_copy_locally(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
    await engine.run_once()
    version = server_dossier(server, account, dossier_id)["version"]
    with server.client(account) as client:
        r = client.put(
            f"/dossiers/{dossier_id}/tabs/etat_civil",
            json={"values": {"prenoms": "Paul"}},
            headers={"If-Match": f'"{version}"'},
        )
        assert r.status_code == 200
    drafts.set_field(dossier_id, "etat_civil", "prenoms", "Pierre")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    await engine.run_once()
    [conflict] = recorder_of(engine).of(SyncConflict)
    assert (conflict.mine["prenoms"], conflict.theirs["prenoms"]) == ("Pierre", "Paul")

    assert resolve_conflict(drafts, dossier_id, "etat_civil", conflict.theirs) is None
    mine = drafts.get(dossier_id)
    assert mine is not None and mine.data["etat_civil"]["prenoms"] == "Paul"
    assert drafts.pending_count() == 0
    assert await engine.run_once() == 0


async def test_a_422_is_refused_loudly_and_not_retried(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    drafts.set_field(dossier_id, "etat_civil", "nom_naissance", "Durand")
    drafts.set_field(dossier_id, "etat_civil", "champ_inconnu", "x")
    drafts.mark_tab_saved(dossier_id, "etat_civil")
    assert await engine.run_once() == 2

    [refused] = recorder_of(engine).of(SaveRefused)
    assert refused.dossier_id == dossier_id and refused.tab == "etat_civil"
    assert refused.detail == "Certaines valeurs ne peuvent pas être enregistrées."
    assert [p.field for p in refused.problems] == ["champ_inconnu"]
    assert drafts.pending_count() == 0  # dropped: never retried forever
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert "etat_civil" in mine.dirty_tabs  # "Enregistrer" is needed again
    assert mine.data["etat_civil"]["nom_naissance"] == "Durand"  # nothing lost
    theirs = server_dossier(server, account, dossier_id)["data"]["etat_civil"]
    assert theirs["nom_naissance"] == "Dupont"  # the sign-up's name, as created
    assert "champ_inconnu" not in theirs


async def test_a_refused_file_is_marked_and_said(
    engine: SyncEngine,
    drafts: DraftStore,
    campaign: int,
    tmp_path: Path,
) -> None:
    dossier_id = new_local(drafts, campaign)
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    piece = drafts.add_piece(dossier_id, "piece_identite", fake)
    good = tmp_path / "rib.pdf"
    good.write_bytes(tiny_pdf("RIB"))
    rib = drafts.add_piece(dossier_id, "rib", good)
    await engine.run_once()

    [refused] = recorder_of(engine).of(SaveRefused)
    assert refused.kind == OpKind.UPLOAD and refused.tab == "pieces"
    assert "Format refusé" in refused.detail
    states = {p.id: p for p in drafts.pieces(dossier_id)}
    assert states[piece.id].state == PieceState.REFUSED
    assert states[piece.id].error == refused.detail
    assert states[rib.id].state == PieceState.UPLOADED and states[rib.id].server_id


# --- connection and session ----------------------------------------------------------


async def test_offline_then_back_on_the_same_port(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    await engine.run_once()
    recorder = recorder_of(engine)
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: engine.online is True)
        server.stop()
        fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
        engine.wake()
        await until(lambda: engine.online is False)
        assert recorder.of(ConnectionChanged)[-1].online is False
        await until(lambda: any(m.count == 1 for m in recorder.of(PendingCountChanged)))
        assert drafts.pending_count() == 1  # kept, waiting

        back = restart_server(server)
        try:
            await until(lambda: engine.online is True)
            await until(lambda: recorder.of(PendingCountChanged)[-1].count == 0)
            assert drafts.pending_count() == 0
            assert recorder.of(ConnectionChanged)[-1].online is True
            data = server_dossier(back, account, dossier_id)["data"]
            assert data["etat_civil"]["nom_naissance"] == "Durand"
        finally:
            engine.stop()
            await task
            back.stop()
    finally:
        if not task.done():
            task.cancel()


async def test_going_offline_is_noticed_with_nothing_to_send(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str
) -> None:
    """Idle, the engine probes the platform lightly: a stopped server is seen as offline
    without anything queued or any wake."""
    engine.health_interval = 0.05
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: engine.online is True)
        assert drafts.pending_count() == 0
        server.stop()
        await until(lambda: engine.online is False)
        assert recorder_of(engine).of(ConnectionChanged)[-1].online is False
        back = restart_server(server)
        try:
            await until(lambda: engine.online is True)
        finally:
            engine.stop()
            await task
            back.stop()
    finally:
        if not task.done():
            task.cancel()


async def test_refresh_pulls_another_workstations_change_at_once(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, account: str, campaign: int
) -> None:
    """ "Actualiser" (``wake(pull=True)``) fetches the platform's copies, not only sends:
    another workstation's saved change shows up without waiting for the 5-minute pull."""
    dossier_id = new_local(drafts, campaign)
    fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
    await engine.run_once()
    version = server_dossier(server, account, dossier_id)["version"]
    task = asyncio.create_task(engine.run())
    try:
        await until(lambda: engine.online is True and engine._last_pull is not None)
        other = login(server, EMAIL, DEFAULT_PASSWORD)
        with server.client(other) as client:
            r = client.put(
                f"/dossiers/{dossier_id}/tabs/etat_civil",
                json={"values": {"prenoms": "Paul"}},
                headers={"If-Match": f'"{version}"'},
            )
            assert r.status_code == 200, r.text
        engine.wake(pull=True)

        def pulled() -> bool:
            mine = drafts.get(dossier_id)
            return mine is not None and mine.data["etat_civil"]["prenoms"] == "Paul"

        # The draft is written during the pull, the event is posted once the pull ends:
        # wait for both rather than asserting between the two.
        recorder = recorder_of(engine)
        await until(lambda: pulled() and bool(recorder.of(DossiersPulled)))
        assert recorder.of(DossiersPulled)[-1].updated == [dossier_id]
    finally:
        engine.stop()
        await task


def test_reconnect_delays_grow_with_jitter_and_are_capped() -> None:
    for attempt, ceiling in ((0, 1.0), (1, 2.0), (3, 8.0), (6, 60.0), (20, 60.0)):
        delays = {reconnect_delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jitter


async def test_session_expiry_pauses_and_resume_sends(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, campaign: int
) -> None:
    dossier_id = new_local(drafts, campaign)
    await engine.run_once()
    assert expire_sessions(server) >= 1
    fill_tab(drafts, dossier_id, "etat_civil", complete_cesp_values()["etat_civil"])
    recorder = recorder_of(engine)
    await engine.run_once()
    [expired] = recorder.of(SessionExpired)
    assert "session a expiré" in expired.detail
    assert engine.paused and drafts.pending_count() == 1
    [op] = drafts.ops(dossier_id)
    assert not op.in_flight and op.last_error

    token = login(server, USER)
    engine.resume(token)
    assert await engine.run_once() == 1
    assert drafts.pending_count() == 0
    data = server_dossier(server, token, dossier_id)["data"]
    assert data["etat_civil"]["prenoms"] == "Jean Pierre"


# --- transmission and pull -------------------------------------------------------------


async def test_transmission_replayed_with_its_key_is_not_doubled(
    engine: SyncEngine,
    drafts: DraftStore,
    server: ServerHandle,
    smtp: SmtpSink,
    account: str,
    campaign: int,
    tmp_path: Path,
) -> None:
    dossier_id = new_local(drafts, campaign)
    values = complete_cesp_values()
    for tab, tab_values in values.items():
        fill_tab(drafts, dossier_id, tab, tab_values)
    for index, piece_type in enumerate(required_piece_types("cesp", values)):
        source = tmp_path / f"{piece_type}.pdf"
        source.write_bytes(tiny_pdf(f"{piece_type} {index}"))
        drafts.add_piece(dossier_id, piece_type, source)
    await engine.run_once()
    assert drafts.pending_count() == 0
    op = drafts.queue_transmit(dossier_id, certifications("cesp"))

    # The first attempt reached the server but its answer was lost with the connection.
    mine = drafts.get(dossier_id)
    assert mine is not None
    with httpx.Client(base_url=server.api, timeout=30) as client:
        first = client.post(
            f"/dossiers/{dossier_id}/transmit",
            json={"certifications": certifications("cesp")},
            headers={
                "Authorization": f"Bearer {account}",
                "Idempotency-Key": op.idempotency_key,
                "If-Match": f'"{mine.server_version}"',
            },
        )
    assert first.status_code == 200, first.text

    await engine.run_once()
    [sent] = recorder_of(engine).of(DossierTransmitted)
    assert sent.numero == first.json()["numero"]
    assert sent.receipt == first.json()["receipt"]
    after = drafts.get(dossier_id)
    assert after is not None and after.state == "transmis"
    assert drafts.pending_count() == 0
    smtp.wait_for(EMAIL, "Confirmation de transmission")
    time.sleep(1.0)  # a second confirmation mail would be out by now
    assert len(smtp.find(EMAIL, "Confirmation de transmission")) == 1
    assert server_dossier(server, account, dossier_id)["state"] == "transmis"


async def test_pull_brings_new_dossiers_and_newer_tabs(
    engine: SyncEngine,
    drafts: DraftStore,
    server: ServerHandle,
    account: str,
    campaign: int,
    tmp_path: Path,
) -> None:
    values = complete_cesp_values()
    dossier_id = str(uuid.uuid4())
    with server.client(account) as client:
        created = client.post("/dossiers", json={"id": dossier_id, "campaign_id": campaign})
        assert created.status_code == 201
        version = created.json()["version"]
        for tab in ("etat_civil", "adresse"):
            r = client.put(
                f"/dossiers/{dossier_id}/tabs/{tab}",
                json={"values": values[tab]},
                headers={"If-Match": f'"{version}"'},
            )
            version = r.json()["version"]
        r = client.post(
            f"/dossiers/{dossier_id}/pieces/rib",
            files={"file": ("rib.pdf", tiny_pdf("RIB"), "application/pdf")},
        )
        assert r.status_code == 201

    pulled = await engine.pull()
    assert pulled.new == [dossier_id]
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert (mine.server_url, mine.account_username) == (KEY, USER)
    assert mine.server_version == version and mine.numero == created.json()["numero"]
    assert mine.data["adresse"]["telephone"] == values["adresse"]["telephone"]
    assert set(mine.saved_tabs) == {"etat_civil", "adresse"}
    [rib] = drafts.pieces(dossier_id)
    assert rib.state == PieceState.UPLOADED and rib.filename == "rib.pdf"

    # Someone changes both tabs on the server; here "Adresse" has an unsaved change.
    drafts.set_field(dossier_id, "adresse", "telephone", "0606060606")
    with server.client(account) as client:
        changes = (("etat_civil", {"prenoms": "Paul"}), ("adresse", {"telephone": "0707070707"}))
        for tab, change in changes:
            r = client.put(
                f"/dossiers/{dossier_id}/tabs/{tab}",
                json={"values": change},
                headers={"If-Match": f'"{version}"'},
            )
            version = r.json()["version"]
    recorder = recorder_of(engine)
    recorder.clear()
    pulled = await engine.pull()
    assert pulled.updated == [dossier_id]
    assert recorder.of(DossiersPulled)
    mine = drafts.get(dossier_id)
    assert mine is not None
    assert mine.data["etat_civil"]["prenoms"] == "Paul"  # no local change: theirs
    assert mine.data["adresse"]["telephone"] == "0606060606"  # local change kept
    [conflict] = recorder.of(SyncConflict)
    assert conflict.tab == "adresse"
    assert conflict.mine["telephone"] == "0606060606"
    assert conflict.theirs["telephone"].replace(" ", "") == "0707070707"
    assert mine.server_version == version


async def test_a_closed_campaign_refuses_the_save_loudly(
    engine: SyncEngine, drafts: DraftStore, server: ServerHandle, campaign: int
) -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from cesp_server.models import Campaign, utcnow

    dossier_id = new_local(drafts, campaign)
    await engine.run_once()
    with Session(server.app.state.engine) as session:
        row = session.get(Campaign, campaign)
        assert row is not None
        row.closes_at = utcnow() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    fill_tab(drafts, dossier_id, "adresse", complete_cesp_values()["adresse"])
    await engine.run_once()
    [refused] = recorder_of(engine).of(SaveRefused)
    assert (refused.dossier_id, refused.tab, refused.kind) == (dossier_id, "adresse", "save_tab")
    assert refused.detail.startswith("La date de clôture de l'appel à candidatures est dépassée")
    assert drafts.pending_count() == 0
    mine = drafts.get(dossier_id)
    assert mine is not None and "adresse" in mine.dirty_tabs


async def test_removed_pieces_and_deleted_drafts_reach_the_server(
    engine: SyncEngine,
    drafts: DraftStore,
    server: ServerHandle,
    account: str,
    campaign: int,
    tmp_path: Path,
) -> None:
    dossier_id = new_local(drafts, campaign)
    source = tmp_path / "cv.pdf"
    source.write_bytes(tiny_pdf("CV"))
    piece = drafts.add_piece(dossier_id, "cv", source)
    await engine.run_once()
    [uploaded] = drafts.pieces(dossier_id)
    assert uploaded.state == PieceState.UPLOADED
    assert [p["id"] for p in server_dossier(server, account, dossier_id)["pieces"]] == [
        uploaded.server_id
    ]

    drafts.remove_piece(piece.id)
    assert [op.kind for op in drafts.ops(dossier_id)] == [OpKind.DELETE_PIECE]
    await engine.run_once()
    assert server_dossier(server, account, dossier_id)["pieces"] == []
    assert drafts.pending_count() == 0

    assert drafts.delete_dossier(dossier_id) is False  # the server has it: queued
    await engine.run_once()
    assert drafts.get(dossier_id) is None
    with server.client(account) as client:
        assert client.get(f"/dossiers/{dossier_id}").status_code == 404
    assert [m.kind for m in recorder_of(engine).of(DossierSynced)][-2:] == [
        "delete_piece",
        "delete",
    ]
