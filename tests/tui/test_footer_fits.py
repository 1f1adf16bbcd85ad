"""Nothing hides at 80x24, the footer included: every key a footer shows is seen whole
(its description was cut by the docked "^p Commandes": "^q Quit▏", "f9 M▏")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen

from cesp_core.demarches import get_demarche
from cesp_tui.app import CespApp
from cesp_tui.screens.account.signup import SignupScreen
from tests.support.tui import run_app, tui_app
from tests.tui.keywalk import new_dossier_app, settle
from tests.tui.terminal import full_render

SIZE = (80, 24)


def footer_problems(app: App[Any], screen: Screen[Any]) -> list[str]:
    """The shown bindings whose description is not whole on the footer's line."""
    line = "".join(c for c, _ in full_render(app).cells[SIZE[1] - 1])
    shown = [
        binding.description
        for (_node, binding, _enabled, _tip) in screen.active_bindings.values()
        if binding.show and binding.description
    ]
    return [
        f"{description!r} not whole in {line!r}" for description in shown if description not in line
    ]


async def test_the_login_and_sign_up_footers_fit(tmp_path: Path) -> None:
    app = tui_app(tmp_path, server_url="http://127.0.0.1:9")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert footer_problems(app, app.screen) == []
        app.push_screen(SignupScreen())
        await pilot.pause()
        await pilot.pause()
        assert footer_problems(app, app.screen) == []


@pytest.mark.parametrize(
    ("demarche_key", "role"), [("cesp", None), ("asp", None), ("cesp", "agent")]
)
async def test_every_dossier_tab_footer_fits(
    demarche_key: str, role: str | None, tmp_path: Path
) -> None:
    """Each tab of each démarche, the owner's and the agent keying a paper dossier
    (whose footer lost "Idem" and "Dossier suivant" past the right edge, seen in tmux)."""
    demarche = get_demarche(demarche_key)
    wrong: list[str] = []
    for tab in demarche.tabs:
        app = new_dossier_app(tmp_path / tab.key, demarche_key, tab.key, role=role)
        async with run_app(app, size=SIZE) as pilot:
            await settle(app, pilot)
            wrong += [f"{tab.key}: {p}" for p in footer_problems(app, app.screen)]
    assert wrong == []


def test_the_app_keys_leave_the_footers_to_the_screens() -> None:
    """The footers above are measured under a host app; the real app adds no key of its
    own to them (F1 and Ctrl+P are named at the status line, the rest in F1 and the
    palette): its footers are those measured."""
    from textual.binding import Binding

    shown = [b.key for b in CespApp.BINDINGS if isinstance(b, Binding) and b.show]
    assert shown == []


async def test_the_agent_keys_are_named_at_the_status_line(tmp_path: Path) -> None:
    """Not in the footer (no room at 80 columns) but at the status line, for good (the
    message that named them faded after 5 seconds)."""
    app = new_dossier_app(tmp_path, "cesp", "etat_civil", role="agent")
    async with run_app(app, size=SIZE) as pilot:
        await settle(app, pilot)
        status = "".join(c for c, _ in full_render(app).cells[SIZE[1] - 2])
        assert status.rstrip().endswith("^g lot · ^b idem · ^o suivant"), status
        assert footer_problems(app, app.screen) == []
