"""The homes in the client: once the workspace is known, the footer offers "Nouveau"
(``n``) at once, not dimmed as it is while the workspace is opening (the footer shows
what `check_action` said at the screen's last refresh of its bindings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.widgets._footer import FooterKey  # test-side only: what the footer shows

from cesp_tui.screens.dossier import home as dossier_home
from cesp_tui.screens.staff import agent_home
from tests.support.tui import run_app, settle_app, tui_app

#: role -> the home's message "the workspace is open" (its worker's answer).
READY: dict[str, type[Message]] = {
    "agent": agent_home._Ready,
    "candidat": dossier_home._WorkspaceReady,
}


def dimmed(screen: Any, key: str) -> bool:
    """``key`` is shown dimmed in the footer (the action cannot be done)."""
    shown = {k.key: k for k in screen.query(FooterKey)}
    assert key in shown, sorted(shown)
    return shown[key].has_class("-disabled")


@pytest.mark.parametrize("role", sorted(READY))
async def test_new_is_offered_as_soon_as_the_workspace_is_known(tmp_path: Path, role: str) -> None:
    app = tui_app(tmp_path, role=role)
    async with run_app(app, size=(80, 24)) as pilot:
        home: Any = app.screen
        workspace = home.workspace
        assert workspace is not None
        assert not dimmed(home, "n")
        # As while the workspace opens (a worker): "Nouveau" cannot be done yet.
        home.workspace = None
        home.refresh_bindings()
        await settle_app(app, pilot)
        assert dimmed(home, "n")
        home.post_message(READY[role](workspace))  # the worker's answer
        await settle_app(app, pilot)
        assert home.check_action("new", ()) is True
        assert not dimmed(home, "n"), "'n Nouveau' still dimmed in the footer"
