"""SVG snapshots of "Mes demandes", each tab of a CESP dossier, the pieces, the synthesis
and the merge box, at 80x24 and 120x40 (cursor blink frozen, fixed data and dates).

Update after a deliberate visual change with ``pytest tests/tui --snapshot-update`` and
look at the new SVGs before committing them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot

from cesp_client.store import DraftStore, PieceState
from cesp_client.sync.local import CONFLICT, park_op
from cesp_tui.app import CespApp
from tests.support.dossiers import complete_cesp_values, tiny_pdf
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    begun,
    freeze_cursors,
    settle_workers,
    tui_app,
)

SIZES = [(80, 24), (120, 40)]
DOSSIER = "00000000-0000-4000-8000-000000000001"
TRANSMITTED = "00000000-0000-4000-8000-000000000002"
CONFLICTED = "00000000-0000-4000-8000-000000000003"


def seed(tmp_path: Path) -> None:
    """A draft half done (some pieces), a transmitted dossier, one in conflict."""
    values = complete_cesp_values()
    draft_values = {
        **values,
        "etat_civil": {**values["etat_civil"], "nir": None},
        "volet_social": {"situation_familiale": "celibataire"},
    }
    store = DraftStore(tmp_path / "drafts.db")
    try:
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            7,
            dossier_id=DOSSIER,
            data=draft_values,
            server_version=4,
            numero="CESP-2026-000042",
        )
        store.set_field(DOSSIER, "adresse", "complement", "Bâtiment B")
        for name, piece_type, state in (
            ("carte_identite.pdf", "piece_identite", PieceState.UPLOADED),
            ("certificat_2025.pdf", "certificat_scolarite", PieceState.PENDING),
            ("rib.pdf", "rib", PieceState.REFUSED),
        ):
            source = tmp_path / name
            source.write_bytes(tiny_pdf(name))
            piece = store.add_piece(DOSSIER, piece_type, source)
            if state is not PieceState.PENDING:
                store.set_piece_state(
                    piece.id,
                    state,
                    server_id="srv" if state is PieceState.UPLOADED else None,
                    error="fichier illisible" if state is PieceState.REFUSED else None,
                )
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            6,
            dossier_id=TRANSMITTED,
            data=values,
            server_version=12,
            numero="CESP-2025-000007",
            state="transmis",
        )
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            7,
            dossier_id=CONFLICTED,
            data={**values, "adresse": {**values["adresse"], "telephone": "06 11 11 11 11"}},
            server_version=5,
            numero="CESP-2026-000043",
        )
        store.apply_server_copy(
            CONFLICTED,
            version=6,
            data={
                **values,
                "adresse": {
                    **values["adresse"],
                    "telephone": "05 55 00 00 00",
                    "adresse": "4 avenue de la Libération",
                },
            },
        )
        op = store.mark_tab_saved(CONFLICTED, "adresse")
        park_op(store, op.id or 0, f"{CONFLICT}: version 6")
        with store.engine.begin() as connection:  # fixed dates: stable pictures
            for dossier_id, moment in (
                (DOSSIER, datetime(2026, 3, 2, 9, 30)),
                (TRANSMITTED, datetime(2025, 3, 10, 16, 5)),
                (CONFLICTED, datetime(2026, 3, 1, 11, 0)),
            ):
                connection.execute(
                    text(
                        "UPDATE local_dossier SET updated_at = :at, synced_at = :at WHERE id = :id"
                    ),
                    {"at": moment.isoformat(sep=" "), "id": dossier_id},
                )
    finally:
        store.close()


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    # What the client says at login (a dossier in conflict) is not the screen's.
    pilot.app.clear_notifications()
    await pilot.pause()


def app_for(tmp_path: Path, **kwargs: Any) -> CespApp:
    seed(tmp_path)
    return tui_app(tmp_path, role="candidat", **kwargs)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_home(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(tmp_path), terminal_size=size, run_before=begun(settle))


TABS = ["etat_civil", "adresse", "etudes", "volet_social", "coordonnees_bancaires"]


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_form_tab(snap_compare: Any, tmp_path: Path, size: tuple[int, int], tab: str) -> None:
    app = app_for(tmp_path, open_id=DOSSIER, tab=tab)
    assert snap_compare(app, terminal_size=size, run_before=begun(settle))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_etat_civil_after_enregistrer(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    async def save(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    app = app_for(tmp_path, open_id=DOSSIER, tab="etat_civil")
    assert snap_compare(app, terminal_size=size, run_before=begun(save))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_pieces(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_for(tmp_path, open_id=DOSSIER, tab="pieces")
    assert snap_compare(app, terminal_size=size, run_before=begun(settle))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_synthese(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_first(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("enter")  # open "État civil"
        await settle(pilot)

    app = app_for(tmp_path, open_id=DOSSIER, tab="synthese")
    assert snap_compare(app, terminal_size=size, run_before=begun(open_first))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_transmitted_read_only(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = app_for(tmp_path, open_id=TRANSMITTED, tab="etat_civil")
    assert snap_compare(app, terminal_size=size, run_before=begun(settle))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_merge(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def choose(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("s")  # "Adresse": the server's; "Téléphone" still to choose
        await settle(pilot)

    app = app_for(tmp_path, open_id=CONFLICTED, tab="adresse")
    assert snap_compare(app, terminal_size=size, run_before=begun(choose))
