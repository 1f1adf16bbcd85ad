"""The local draft store: durability under SIGKILL, file mode, queue, coalescing, backoff."""

from __future__ import annotations

import itertools
import os
import signal
import stat
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import keyring
import pytest

from cesp_client.credentials import TokenStore
from cesp_client.store import DraftStore, DraftWriter, OpKind, PieceState, backoff_delay
from cesp_client.store.crypto import DraftsLocked
from cesp_client.store.models import LocalDossier, utcnow

SERVER = "http://127.0.0.1:8000"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> DraftStore:
    drafts = DraftStore(tmp_path / "client" / "drafts.db")
    yield drafts
    drafts.close()


def test_fields_are_written_at_once_and_read_back(store: DraftStore) -> None:
    dossier = store.create_local(SERVER, "agent", "cesp", 3)
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Dupont")
    store.set_field(dossier.id, "etat_civil", "nationalite_francaise", False)
    store.set_field(dossier.id, "adresse", "complement", None)
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Dupond")
    found = store.get(dossier.id)
    assert found is not None
    assert found.data == {
        "etat_civil": {"nom_naissance": "Dupond", "nationalite_francaise": False},
        "adresse": {"complement": None},
    }
    assert found.dirty_tabs == ["etat_civil", "adresse"]
    assert found.server_version is None
    assert [d.id for d in store.list(SERVER, "agent")] == [dossier.id]
    assert store.list(SERVER, "someone-else") == []
    with pytest.raises(KeyError):
        store.set_field("no-such-dossier", "etat_civil", "nom_naissance", "x")
    with pytest.raises(ValueError):
        store.set_field(dossier.id, 'etat_civil"', "nom", "x")


