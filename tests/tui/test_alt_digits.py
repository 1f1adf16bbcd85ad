"""Alt+1…7 change tab in the terminals people use over SSH: xterm, tmux, GNOME Terminal
send ESC followed by the digit, which Textual 8.2 reads as WezTerm's macOS Option+digit
characters: in tmux at 80x24, Alt+2 typed "™" into the focused field (and with those
entries merely removed, ESC then "2" replaced the field's selected text)."""

from __future__ import annotations

from pathlib import Path

from textual._xterm_parser import XTermParser  # test-side only: what the driver parses
from textual.widgets import Input

from cesp_tui.textual_compat import alt_digit_key
from tests.support.tui import run_app, tui_app
from tests.tui.keywalk import dossier_screen, new_dossier_app, settle


def _keys(data: str) -> list[str]:
    return [e.key for e in XTermParser().feed(data) if hasattr(e, "key")]


def test_escape_and_a_digit_arrive_as_the_tab_key_once_the_app_exists(tmp_path: Path) -> None:
    tui_app(tmp_path, server_url="http://127.0.0.1:9")
    for digit in range(1, 8):
        assert _keys(f"\x1b{digit}a") == [alt_digit_key(digit), "a"]
    assert _keys("\x1b[1;3Ca") == ["alt+right", "a"]  # other sequences untouched
    assert _keys("§a") == ["section_sign", "a"]  # "§" typed as itself stays data


async def test_the_tab_key_from_the_terminal_changes_tab_and_types_nothing(
    tmp_path: Path,
) -> None:
    app = new_dossier_app(tmp_path, "asp", "identification")
    async with run_app(app, size=(80, 24)) as pilot:
        await settle(app, pilot)
        field = app.focused
        assert isinstance(field, Input)
        await pilot.press(*"CH de Pontoise")
        await pilot.press(alt_digit_key(2))
        await settle(app, pilot)
        assert dossier_screen(app).current_tab == "projet_medical"
        assert field.value == "CH de Pontoise"
