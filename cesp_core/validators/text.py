"""Free text: no control characters, no invisible line or direction changes.

A terminal executes what it is sent: a NUL, a CR, an ESC sequence (title, clear screen,
OSC 52 clipboard, OSC 8 link) typed into a dossier would run in the terminal of whoever
opens it. Refused in every text value (server and client call the same rule through
`cesp_core.demarches.rules`):

- C0 controls U+0000–U+001F and DEL U+007F, except line feed and tab in multi-line
  fields (``multiline=True``);
- C1 controls U+0080–U+009F;
- line and paragraph separators U+2028, U+2029;
- bidirectional embeddings, overrides and isolates U+202A–U+202E, U+2066–U+2069.
"""

from __future__ import annotations

import re

__all__ = ["FORBIDDEN", "forbidden_char", "validate_text"]

#: Every character refused in a single-line value (multi-line values allow LF and TAB).
FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORBIDDEN_MULTILINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def forbidden_char(value: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """The first refused character of `value` (position from 1, character), or None."""
    match = (_FORBIDDEN_MULTILINE if multiline else FORBIDDEN).search(value)
    if match is None:
        return None
    return match.start() + 1, match.group(0)


def validate_text(value: str, *, multiline: bool = False) -> str | None:
    """A French message when `value` holds a refused character, else None."""
    found = forbidden_char(value, multiline=multiline)
    if found is None:
        return None
    position, char = found
    if char in "\r\n\t" and not multiline:
        return "Ce champ tient sur une ligne : retirez les retours à la ligne et les tabulations."
    return (
        f"Caractère invisible non autorisé (U+{ord(char):04X}, position {position}) : "
        "retirez-le ou ressaisissez le texte."
    )