def test_the_database_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "data" / "drafts.db"
    drafts = DraftStore(path)
    dossier = drafts.create_local(SERVER, "agent", "cesp")
    drafts.set_field(dossier.id, "etat_civil", "nom_naissance", "Dupont")
    for name in ("drafts.db", "drafts.db-wal", "drafts.db-shm"):
        mode = stat.S_IMODE((path.parent / name).stat().st_mode)
        assert mode == 0o600, name
    with drafts.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    drafts.close()


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from cesp_client.store import DraftStore

    class NoKeyring:
        def save_draft_key(self, *args):
            return False

        def load_draft_key(self, *args):
            return None

        def delete_draft_key(self, *args):
            return None

    store = DraftStore(Path({path!r}))
    if {encrypted!r}:  # the drafts encrypted at rest, key from the password (no keyring)
        from cesp_client.store import crypto, keys

        keys.DEFAULT_KDF = crypto.KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
        keys.unlock_with_password(
            store, NoKeyring(), ("http://127.0.0.1:8000", "agent"), "Motdepasse1!", verified=True
        )
    dossier = store.create_local("http://127.0.0.1:8000", "agent", "cesp")
    print("dossier", dossier.id, flush=True)
    i = 0
    while True:
        store.set_field(dossier.id, "volet_social", f"f{{i % 500}}", str(i))
        print(i, flush=True)
        i += 1
    """
)


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_every_committed_write_survives_a_hard_kill(tmp_path: Path, encrypted: bool) -> None:
    path = tmp_path / "drafts.db"
    code = WRITER.format(root=str(REPO_ROOT), path=str(path), encrypted=encrypted)
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    first = process.stdout.readline().split()
    assert first[0] == "dossier"
    dossier_id = first[1]
    printed: list[int] = []
    for line in process.stdout:
        printed.append(int(line))
        if len(printed) >= 1500:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    reopened = DraftStore(path)
    if encrypted:
        from cesp_client.store import keys
        from tests.tui.test_store_crypto import NoKeyring

        keyring.set_keyring(NoKeyring())
        owner = ("http://127.0.0.1:8000", "agent")
        with pytest.raises(DraftsLocked):
            reopened.get(dossier_id)
        assert keys.unlock_with_password(
            reopened, TokenStore(), owner, "Motdepasse1!", verified=False
        )
    dossier = reopened.get(dossier_id)
    assert dossier is not None
    values = dossier.data["volet_social"]
    # Each printed value was committed before it was printed: the last value printed
    # for every key is there (or a later one, committed but not yet printed).
    last_printed: dict[str, int] = {}
    for i in printed:
        last_printed[f"f{i % 500}"] = i
    for key, i in last_printed.items():
        assert int(values[key]) >= i, key
    reopened.close()


def test_saves_of_a_tab_coalesce_and_keep_the_oldest_key(store: DraftStore) -> None:
    dossier = store.create_local(SERVER, "agent", "cesp")
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Dupont")
    first = store.mark_tab_saved(dossier.id, "etat_civil")
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Durand")
    second = store.mark_tab_saved(dossier.id, "etat_civil")
    other = store.mark_tab_saved(dossier.id, "adresse")
    assert second.id == first.id
    assert second.idempotency_key == first.idempotency_key
    assert other.id != first.id
    ops = store.ops(dossier.id)
    assert [(op.kind, op.tab) for op in ops] == [
        (OpKind.CREATE, None),
        (OpKind.SAVE_TAB, "etat_civil"),
        (OpKind.SAVE_TAB, "adresse"),
    ]
    assert ops[1].payload == {"values": {"nom_naissance": "Durand"}}
    assert store.get(dossier.id).dirty_tabs == []  # type: ignore[union-attr]
    assert store.pending_count() == 3
    assert store.pending_count(dossier.id) == 3

    # Once a save has been sent, a newer one queues behind it with a key of its own.
    store.op_sending(ops[0].id)  # type: ignore[arg-type]
    store.op_done(ops[0].id, server_version=1, numero="CESP-2027-000001")  # type: ignore[arg-type]
    sent = store.op_sending(first.id)  # type: ignore[arg-type]
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Martin")
    third = store.mark_tab_saved(dossier.id, "etat_civil")
    assert third.id != sent.id
    assert third.idempotency_key != sent.idempotency_key


def test_the_queue_runs_in_order_per_dossier_with_backoff(store: DraftStore) -> None:
    one = store.create_local(SERVER, "agent", "cesp")
    two = store.create_local(SERVER, "agent", "cesp")
    store.mark_tab_saved(one.id, "etat_civil")
    now = utcnow()
    heads = store.pending_ops(now)
    assert [(op.dossier_id, op.kind) for op in heads] == [
        (one.id, OpKind.CREATE),
        (two.id, OpKind.CREATE),
    ]
    create_one = heads[0]
    store.op_sending(create_one.id)  # type: ignore[arg-type]
    assert [op.dossier_id for op in store.pending_ops(now)] == [two.id]  # one is in flight
    retry_at = store.op_failed(create_one.id, "Serveur injoignable", timedelta(seconds=30))  # type: ignore[arg-type]
    assert retry_at >= now + timedelta(seconds=30)
    failed = store.ops(one.id)[0]
    assert failed.attempts == 1
    assert failed.last_error == "Serveur injoignable"
    assert not failed.in_flight
    # Not due yet; the dossier's save waits behind its creation.
    assert [op.dossier_id for op in store.pending_ops(now)] == [two.id]
    later = store.pending_ops(now + timedelta(seconds=31))
    assert (one.id, OpKind.CREATE) in [(op.dossier_id, op.kind) for op in later]
    assert store.next_attempt_at() is not None

    store.op_done(create_one.id, server_version=1, server_data={})  # type: ignore[arg-type]
    found = store.get(one.id)
    assert found is not None and found.server_version == 1 and found.synced_at is not None
    save = next(op for op in store.pending_ops(now) if op.dossier_id == one.id)
    assert save.kind == OpKind.SAVE_TAB
    store.op_done(save.id, server_version=2, server_data={"etat_civil": {}})  # type: ignore[arg-type]
    found = store.get(one.id)
    assert found is not None
    assert found.saved_tabs == ["etat_civil"]
    assert found.server_version == 2
    assert found.server_data == {"etat_civil": {}}


def test_backoff_grows_and_is_capped() -> None:
    delays = [backoff_delay(n, jitter=False).total_seconds() for n in range(1, 12)]
    assert delays[:4] == [2, 4, 8, 16]
    assert delays[-1] == 300
    assert all(a <= b for a, b in itertools.pairwise(delays))
    jittered = backoff_delay(3).total_seconds()
    assert 8 * 0.8 <= jittered <= 8 * 1.2


def test_an_interrupted_send_is_offered_again_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "drafts.db"
    drafts = DraftStore(path)
    dossier = drafts.create_local(SERVER, "agent", "cesp")
    op = drafts.pending_ops()[0]
    drafts.op_sending(op.id)  # type: ignore[arg-type]
    assert drafts.pending_ops() == []
    drafts.close()
    reopened = DraftStore(path)
    again = reopened.pending_ops()
    assert [o.id for o in again] == [op.id]
    assert again[0].attempts == 1 and again[0].dossier_id == dossier.id
    reopened.close()


def test_deleting_a_draft(store: DraftStore) -> None:
    local = store.create_local(SERVER, "agent", "cesp")
    store.mark_tab_saved(local.id, "etat_civil")
    assert store.delete_dossier(local.id) is True  # never sent: gone at once
    assert store.get(local.id) is None
    assert store.pending_count() == 0

    known = store.create_local(SERVER, "agent", "cesp", server_version=4, data={"adresse": {}})
    store.mark_tab_saved(known.id, "adresse")
    assert store.delete_dossier(known.id) is False
    assert [op.kind for op in store.ops(known.id)] == [OpKind.DELETE]
    op = store.ops(known.id)[0]
    store.op_done(op.id)  # type: ignore[arg-type]
    assert store.get(known.id) is None


def test_pieces_are_copied_privately_queued_and_counted(store: DraftStore, tmp_path: Path) -> None:
    source = tmp_path / "Carte identité.PDF"
    source.write_bytes(b"%PDF-1.4 test\n")
    dossier = store.create_local(SERVER, "agent", "cesp", server_version=1)
    piece = store.add_piece(dossier.id, "piece_identite", source)
    copy = Path(piece.path)
    assert copy.exists() and copy.parent == store.pieces_dir
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert piece.filename == "Carte identité.PDF"
    assert piece.size == source.stat().st_size
    assert len(piece.sha256) == 64
    assert [op.kind for op in store.ops(dossier.id)] == [OpKind.UPLOAD]
    assert store.piece_counts(dossier.id) == {"piece_identite": 1}

    store.set_piece_state(piece.id, PieceState.UPLOADED, server_id="srv-1")
    assert not copy.exists()  # the server has it now
    assert source.exists()  # the user's file is never touched
    store.set_piece_state(piece.id, PieceState.REFUSED, error="Format refusé")
    assert store.piece_counts(dossier.id) == {}

    second = store.add_piece(dossier.id, "rib", source)
    store.remove_piece(second.id)  # never sent: simply dropped
    assert all(op.payload.get("piece_id") != second.id for op in store.ops(dossier.id))
    store.remove_piece(piece.id)  # on the server: its deletion is queued
    kinds = [op.kind for op in store.ops(dossier.id)]
    assert kinds[-1] == OpKind.DELETE_PIECE
    assert store.ops(dossier.id)[-1].payload["server_id"] == "srv-1"
    assert store.pieces(dossier.id) == []


def test_the_writer_thread_keeps_the_typing_order(store: DraftStore) -> None:
    dossier = store.create_local(SERVER, "agent", "cesp")
    errors: list[BaseException] = []
    writer = DraftWriter(store, on_error=errors.append)
    typed = "Jean-Baptiste"
    for end in range(1, len(typed) + 1):
        writer.set_field(dossier.id, "etat_civil", "prenoms", typed[:end])
    writer.set_field("missing", "etat_civil", "prenoms", "x")
    assert writer.flush()
    writer.close()
    assert store.get(dossier.id).data == {"etat_civil": {"prenoms": typed}}  # type: ignore[union-attr]
    assert len(errors) == 1 and isinstance(errors[0], KeyError)


def test_server_copy_is_kept_for_merges(store: DraftStore) -> None:
    dossier = store.create_local(SERVER, "agent", "cesp", server_version=2, data={"adresse": {}})
    store.set_field(dossier.id, "adresse", "adresse", "1 rue locale")
    store.apply_server_copy(dossier.id, version=3, data={"adresse": {"adresse": "2 rue serveur"}})
    found = store.get(dossier.id)
    assert found is not None
    assert found.data["adresse"]["adresse"] == "1 rue locale"
    assert found.server_data == {"adresse": {"adresse": "2 rue serveur"}}
    assert found.server_version == 3
    store.apply_server_copy(
        dossier.id, version=3, data={"adresse": {"adresse": "2 rue serveur"}}, replace_local=True
    )
    found = store.get(dossier.id)
    assert found is not None
    assert found.data == {"adresse": {"adresse": "2 rue serveur"}}
    assert found.dirty_tabs == []


def test_private_file_mode_even_with_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        drafts = DraftStore(tmp_path / "x" / "drafts.db")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x" / "drafts.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "x").stat().st_mode) == 0o700
    drafts.close()


def test_op_start_reserves_the_op_and_op_done_returns_the_new_copy(store: DraftStore) -> None:
    dossier = store.create_local("local", "jeanne", "cesp", 7)
    store.set_field(dossier.id, "etat_civil", "nom_naissance", "Durand")
    store.mark_tab_saved(dossier.id, "etat_civil")
    create, save = store.ops(dossier.id)
    assert create.id is not None and save.id is not None

    started = store.op_start(create.id, dossier.id)
    assert started is not None and started.id == dossier.id
    reserved = store.ops(dossier.id)[0]
    assert (reserved.in_flight, reserved.attempts) == (True, 1)

    after = store.op_done(create.id, server_version=1, numero="CESP-2027-000001")
    assert after is not None
    assert (after.server_version, after.numero) == (1, "CESP-2027-000001")
    assert [op.id for op in store.ops(dossier.id)] == [save.id]
    # a dossier gone meanwhile: its op is dropped, nothing is returned
    with store._tx() as session:  # what a deletion the server confirmed leaves behind
        session.delete(session.get(LocalDossier, dossier.id))
    assert store.op_start(save.id, dossier.id) is None
    assert store.ops(dossier.id) == []
