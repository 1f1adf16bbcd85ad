"""SVG snapshots of the jury's list (`JuryHomeScreen`) and of the decision box
(`DecisionModal`) at 80x24 and 120x40, fed with fixed data (no platform).

Update after a deliberate visual change with
``pytest tests/tui/test_snapshots_jury.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from cesp_tui.screens.staff.decision import DecisionModal
from cesp_tui.screens.staff.jury_home import JuryHomeScreen
from tests.support.tui import freeze_cursors, settle_workers

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


def _summary(number: int, state: str, candidate: str, owner: str) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "numero": f"ASP-2026-{number:06d}",
        "demarche": "asp",
        "campaign_id": 4,
        "state": state,
        "applicant_name": candidate,
        "owner_name": owner,
    }


DOSSIERS = [
    _summary(1, "transmis", "Claire MARTIN", "Hôpital Avicenne"),
    _summary(2, "en_instruction", "Yanis BELKACEM", "Centre hospitalier de Saint-Denis"),
    _summary(3, "accepte", "Sophie LEROY", "Hôpital Jean Verdier"),
    _summary(4, "refuse", "Marc DUBOIS", "Centre hospitalier intercommunal de Montreuil"),
]


class JuryHostApp(App[None]):
    """The jury's list over fixed data; ``decide``: the decision box over it."""

    CSS = "Screen { layout: vertical; }"

    def __init__(self, *, decide: bool = False) -> None:
        super().__init__()
        self.decide = decide

    def on_mount(self) -> None:
        self.push_screen(
            JuryHomeScreen(
                campaigns=CAMPAIGNS, dossiers=DOSSIERS, campaign_id=4, viewer="Anne Jury"
            )
        )
        if self.decide:
            self.push_screen(
                DecisionModal(
                    None,
                    DOSSIERS[3]["id"],
                    "ASP-2026-000004",
                    "Marc DUBOIS · Centre hospitalier intercommunal de Montreuil",
                    current={"decision": "refuse", "comment": "Projet médical insuffisant."},
                )
            )


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_jury_list(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(JuryHostApp(), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_jury_list_filtered(snap_compare: Any, size: tuple[int, int]) -> None:
    async def filtered(pilot: Pilot[Any]) -> None:
        await pilot.press("f3", *"à décider")
        await settle(pilot)

    assert snap_compare(JuryHostApp(), terminal_size=size, run_before=filtered)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_decision_modal(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(JuryHostApp(decide=True), terminal_size=size, run_before=settle)
