"""Issue 13, property 2: nothing hides at 80x24 (nor at 60x20).

Every tab of both démarches, in each of its conditional states (every Études level of
both filières incl. 3e cycle and PADHUE, boursier or not, born abroad or not, French or
not, an address abroad, ASP Ordre registration yes or no...): every option and label
lies whole inside the screen's width and the visible part of its scroll container, with
its text uncut (`keywalk.layout_problems`); and after every Tab the focused widget lies
inside the visible area of its scroll container (`keywalk.focus_problem`).

One app per démarche and size goes through the states in turn (the values put in the
fields as if typed); each (state, size) is then a test of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cesp_core.demarches import get_demarche
from cesp_core.demarches.model import Value
from tests.support.dossiers import complete_asp_values, complete_cesp_values
from tests.tui.keywalk import (
    dossier_screen,
    focus_problem,
    form_of,
    freeze_cursors,
    layout_problems,
    new_dossier_app,
    press,
    settle,
)

SIZES = {"80x24": (80, 24), "60x20": (60, 20)}
LEVELS = {
    "DFASM1": "medecine",
    "DFASM2": "medecine",
    "DFASM3": "medecine",
    "DFASO1": "odontologie",
    "DFASO2": "odontologie",
    "TCCEO1": "odontologie",
    "3E_CYCLE": "medecine",
    "PADHUE": "medecine",
}

#: (démarche, tab, state name) -> the values that make the state.
STATES: dict[tuple[str, str, str], dict[str, Value]] = {
    ("cesp", "etat_civil", "ne-en-france"): {
        "ne_a_l_etranger": False,
        "nationalite_francaise": True,
    },
    ("cesp", "etat_civil", "ne-a-l-etranger"): {
        "ne_a_l_etranger": True,
        "pays_naissance": "MA",
        "nationalite_francaise": False,
        "pays_nationalite": "MA",
    },
    ("cesp", "adresse", "france"): {"pays": "FR"},
    ("cesp", "adresse", "etranger"): {"pays": "BE", "ville": "Bruxelles"},
    **{
        ("cesp", "etudes", f"{filiere}-{level}"): {"filiere": filiere, "niveau": level}
        for level, filiere in LEVELS.items()
    },
    ("cesp", "etudes", "odontologie-3E_CYCLE"): {"filiere": "odontologie", "niveau": "3E_CYCLE"},
    ("cesp", "volet_social", "non-boursier"): {"boursier": False},
    ("cesp", "volet_social", "boursier"): {
        "boursier": True,
        "echelon_bourse": "0bis",
        "situation_familiale": "couple",
        "enfants_a_charge": "2",
    },
    ("cesp", "coordonnees_bancaires", "rempli"): {},
    ("cesp", "pieces", "vide"): {},
    ("cesp", "synthese", "rempli"): {},
    ("asp", "identification", "rempli"): {},
    ("asp", "projet_medical", "rempli"): {},
    ("asp", "profil_poste", "rempli"): {},
    ("asp", "perspectives", "rempli"): {},
    ("asp", "candidat", "inscrit"): {"inscrit_ordre": True, "rpps": "10000000009"},
    ("asp", "candidat", "non-inscrit"): {
        "inscrit_ordre": False,
        "date_previsionnelle_inscription": "2031-01-15",
    },
    ("asp", "pieces", "vide"): {},
}


def _case_id(demarche: str, tab: str, state: str, size: str) -> str:
    return f"{demarche}.{tab}.{state}@{size}"


def _data(demarche: str) -> dict[str, dict[str, Any]]:
    return complete_cesp_values() if demarche == "cesp" else complete_asp_values()


async def _audit_demarche(
    data_dir: Path, demarche_key: str, size: tuple[int, int]
) -> dict[str, list[str]]:
    """Every state of ``demarche_key`` at ``size``: case id -> what is wrong."""
    demarche = get_demarche(demarche_key)
    tabs = [t.key for t in demarche.tabs]
    saved = [demarche.first_tab] if demarche.first_tab else []
    app = new_dossier_app(data_dir, demarche_key, tabs[0], data=_data(demarche_key), saved=saved)
    found: dict[str, list[str]] = {}
    size_name = f"{size[0]}x{size[1]}"
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        for (dem, tab, state), values in STATES.items():
            if dem != demarche_key:
                continue
            screen = dossier_screen(app)
            await screen.show_tab(tab)
            await settle(app, pilot)
            form = form_of(app)
            for key, value in values.items():
                assert form is not None
                form.set_value(key, value)
            await settle(app, pilot)
            freeze_cursors(app)
            view = screen.query_one(f"#view-{tab}")
            problems = [f"layout: {p}" for p in layout_problems(view)]
            problems += await _tab_through(app, pilot, view)
            found[_case_id(demarche_key, tab, state, size_name)] = problems
    return found


async def _tab_through(app: Any, pilot: Any, view: Any) -> list[str]:
    """Tab from the first field of the view to its last: the focus always seen whole."""
    problems: list[str] = []
    focusable = [w for w in view.query("*") if w.focusable and w.region.area]
    if not focusable:
        return problems
    focusable[0].focus()
    await pilot.pause()
    seen: set[int] = set()
    for _ in range(len(focusable) + 2):
        focused = app.focused
        if focused is None or view not in focused.ancestors:
            break  # past the view's last field
        if id(focused) in seen:
            break
        seen.add(id(focused))
        if problem := focus_problem(app):
            problems.append(f"focus: {problem}")
        await press(app, "tab")
        await pilot.pause()
    return problems


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[str]]]:
    found: dict[str, list[str]] = {}
    for demarche in ("cesp", "asp"):
        for size in SIZES.values():
            data_dir = tmp_path_factory.mktemp(f"audit-{demarche}-{size[0]}")
            found.update(asyncio.run(_audit_demarche(data_dir, demarche, size)))
    yield found


def _cases() -> list[object]:
    cases = []
    for demarche, tab, state in STATES:
        for size in SIZES:
            cases.append(
                pytest.param(
                    _case_id(demarche, tab, state, size), id=_case_id(demarche, tab, state, size)
                )
            )
    return cases


@pytest.mark.parametrize("case", _cases())
def test_nothing_hides_at_the_terminal_sizes(case: str, audit: dict[str, list[str]]) -> None:
    assert case in audit, "state not audited"
    assert audit[case] == []
