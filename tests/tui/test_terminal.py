"""What the user's terminal shows is what the screen holds, after every key; what the
screen holds is where a layout puts it.

A partial update writes only what Textual believes changed: a repaint skipped wrongly
(a widget of ours that forgets to refresh, an overlay shown or hidden, a Textual upgrade)
would leave stale cells on the terminal while the screen, rendered whole, looks right.
Every update written is applied to a grid of cells (`tests/tui/terminal.py`) and
compared, once the app is idle after each key, with the screen rendered from scratch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual._compositor import Compositor
from textual.widget import Widget
from textual.widgets import Input

from cesp_tui.app import CespApp
from tests.support.dossiers import CESP_NIR
from tests.support.tui import (
    dossier_screen_of,
    freeze_cursors,
    new_local_dossier,
    run_app,
    tui_app,
)
from tests.tui.terminal import full_render, watch

#: État civil then Études: lists opened on arrival, narrowed, picked with Enter (the
#: next list opening in the same move), left by Tab; a radio set, a check box, a NIR.
ETAT_CIVIL = [
    *["enter", "tab", *"Durand", "enter", "enter", *"Jean", "enter", *"15031999"],
    *["enter", "tab", *"87", "enter", *"lim", "enter", "tab", *CESP_NIR],
]
ETUDES = ["alt+3", "enter", "tab", *"dfasm2", "enter", *"Limoges", "enter", "shift+tab", "tab"]


def misplaced(app: CespApp) -> list[str]:
    """The widgets the screen's map places otherwise than a full layout now would (a
    list's scrollbar left out of the map: its thumb is never drawn, on the terminal or
    in a full render from that map)."""
    screen = app.screen
    compositor = screen._compositor
    laid_out, _ = Compositor._arrange_root(compositor, screen, app.size, visible_only=False)
    current = compositor.full_map
    return sorted(
        type(widget).__name__
        for widget in laid_out.keys() | current.keys()
        if laid_out.get(widget) != current.get(widget)
    )


async def keyed(
    app: CespApp, keys: list[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], dict[str, Any], int]:
    """Presses ``keys``: the keys after which the terminal differed from the screen, the
    dossier's data at the end, and how many updates the terminal was written."""
    wrong: list[str] = []
    async with run_app(app, size=(80, 24)) as pilot:
        await pilot.pause()
        freeze_cursors(app)
        app.screen.refresh()
        await pilot.pause()
        terminal = watch(app, monkeypatch)
        app.screen.refresh()  # the whole screen written once to the watched terminal
        await pilot.pause()
        for number, key in enumerate(keys):
            await pilot.press(key)
            await pilot.pause()
            await pilot.pause()
            if differences := terminal.differences(full_render(app)):
                wrong.append(f"#{number} {key!r}: {differences[0]}")
            if missing := misplaced(app):
                wrong.append(f"#{number} {key!r}: not where a layout puts them: {missing}")
        data = dossier_screen_of(app).data
    return wrong, data, terminal.updates


async def test_the_terminal_shows_the_screen_after_every_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = ETAT_CIVIL + ETUDES
    wrong, data, updates = await keyed(
        tui_app(tmp_path, open_id=new_local_dossier(tmp_path), tab="etat_civil", field="civilite"),
        keys,
        monkeypatch,
    )
    assert updates > len(keys) // 2
    assert wrong == []
    assert data["etat_civil"]["commune_naissance"] == "87085"
    assert data["etudes"]["niveau"] == "DFASM2"


async def test_a_repaint_skipped_shows_on_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The comparison sees a stale field: inputs that hold a value stop asking for a
    repaint, so the characters typed after the first never reach the terminal."""
    refresh = Widget.refresh

    def lazy(self: Widget, *args: Any, **kwargs: Any) -> Widget:
        if isinstance(self, Input) and self.is_mounted and self.value:
            return self
        return refresh(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "refresh", lazy)
    wrong, _, _ = await keyed(
        tui_app(tmp_path, open_id=new_local_dossier(tmp_path), tab="etat_civil", field="civilite"),
        ["enter", "tab", *"Durand"],
        monkeypatch,
    )
    assert wrong and all("Nom de naissance" in line for line in wrong), wrong
