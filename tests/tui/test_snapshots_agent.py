"""SVG snapshots of the agent's screens at 80x24 and 120x40: "File de saisie" (a fixed
queue), "Nouveau dossier papier" (a fixed campaign, part of an identity typed) and a paper
dossier in keying mode (the agent's keys in the footer). No platform: fixed data, cursor
blink frozen.

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots_agent.py
--snapshot-update`` and read the new SVGs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from cesp_client.store import DraftStore
from cesp_tui.app import CespApp
from cesp_tui.messages import CampaignsLoaded
from cesp_tui.screens.staff.agent_home import _Queue
from cesp_tui.screens.staff.on_behalf import OnBehalfScreen
from tests.support.dossiers import complete_cesp_values
from tests.support.tui import (
    SERVER_KEY,
    USERNAME,
    begun,
    freeze_cursors,
    freeze_screen_cursors,
    home_workspace,
    settle_workers,
    tui_app,
)

SIZES = [(80, 24), (120, 40)]
PAPER = "00000000-0000-4000-8000-0000000000a1"

QUEUE: list[dict[str, Any]] = [
    {
        "id": "00000000-0000-4000-8000-0000000000b1",
        "numero": "CESP-2026-000101",
        "applicant_name": "Jean Pierre DURAND",
        "missing": [
            "Pièce : Pièce d'identité",
            "Pièce : Certificat de scolarité",
            "Pièce : RIB",
            "Pièce : Lettre de motivation",
            "Pièce : CV",
        ],
        "problem_count": 5,
        "updated_at": "2026-03-02T10:15:00+00:00",
        "state": "brouillon",
    },
    {
        "id": "00000000-0000-4000-8000-0000000000b2",
        "numero": "CESP-2026-000102",
        "applicant_name": "Léa MARTIN",
        "missing": ["État civil : N° de sécurité sociale", "Adresse : Téléphone"],
        "problem_count": 2,
        "updated_at": "2026-03-02T10:40:00+00:00",
        "state": "brouillon",
    },
    {
        "id": "00000000-0000-4000-8000-0000000000b3",
        "numero": "CESP-2026-000103",
        "applicant_name": "Paul BERNARD",
        "missing": [],
        "problem_count": 0,
        "updated_at": "2026-03-02T11:05:00+00:00",
        "state": "brouillon",
    },
]


#: The campaign the agent's client already knows (its label in the lists).
KNOWN = {7: "CESP 2026"}


def agent_app(data_dir: Path, which: str) -> CespApp:
    """The client logged in as an agent (no platform): its home, or "Nouveau dossier
    papier" over it."""
    if which == "home":
        return tui_app(data_dir, role="agent", campaign_labels=KNOWN)
    app = tui_app(
        data_dir,
        role="agent",
        campaign_labels=KNOWN,
        screen=lambda: OnBehalfScreen(home_workspace(app)),
    )
    return app


async def settle(app: App[Any], pilot: Pilot[Any]) -> None:
    await settle_workers(app, pilot)
    freeze_screen_cursors(app.screen)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_agent_home(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = agent_app(tmp_path, "home")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        app.screen.post_message(_Queue([dict(q) for q in QUEUE]))
        await settle(app, pilot)
        await pilot.press("down")  # the second one: what it misses shows under the table
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_new_paper_dossier(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = agent_app(tmp_path, "on_behalf")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(app, pilot)
        campaign = {"id": 7, "label": "CESP 2026", "demarche": "cesp", "is_open": True}
        app.screen.post_message(CampaignsLoaded([campaign]))
        await settle(app, pilot)
        await pilot.press(*"lea.martin@example.org", "enter", "f", *"Martin", "enter")
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_paper_dossier_in_keying_mode(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    values = complete_cesp_values()
    store = DraftStore(tmp_path / "drafts.db")
    try:
        store.create_local(
            SERVER_KEY,
            USERNAME,
            "cesp",
            7,
            dossier_id=PAPER,
            data={"etat_civil": {k: v for k, v in values["etat_civil"].items() if k != "nir"}},
            server_version=1,
            numero="CESP-2026-000104",
        )
    finally:
        store.close()
    app = tui_app(tmp_path, role="agent", open_id=PAPER, field="nir")

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle_workers(app, pilot)
        freeze_cursors(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=begun(run_before))
