"""SVG snapshots of the hospital side of the ASP démarche at 80x24 and 120x40: the
"Création de compte établissement" screen (partly filled: FINESS hint, password
checklist), "Récap. candidatures" (this computer's candidatures, offline), the
"Confirmer" box, and a candidature of a closed campaign (read-only banner). Fixed data
and dates, no live server, cursors frozen, TZ=UTC.

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots_asp.py
--snapshot-update`` and read the new SVGs before keeping them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Input

from cesp_client.store import DraftStore, PieceState
from cesp_tui.app import CespApp
from cesp_tui.screens.etablissement.signup_etablissement import EtablissementSignupScreen
from tests.support.dossiers import complete_asp_values, tiny_pdf
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    begun,
    freeze_cursors,
    freeze_screen_cursors,
    settle_workers,
    tui_app,
)

SIZES = [(80, 24), (120, 40)]
COMPLETE = "00000000-0000-4000-8000-0000000000a1"
PARTIAL = "00000000-0000-4000-8000-0000000000a2"
SENT = "00000000-0000-4000-8000-0000000000a3"
CAMPAIGN = 11
CLOSED_CAMPAIGN = {
    "id": CAMPAIGN,
    "demarche": "asp",
    "label": "ASP 2026",
    "closes_at": "2026-03-13T23:59:59+01:00",
    "is_open": False,
    "is_closed": True,
    "days_left": None,
}


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC (the tables show dates in local time)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def seed(tmp_path: Path) -> None:
    """A complete draft with its pieces, a draft with "Identification" only, a confirmed
    candidature."""
    store = DraftStore(tmp_path / "drafts.db")
    try:
        values = complete_asp_values()
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "asp",
            CAMPAIGN,
            dossier_id=COMPLETE,
            data=values,
            server_version=7,
            numero="ASP-2026-000001",
        )
        for piece_type in (
            "cv_candidat",
            "lettre_motivation",
            "projet_medical",
            "fiche_poste",
            "engagement_poste",
        ):
            source = tmp_path / f"{piece_type}.pdf"
            source.write_bytes(tiny_pdf(piece_type))
            piece = store.add_piece(COMPLETE, piece_type, source)
            store.set_piece_state(piece.id, PieceState.UPLOADED, server_id=f"srv-{piece_type}")
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "asp",
            CAMPAIGN,
            dossier_id=PARTIAL,
            data={"identification": values["identification"]},
            server_version=2,
            numero="ASP-2026-000002",
        )
        sent_values = complete_asp_values()
        sent_values["candidat"].update(prenom="Hélène", nom="Dupré")
        sent_values["identification"]["specialite"] = "Pneumologie"
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "asp",
            CAMPAIGN,
            dossier_id=SENT,
            data=sent_values,
            server_version=9,
            numero="ASP-2026-000003",
            state="transmis",
        )
        with store.engine.begin() as connection:  # saved on the platform already
            for dossier_id, tabs in (
                (COMPLETE, list(values)),
                (PARTIAL, ["identification"]),
                (SENT, list(sent_values)),
            ):
                connection.execute(
                    text("UPDATE local_dossier SET saved_tabs = :tabs WHERE id = :id"),
                    {"tabs": json.dumps(tabs), "id": dossier_id},
                )
        with store.engine.begin() as connection:  # fixed dates: stable pictures
            for dossier_id, moment in (
                (COMPLETE, datetime(2026, 3, 2, 9, 30)),
                (PARTIAL, datetime(2026, 3, 1, 11, 0)),
                (SENT, datetime(2026, 2, 20, 16, 5)),
            ):
                connection.execute(
                    text(
                        "UPDATE local_dossier SET updated_at = :at, synced_at = :at WHERE id = :id"
                    ),
                    {"at": moment.isoformat(sep=" "), "id": dossier_id},
                )
    finally:
        store.close()


def host(tmp_path: Path, **kwargs: Any) -> CespApp:
    seed(tmp_path)
    return tui_app(tmp_path, role="etablissement", **kwargs)


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_signup_etablissement(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    async def fill(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#etablissement_nom", Input).value = "Centre hospitalier de Saint-Denis"
        screen.query_one("#finess", Input).value = "930000013"
        screen.query_one("#email", Input).value = "bam@ch-saint-denis.fr"
        screen.query_one("#password", Input).value = "Motdepasse1"
        screen.query_one("#password", Input).focus()
        await pilot.pause()
        freeze_screen_cursors(screen)
        await pilot.pause()

    app = tui_app(tmp_path, screen=EtablissementSignupScreen)
    assert snap_compare(app, terminal_size=size, run_before=begun(fill))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_recap(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def open_recap(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)

    assert snap_compare(host(tmp_path), terminal_size=size, run_before=begun(open_recap))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_confirmer(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def confirm(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)

    app = host(tmp_path, open_id=COMPLETE, tab="pieces")
    assert snap_compare(app, terminal_size=size, run_before=begun(confirm))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_closed_campaign_read_only(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = host(tmp_path, campaigns=[CLOSED_CAMPAIGN], open_id=PARTIAL, tab="projet_medical")
    assert snap_compare(app, terminal_size=size, run_before=begun(settle))
