"""The dossier's other tabs are built while the user is idle (ADR 0024): hidden until
visited, the cursor left where it was, and a first visit shows the view built ahead."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import ContentSwitcher

from cesp_core.demarches import CESP
from cesp_tui.screens.dossier import dossier as dossier_module
from cesp_tui.screens.dossier.dossier import DossierScreen
from tests.support.tui import dossier_screen_of, run_app, tui_app
from tests.tui.test_dossier_keying import SIZE, new_dossier, settle

#: Generous: a loaded machine builds a tab slowly (never a timed assert: a deadline).
DEADLINE_S = 60.0


async def _views_mounted(screen: DossierScreen) -> int:
    return len(screen.query_one(ContentSwitcher).children)


async def _wait_for_views(screen: DossierScreen, count: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while len(screen.query_one(ContentSwitcher).children) < count:
        assert loop.time() < deadline, "the tabs were not built ahead"
        await asyncio.sleep(0.05)


@pytest.fixture
def short_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dossier_module, "PREBUILD_IDLE", 0.05)


async def test_idle_builds_every_tab_hidden_and_keeps_the_cursor(
    tmp_path: Path, short_idle: None
) -> None:
    app = tui_app(tmp_path, role="candidat", open_id=new_dossier(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        focused = app.focused
        await _wait_for_views(screen, len(CESP.tabs))
        await pilot.pause()
        switcher = screen.query_one(ContentSwitcher)
        first = CESP.tabs[0].key
        assert [view.display for view in switcher.children] == [
            view is screen.view(first) for view in switcher.children
        ]
        assert switcher.current == screen.view(first).id
        assert app.focused is focused
        built = screen.view("adresse")
        await pilot.press("alt+2")  # first visit: the view built ahead, now shown
        await pilot.pause()
        assert screen.current_tab == "adresse"
        assert screen.view("adresse") is built and built.display
        assert app.focused is not None and built in app.focused.ancestors


async def test_keys_defer_the_prebuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """While keys keep coming (each within the idle period of the one before, for longer
    than one idle period in all), nothing is built; the pause after them builds."""
    idle = 2.0
    monkeypatch.setattr(dossier_module, "PREBUILD_IDLE", idle)
    app = tui_app(tmp_path, role="candidat", open_id=new_dossier(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        screen = dossier_screen_of(app)
        loop = asyncio.get_running_loop()
        await pilot.press("enter", "tab")  # "Civilité", then the name field
        start = last = loop.time()
        gaps = []
        for char in "Durand Jean-Pierre":
            await asyncio.sleep(0.25)
            await pilot.press(char)
            gaps.append(loop.time() - last)
            last = loop.time()
        if max(gaps) >= idle * 0.8:
            pytest.skip(f"the machine is too slow to key within {idle} s ({max(gaps):.1f} s)")
        assert loop.time() - start > idle
        assert await _views_mounted(screen) == 1
        await _wait_for_views(screen, 2)  # then the pause builds the next one


async def test_prebuild_off_builds_on_first_visit(
    tmp_path: Path, short_idle: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DossierScreen, "prebuild_tabs", False)
    app = tui_app(tmp_path, role="candidat", open_id=new_dossier(tmp_path))
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.3)
        assert await _views_mounted(dossier_screen_of(app)) == 1


async def test_a_tab_asked_for_while_it_is_built_ahead_is_shown_once_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prebuild runs in its timer's task: F3 pressed while "Adresse" is mounting waits
    for that view (no second view, no half-composed one)."""
    monkeypatch.setattr(dossier_module, "PREBUILD_IDLE", 0.001)
    dossier_id = new_dossier(tmp_path)
    app = tui_app(tmp_path, role="candidat")  # "Mes demandes", then the dossier
    async with run_app(app, size=SIZE) as pilot:
        app.screen.open_dossier(dossier_id)  # type: ignore[attr-defined]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DEADLINE_S
        while not (isinstance(app.screen, DossierScreen) and app.screen._building):
            assert loop.time() < deadline, "no tab was built ahead"
            await asyncio.sleep(0)
        screen = dossier_screen_of(app)
        assert screen._building is not None and screen._building[0] == "adresse"
        await pilot.press("alt+2")
        await pilot.pause()
        assert screen.current_tab == "adresse"
        views = screen.query_one(ContentSwitcher).children
        assert [v.id for v in views].count("view-adresse") == 1
        assert screen.view("adresse") is not None and screen.view("adresse").display
