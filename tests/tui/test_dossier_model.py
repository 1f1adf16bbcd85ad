"""`DossierModel`: the one write path of a dossier (no Textual, no app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cesp_client.dossier_model import DossierModel, delete_dossier
from cesp_client.store import DraftStore, DraftWriter, OpKind
from cesp_client.workspace import load_snapshot
from cesp_core.lifecycle import DossierState

KEY, USER = "local", "jdurand"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DraftStore]:
    s = DraftStore(tmp_path / "drafts.db")
    yield s
    s.close()


def _model(store: DraftStore, writer: DraftWriter, **kwargs: object) -> DossierModel:
    dossier = store.create_local(KEY, USER, "cesp", 1)
    snapshot = load_snapshot(store, dossier.id)
    assert snapshot is not None
    return DossierModel(store, writer, snapshot, **kwargs)  # type: ignore[arg-type]


def test_a_field_goes_to_the_copy_and_the_store(store: DraftStore) -> None:
    writer = DraftWriter(store)
    model = _model(store, writer)
    assert model.set_field("etat_civil", "nom_naissance", "Durand")
    assert writer.flush()
    stored = store.get(model.dossier_id)
    assert stored is not None and stored.data["etat_civil"]["nom_naissance"] == "Durand"
    assert model.data["etat_civil"]["nom_naissance"] == "Durand"
    assert model.dirty_tabs == ["etat_civil"]
    writer.close()


def test_a_read_only_dossier_takes_no_write(store: DraftStore) -> None:
    writer = DraftWriter(store)
    model = _model(store, writer, read_only_role=True)
    assert not model.set_field("etat_civil", "nom_naissance", "Durand")
    writer.flush()
    stored = store.get(model.dossier_id)
    assert stored is not None and "etat_civil" not in (stored.data or {})
    assert model.dirty_tabs == []
    writer.close()


def test_saving_a_tab_queues_it_with_what_was_typed(store: DraftStore) -> None:
    writer = DraftWriter(store)
    model = _model(store, writer)
    model.set_field("adresse", "code_postal", "87000")
    pending = model.save_tab("adresse")  # flushes the writer first
    model.adopt_tab_saved("adresse")
    saves = [op for op in store.ops(model.dossier_id) if op.kind == OpKind.SAVE_TAB]
    assert [op.tab for op in saves] == ["adresse"]
    assert saves[0].payload["values"]["code_postal"] == "87000"
    assert pending == len(store.ops(model.dossier_id))
    assert model.dirty_tabs == [] and model.queued_tabs == {"adresse"}
    model.adopt_certifications(["exactitude"])
    model.queue_transmit()
    [transmit] = [op for op in store.ops(model.dossier_id) if op.kind == OpKind.TRANSMIT]
    assert transmit.payload["certifications"] == ["exactitude"]
    writer.close()


def test_a_draft_never_sent_is_deleted_at_once(store: DraftStore) -> None:
    dossier = store.create_local(KEY, USER, "asp", 1)
    result = delete_dossier(store, dossier.id, server_key=KEY, username=USER)
    assert result.at_once and store.get(dossier.id) is None


def test_a_row_known_only_to_the_platform_gets_its_deletion_queued(store: DraftStore) -> None:
    """Récap used to report such a deletion done while offline, with nothing queued."""
    server_copy = {
        "demarche": "asp",
        "campaign_id": 1,
        "version": 4,
        "numero": "ASP-2027-000004",
        "state": DossierState.BROUILLON.value,
    }
    result = delete_dossier(
        store,
        "0b8e1c1e-0000-4000-8000-000000000004",
        server_key=KEY,
        username=USER,
        server_copy=server_copy,
    )
    assert not result.at_once
    ops = store.ops("0b8e1c1e-0000-4000-8000-000000000004")
    assert [op.kind for op in ops] == [OpKind.DELETE]
