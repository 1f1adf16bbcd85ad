"""SVG snapshots of the jury's list (`JuryHomeScreen`) and of the decision box
(`DecisionModal`) at 80x24 and 120x40, fed with fixed data (no platform).

Update after a deliberate visual change with
``pytest tests/tui/test_snapshots_jury.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from cesp_tui.app import CespApp
from cesp_tui.screens.staff.decision import DecisionModal
from cesp_tui.screens.staff.jury_home import JuryHomeScreen
from tests.support.dossiers import jury_summary
from tests.support.tui import begun, freeze_cursors, settle_workers, tui_app

SIZES = [(80, 24), (120, 40)]

CAMPAIGNS: list[dict[str, Any]] = [
    {
        "id": 4,
        "demarche": "asp",
        "label": "ASP Île-de-France 2026",
        "closes_at": "2026-03-13T23:59:59+01:00",
        "results_published": False,
    },
    {
        "id": 3,
        "demarche": "cesp",
        "label": "CESP 2026",
        "closes_at": "2026-03-31T23:59:59+02:00",
        "results_published": False,
    },
]


DOSSIERS = [
    jury_summary(1, "transmis", "Claire MARTIN", "Hôpital Avicenne"),
    jury_summary(2, "en_instruction", "Yanis BELKACEM", "Centre hospitalier de Saint-Denis"),
    jury_summary(3, "accepte", "Sophie LEROY", "Hôpital Jean Verdier"),
    jury_summary(4, "refuse", "Marc DUBOIS", "Centre hospitalier intercommunal de Montreuil"),
]


def jury_app(data_dir: Path, *, decide: bool = False) -> CespApp:
    """The jury's client (no platform) with its list over fixed data; ``decide``: the
    decision box over it."""
    screens: list[Callable[[], Screen[Any]]] = [
        lambda: JuryHomeScreen(
            campaigns=CAMPAIGNS, dossiers=DOSSIERS, campaign_id=4, viewer="Anne Jury"
        )
    ]
    if decide:
        screens.append(
            lambda: DecisionModal(
                None,
                DOSSIERS[3]["id"],
                "ASP-2026-000004",
                "Marc DUBOIS · Centre hospitalier intercommunal de Montreuil",
                current={"decision": "refuse", "comment": "Projet médical insuffisant."},
            )
        )
    return tui_app(data_dir, role="instructeur", screen=screens)


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_jury_list(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(jury_app(tmp_path), terminal_size=size, run_before=begun(settle))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_jury_list_filtered(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    async def filtered(pilot: Pilot[Any]) -> None:
        await pilot.press("f3", *"à décider")
        await settle(pilot)

    assert snap_compare(jury_app(tmp_path), terminal_size=size, run_before=begun(filtered))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_decision_modal(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = jury_app(tmp_path, decide=True)
    assert snap_compare(app, terminal_size=size, run_before=begun(settle))
