"""Issue 13, property 2: nothing hides at 80x24 (nor at 60x20).

Every tab of both démarches, in each of its conditional states (every Études level of
both filières incl. 3e cycle and PADHUE, boursier or not, born abroad or not, French or
not, an address abroad, ASP Ordre registration yes or no...): every option and label
lies whole inside the screen's width and the visible part of its scroll container, with
its text uncut (`keywalk.layout_problems`); and after every Tab the focused widget lies
inside the visible area of its scroll container (`keywalk.focus_problem`).

One app per démarche and size goes through the states in turn (the values put in the
fields as if typed); each (state, size) is then a test of its own. The audit also checks
that no label leaves its required mark alone on its last line.

Then, at 80x24, 60x20 and 160x50: after a Ctrl+S with errors, each message lies under
its field, from the field's first column, wide enough to be read (at 60 columns the
label goes above the field rather than squeezing field and message into a thin column
at the right edge); every tab label is shown whole (abbreviations chosen on purpose, no
ellipsis); a wide terminal lays the fields out over its width; an open list never
covers the status line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.widget import Widget

from cesp_core.demarches import get_demarche
from cesp_core.demarches.model import Value
from cesp_core.demarches.rules import TabState
from tests.support.dossiers import complete_asp_values, complete_cesp_values
from tests.support.tui import run_app
from tests.tui.keywalk import (
    dossier_screen,
    focus_problem,
    form_of,
    freeze_cursors,
    laid_out,
    layout_problems,
    new_dossier_app,
    press,
    settle,
)
from tests.tui.terminal import full_render

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
    async with run_app(app, size=size) as pilot:
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
            problems += [f"label: {p}" for p in lone_marks(view)]
            problems += await _tab_through(app, pilot, view)
            found[_case_id(demarche_key, tab, state, size_name)] = problems
    return found


def lone_marks(view: Widget) -> list[str]:
    """Labels of shown fields whose required mark "*" stands alone on its last line."""
    found = []
    for label in view.query(".field-label"):
        row = label.parent.parent if label.parent is not None else None
        if row is None or not row.display or not label.content_size.width:
            continue
        text = str(label.render())
        lines = [line.plain.strip() for line in Content(text).wrap(label.content_size.width)]
        if len(lines) > 1 and lines[-1] == "*":
            found.append(f"{text!r} ends with '*' alone at {label.content_size.width} columns")
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
        await laid_out(app, pilot)
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


# --- problems under their field, tab labels, wide terminals, open lists ----------------------

ALL_SIZES = {**SIZES, "160x50": (160, 50)}

#: (démarche, tab, values of the tab) saved with Ctrl+S: each shows problems.
SAVED_WITH_PROBLEMS = {
    "cesp.etat_civil": ("cesp", "etat_civil", {}),
    "cesp.adresse": ("cesp", "adresse", {"pays": "FR", "code_postal": "8700"}),
    # The RPPS message is long: it wrapped in a thin column at 60 columns.
    "asp.candidat": ("asp", "candidat", {"inscrit_ordre": True, "rpps": "10000001016"}),
}


def _focus_target(row: Any) -> Widget:
    control = row.control_widget
    return next(w for w in control.walk_children(with_self=True) if w.can_focus)


def _message_widget(row: Any) -> Widget | None:
    """The widget that shows the row's problem: its error line, or the message line of
    a date, NIR or IBAN."""
    for error in row.query(".field-error"):
        if error.display and str(error.render()).strip():
            return error
    line = getattr(row.control_widget, "message_line", None)
    if line is not None and str(line.render()).strip():
        return line
    return None


@pytest.mark.parametrize("size", list(ALL_SIZES))
@pytest.mark.parametrize("case", list(SAVED_WITH_PROBLEMS))
async def test_problems_lie_under_their_field(case: str, size: str, tmp_path: Path) -> None:
    """Issue 13: "Problems sit under their field, never in a column at the right edge"."""
    demarche_key, tab, values = SAVED_WITH_PROBLEMS[case]
    demarche = get_demarche(demarche_key)
    saved = [demarche.first_tab] if demarche.first_tab and demarche.first_tab != tab else []
    app = new_dossier_app(tmp_path, demarche_key, tab, data={tab: values}, saved=saved)
    width, height = ALL_SIZES[size]
    async with run_app(app, size=(width, height)) as pilot:
        await settle(app, pilot)
        freeze_cursors(app)
        await press(app, "ctrl+s")
        await settle(app, pilot)
        form = form_of(app)
        rows = [row for row in form.visible_rows() if row.problem]
        assert rows, "the save showed no problem"
        wrong = []
        for row in rows:
            form.scroll_to_widget(row, animate=False, immediate=True)
            await pilot.pause()
            message, field = _message_widget(row), _focus_target(row)
            assert message is not None, f"{row.key}: its problem is not shown"
            where, under = message.region, field.region
            if where.x != under.x or where.y < under.bottom:
                wrong.append(f"{row.key}: message at {where}, field at {under}")
            elif where.right > width or where.width < 45:
                wrong.append(f"{row.key}: message in a column {where.width} wide at {where}")
        assert wrong == []


@pytest.mark.parametrize("size", ["60x20", "80x24", "120x40", "160x50"])
@pytest.mark.parametrize("demarche_key", ["cesp", "asp"])
async def test_tab_labels_are_shown_whole(demarche_key: str, size: str, tmp_path: Path) -> None:
    """Issue 13: tab labels were cut ("Alt+2 Ad…"); each is shown whole, its key first,
    with the widest states ("… Incomplet") in every cell."""
    demarche = get_demarche(demarche_key)
    app = new_dossier_app(tmp_path, demarche_key, demarche.tabs[0].key)
    width, height = {"120x40": (120, 40), **ALL_SIZES}[size]
    async with run_app(app, size=(width, height)) as pilot:
        await settle(app, pilot)
        header = dossier_screen(app).header
        header.set_states({tab.key: TabState.INCOMPLET for tab in demarche.tabs})
        await settle(app, pilot)
        shown = ["".join(c for c, _ in row) for row in full_render(app).cells]
        wrong = []
        for number, tab in enumerate(demarche.tabs, start=1):
            cell = header.query_one(f"#tab-{tab.key}")
            title = str(cell.render()).split("\n")[0]
            region = cell.region
            seen = shown[region.y][region.x : region.right].rstrip()
            if seen != title or "…" in title or region.right > width:
                wrong.append(f"{tab.label!r} shown as {seen!r}")
            elif not (title.startswith(f"{number} ") or title.startswith(f"Alt+{number} ")):
                wrong.append(f"{tab.label!r}: no key in {title!r}")
        assert wrong == []


@pytest.mark.parametrize("demarche_key, tab", [("cesp", "etat_civil"), ("asp", "candidat")])
async def test_a_wide_terminal_uses_its_width(demarche_key: str, tab: str, tmp_path: Path) -> None:
    """Issue 13: "160x50 uses the width": the fields stand in two columns, the second
    one past column 80, each row inside the screen."""
    demarche = get_demarche(demarche_key)
    saved = [demarche.first_tab] if demarche.first_tab and demarche.first_tab != tab else []
    app = new_dossier_app(tmp_path, demarche_key, tab, data=_data(demarche_key), saved=saved)
    async with run_app(app, size=(160, 50)) as pilot:
        await settle(app, pilot)
        rows = form_of(app).visible_rows()
        labels = [row.query_one(".field-label").region for row in rows]
        assert any(region.x >= 80 for region in labels), labels
        assert all(row.region.right <= 160 for row in rows)
        assert layout_problems(dossier_screen(app).query_one(f"#view-{tab}")) == []


@pytest.mark.parametrize("size", list(SIZES))
async def test_an_open_list_never_covers_the_status_line(size: str, tmp_path: Path) -> None:
    """Issue 13: the list of departments, opening under a field at the foot of the form,
    covered the status line and the footer. It stays inside the form (which scrolls to
    make room, or it opens above the field)."""
    from textual.widgets import Footer

    from cesp_tui.widgets.status_line import StatusLine

    app = new_dossier_app(tmp_path, "cesp", "etat_civil")
    async with run_app(app, size=SIZES[size]) as pilot:
        await settle(app, pilot)
        freeze_cursors(app)
        form = form_of(app)
        form.rows[0].focus_control()
        await settle(app, pilot)
        row = form.row("departement_naissance")
        for _ in range(len(form.rows)):
            if row.has_focus_within:
                break
            await press(app, "tab")
        await settle(app, pilot)
        select = row.control_widget
        assert select.is_open
        hits = select.query_one("OptionList").region
        screen = app.screen
        for below in (screen.query_one(StatusLine), *screen.query(Footer)):
            assert not hits.overlaps(below.region), (type(below).__name__, hits, below.region)
        assert hits.bottom <= form.region.bottom
        assert not hits.overlaps(select.input.region)
        assert focus_problem(app) is None


def test_the_required_mark_goes_with_the_last_word() -> None:
    from cesp_tui.widgets.field_row import label_lines

    # 27 columns beside the field: Textual alone left "*" on a line of its own.
    assert label_lines("Pays d'obtention du diplôme", 27, required=True) == (
        "Pays d'obtention du\ndiplôme *"
    )
    assert label_lines("Date prévisionnelle d'inscription", 27, required=True) == (
        "Date prévisionnelle d'inscription *"  # Textual's own wrapping is fine here
    )
    assert label_lines("Nom d'usage", 27, required=False) == "Nom d'usage"
