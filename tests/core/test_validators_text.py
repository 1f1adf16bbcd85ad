"""Issue 15, item 6: control characters, invisible separators and bidi overrides."""

from __future__ import annotations

import pytest

from cesp_core.demarches import get_demarche, rules
from cesp_core.validators import validate_text

REFUSED = [
    "\x00",
    "\r",
    "\x1b",
    "\x1b]0;titre\x07",
    "\x1b[2J",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "\x1b]8;;https://exemple.fr\x1b\\lien\x1b]8;;\x1b\\",
    "\x7f",
    "\x85",
    "\x9b",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
]


@pytest.mark.parametrize("bad", REFUSED)
def test_refused_everywhere(bad: str) -> None:
    value = f"Dupont{bad}Jean"
    assert validate_text(value) is not None
    assert validate_text(value, multiline=True) is not None


def test_newline_and_tab_only_in_multi_line_text() -> None:
    assert validate_text("ligne 1\nligne 2\tfin", multiline=True) is None
    message = validate_text("ligne 1\nligne 2")
    assert message is not None and "une ligne" in message
    assert validate_text("a\tb") is not None


def test_ordinary_french_text_passes() -> None:
    assert validate_text("Hélène d'Aubigné-Œuvray — « 12 € » ½ ﬁ") is None
    assert validate_text("") is None


def test_message_names_the_character() -> None:
    message = validate_text("abc\x1bdef")
    assert message is not None
    assert "U+001B" in message and "position 4" in message


def test_rules_refuse_in_every_text_field_and_keep_multi_line_newlines() -> None:
    demarche = get_demarche("cesp")
    clean, problems = rules.clean_tab(
        demarche,
        "etat_civil",
        {"nom_naissance": "Durand\x1b]0;pwned\x07", "prenoms": "Jean\nPierre"},
    )
    assert {p.field for p in problems} == {"nom_naissance", "prenoms"}
    assert "nom_naissance" not in clean and "prenoms" not in clean

    clean, problems = rules.clean_tab(
        demarche, "volet_social", {"commentaire": "Ligne 1\r\nLigne 2\n\tfin"}
    )
    assert problems == []
    assert clean["commentaire"] == "Ligne 1\nLigne 2\n\tfin"

    _clean, problems = rules.clean_tab(demarche, "volet_social", {"commentaire": "a\u202eb"})
    assert [p.field for p in problems] == ["commentaire"]


def test_field_problem_is_what_the_client_shows() -> None:
    field = get_demarche("cesp").tab("etat_civil").field("nom_naissance")
    assert rules.field_problem(field, "Durand\x00") is not None
    assert rules.field_problem(field, "Durand") is None
