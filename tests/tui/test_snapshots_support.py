"""SVG snapshots of the support's home (search results), a dossier's history and the
import report, at 80x24 and 120x40: fixed data, no platform, cursors frozen.

Update after a deliberate visual change with ``pytest tests/tui/test_snapshots_support.py
--snapshot-update`` and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from cesp_client.api.support import ImportOutcome
from cesp_tui.app import CespApp
from cesp_tui.screens.staff.dossier_history import DossierHistoryScreen
from cesp_tui.screens.staff.import_dossiers import ImportScreen
from cesp_tui.screens.staff.support_home import SupportHomeScreen
from tests.support.tui import begun, freeze_cursors, settle_workers, tui_app

SIZES = [(80, 24), (120, 40)]
IDS = ["80x24", "120x40"]

SUPPORT = {"id": 3, "display_name": "support Anne", "role": "support", "role_label": "Support"}
OWNER = {"id": 1, "display_name": "Jean DURAND", "role": "candidat", "role_label": "Candidat"}
AGENT = {"id": 2, "display_name": "agent Paul", "role": "agent", "role_label": "Agent"}


def summary(
    number: int, name: str, state: str, problems: int, missing: list[str], at: str
) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-4000-8000-00000000000{number}",
        "numero": f"CESP-2026-00001{number}",
        "demarche": "cesp",
        "campaign_id": 1,
        "campaign_label": "CESP 2026",
        "state": state,
        "state_label": {"brouillon": "Brouillon", "transmis": "Transmis"}[state],
        "version": 4,
        "updated_at": at,
        "owner_name": name,
        "applicant_name": name,
        "complete": problems == 0,
        "missing": missing,
        "problem_count": problems,
    }


RESULTS = {
    "total": 3,
    "items": [
        summary(
            1,
            "Jean Pierre DURAND",
            "brouillon",
            6,
            ["Adresse : Téléphone (à corriger)", "Volet social : Situation familiale"],
            "2026-03-12T14:05:00+01:00",
        ),
        summary(2, "Jeanne DURAND", "transmis", 0, [], "2026-03-02T09:30:00+01:00"),
        summary(
            3, "Hélène DURAND-LEFÈVRE", "brouillon", 1, ["Pièce : RIB"], "2026-02-27T18:45:00+01:00"
        ),
    ],
}

EVENTS = [
    {
        "at": "2026-03-01T10:02:00+01:00",
        "action": "creation",
        "action_label": "Création",
        "tab": None,
        "tab_label": None,
        "fields": [],
        "actor": OWNER,
    },
    {
        "at": "2026-03-01T10:15:00+01:00",
        "action": "enregistrement",
        "action_label": "Enregistrement",
        "tab": "etat_civil",
        "tab_label": "État civil",
        "fields": ["civilite", "nom_naissance", "prenoms", "date_naissance", "nir"],
        "actor": OWNER,
    },
    {
        "at": "2026-03-02T08:40:00+01:00",
        "action": "enregistrement",
        "action_label": "Enregistrement",
        "tab": "adresse",
        "tab_label": "Adresse",
        "fields": ["adresse", "code_postal", "commune", "telephone"],
        "actor": OWNER,
    },
    {
        "at": "2026-03-02T08:41:00+01:00",
        "action": "piece_ajoutee",
        "action_label": "Pièce ajoutée",
        "tab": "pieces",
        "tab_label": "Pièces justificatives",
        "fields": ["piece_identite"],
        "actor": OWNER,
    },
    {
        "at": "2026-03-05T16:20:00+01:00",
        "action": "enregistrement",
        "action_label": "Enregistrement",
        "tab": "etudes",
        "tab_label": "Études",
        "fields": ["filiere", "niveau"],
        "actor": AGENT,
    },
]


def problem(tab: str, field: str | None, message: str, code: str = "invalid") -> dict[str, Any]:
    return {"tab": tab, "field": field, "message": message, "code": code}


REPORT = {
    "campaign_id": 1,
    "dry_run": False,
    "format": "csv",
    "total": 3,
    "created": 0,
    "to_create": 1,
    "existing": 0,
    "refused": 2,
    "lines": [
        {
            "line": 2,
            "status": "ok",
            "action": "a_creer",
            "dossier_id": None,
            "numero": None,
            "applicant_email": "jean.durand@example.org",
            "problems": [],
            "warnings": [],
        },
        {
            "line": 3,
            "status": "refused",
            "action": None,
            "dossier_id": None,
            "numero": None,
            "applicant_email": "jean.faux@example.org",
            "problems": [
                problem(
                    "etat_civil",
                    "nir",
                    "La clé du numéro de sécurité sociale ne correspond pas aux 13 premiers "
                    "chiffres.",
                )
            ],
            "warnings": [],
        },
        {
            "line": 4,
            "status": "refused",
            "action": None,
            "dossier_id": None,
            "numero": None,
            "applicant_email": "claire.martin@example.org",
            "problems": [problem("adresse", "commune", "Code INSEE inconnu : « 99999 ».")],
            "warnings": [
                problem(
                    "coordonnees_bancaires",
                    None,
                    "Onglet « Coordonnées bancaires » à saisir.",
                    "missing",
                )
            ],
        },
    ],
}
REFUSED = ImportOutcome(
    REPORT,
    accepted=False,
    detail="2 lignes refusées sur 3 : aucun dossier n'a été importé. Corrigez les lignes "
    "signalées et importez à nouveau le fichier.",
)
CAMPAIGNS = [{"id": 1, "label": "CESP 2026", "demarche": "cesp", "is_open": True}]


def support_app(data_dir: Path, make_screen: Callable[[], Screen[None]] | None) -> CespApp:
    """The support's client (no platform): ``make_screen`` over its home (None: the home
    itself)."""
    return tui_app(data_dir, role="support", screen=make_screen)


def shown(
    fill: Callable[[Any], None], then: Callable[[Pilot[Any]], Awaitable[None]] | None = None
) -> Any:
    """The snapshot's ``run_before``: the app started, ``fill(screen in front)`` (fixed
    data), settled, then ``then``."""

    async def before(pilot: Pilot[Any]) -> None:
        fill(pilot.app.screen)
        await settle(pilot)
        if then is not None:
            await then(pilot)

    return begun(before)


async def settle(pilot: Pilot[Any]) -> None:
    await settle_workers(pilot.app, pilot, ignore=lambda _w: False)
    freeze_cursors(pilot.app)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_support_home(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    def fill(screen: Any) -> None:
        assert isinstance(screen, SupportHomeScreen)
        screen.show_results("durand", RESULTS)

    app = support_app(tmp_path, None)
    assert snap_compare(app, terminal_size=size, run_before=shown(fill))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_dossier_history(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = support_app(
        tmp_path,
        lambda: DossierHistoryScreen(
            "00000000-0000-4000-8000-000000000001", "CESP-2026-000011", events=EVENTS
        ),
    )
    assert snap_compare(app, terminal_size=size, run_before=shown(lambda _s: None))


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_import_report(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    def fill(screen: ImportScreen) -> None:
        screen.set_campaigns(CAMPAIGNS)
        screen.show_outcome(REFUSED)

    async def before(pilot: Pilot[Any]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        screen.table.move_cursor(row=1)  # the refused NIR: its messages below
        await settle(pilot)

    app = support_app(tmp_path, lambda: ImportScreen(Path("/srv/imports")))
    assert snap_compare(app, terminal_size=size, run_before=shown(fill, before))
