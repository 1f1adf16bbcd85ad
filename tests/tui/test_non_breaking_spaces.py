"""French text keeps its no-break spaces whole: no line starts with ":" or "»", none ends
with "«" (seen in tmux at 80x24 on the password screen: "✗ Ce mot de passe fait partie
des plus courants" then ": choisissez-en un moins prévisible.")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich import _wrap  # test-side only: what `textual_compat` patches
from textual.content import Content

from cesp_tui.textual_compat import NON_BREAKING_WORD, keep_non_breaking_spaces
from tests.support.tui import tui_app

PASSWORD = "✗ Ce mot de passe fait partie des plus courants\u00a0: choisissez-en un autre."
QUOTED = "Ouvrez le message «\u00a0Initialisation mdp via lien éphémère\u00a0» et collez ici"
#: The same typography written with plain spaces (most of the client's strings).
PLAIN = (
    "Seul un brouillon peut être supprimé : cette candidature est transmise ; "
    "voir « Mes candidatures » ? Oui !"
)


def lines(text: str, width: int) -> list[str]:
    return [line.plain for line in Content(text).wrap(width)]


@pytest.fixture
def rich_word() -> object:
    saved = _wrap.re_word
    yield saved
    _wrap.re_word = saved


def test_textual_alone_breaks_at_a_no_break_space(rich_word: object) -> None:
    """What the client changes: the stock splitter puts the colon at a line's start."""
    _wrap.re_word = re.compile(r"\s*\S+\s*")
    assert lines(PASSWORD, 47)[1].startswith(":")


@pytest.mark.parametrize("width", range(20, 60))
def test_once_the_app_exists_no_line_starts_or_ends_inside_a_no_break_space(
    width: int, tmp_path: Path, rich_word: object
) -> None:
    tui_app(tmp_path, server_url="http://127.0.0.1:9")
    assert _wrap.re_word is NON_BREAKING_WORD
    for text in (PASSWORD, QUOTED, PLAIN):
        shown = lines(text, width)
        for line in shown:
            stripped = line.strip()
            assert not stripped.startswith((":", ";", "?", "!", "»")), (width, shown)
            assert not stripped.endswith("«"), (width, shown)
        # Nothing is lost: the words are all there, in their order.
        assert " ".join(shown).split() == text.replace("\u00a0", " ").split()


def test_another_pattern_is_left_alone(rich_word: object) -> None:
    other = re.compile(r"\S+\s*")
    _wrap.re_word = other
    assert keep_non_breaking_spaces() is False
    assert _wrap.re_word is other


def test_other_spaces_still_break(rich_word: object) -> None:
    """Only those spaces are kept: a sentence still wraps between its words, a time or
    an address with a colon is one word as before."""
    keep_non_breaking_spaces()
    assert lines("un deux trois quatre", 9) == ["un deux", "trois", "quatre"]
    assert lines("à 10:38 ou http://127.0.0.1:8000 ok", 12)[0] == "à 10:38 ou"
