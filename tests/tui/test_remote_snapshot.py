"""`cesp_client.remote`: the platform's dossier document as a read-only snapshot."""

from __future__ import annotations

from typing import Any

from cesp_client.remote import snapshot_from_server
from cesp_client.store import PieceState


def _document() -> dict[str, Any]:
    return {
        "id": "8d7c2a8e-0000-4000-8000-000000000001",
        "numero": "CESP-2026-000007",
        "demarche": "cesp",
        "campaign": {"id": 3, "label": "Campagne 2026"},
        "state": "transmis",
        "version": 9,
        "data": {"etat_civil": {"nom_naissance": "Martin", "prenoms": "Jeanne"}},
        "saved_tabs": ["etat_civil"],
        "certifications": ["exactitude"],
        "pieces": [
            {"id": "p1", "piece_type": "rib", "filename": "rib.pdf", "size": 1200},
        ],
    }


def test_snapshot_keeps_the_platform_copy_and_marks_it_remote() -> None:
    snapshot = snapshot_from_server(_document(), "local", "support.anne")  # type: ignore[arg-type]
    dossier = snapshot.dossier
    assert snapshot.remote is True
    assert snapshot.ops == []
    assert (dossier.numero, dossier.state, dossier.server_version) == (
        "CESP-2026-000007",
        "transmis",
        9,
    )
    assert dossier.campaign_id == 3
    assert dossier.data == dossier.server_data == _document()["data"]
    assert dossier.dirty_tabs == []
    assert [(p.piece_type, p.server_id, p.state) for p in snapshot.pieces] == [
        ("rib", "p1", PieceState.UPLOADED)
    ]


def test_snapshot_is_a_copy_of_the_document() -> None:
    document = _document()
    snapshot = snapshot_from_server(document, "local", "support.anne")  # type: ignore[arg-type]
    snapshot.dossier.data["etat_civil"]["nom_naissance"] = "Autre"
    assert document["data"]["etat_civil"]["nom_naissance"] == "Martin"
    assert snapshot.dossier.server_data is not None
    assert snapshot.dossier.server_data["etat_civil"]["nom_naissance"] == "Martin"
