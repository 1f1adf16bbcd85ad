"""The only place the client reads Textual's private state (ADR 0023).

Everything else in `cesp_tui` (and `cesp_client`) uses Textual's public API, which
`tests/tui/test_textual_boundary.py` checks. What is left here has no public
equivalent in Textual 8.2, and each read is fenced the same way: a function that
raises `TextualCompatError` when the name is missing or not what it was, and a check
that the feature relying on it runs once, at start, to switch that feature off (and log
why) rather than fail on a key.

- `app_is_busy`, for `cesp_tui.key_order.OrderedKeys` (ADR 0014): whether any message
  pump of the app (the app and every node it registered: `App._registry`) has a message
  queued (`message_queue_size`, public) or a callback due once its current message is
  done (`MessagePump._next_callbacks`). Without them, keys go to Textual's own handling
  (each key to the widget focused when it arrives).
- `alt_digits_as_alt`, for the dossier's tab keys Alt+1…7 (ADR 0026): Textual's table of
  escape sequences (`textual._ansi_sequences.ANSI_SEQUENCES_KEYS`) turns ESC followed by
  a digit, which xterm, tmux, GNOME Terminal and most terminals over SSH send for
  Alt+digit, into the characters WezTerm on macOS gives Option+digit ("™" for Alt+2);
  pressed to change tab, Alt+2 typed "™" into the focused field (and without the entry,
  Textual reads ESC then "2": the digit typed). At start (only if the entries are what
  this module expects) each ESC+digit is mapped to a private-use character instead, not
  printable, so no field takes it; the dossier binds it beside Alt+digit.
- `keep_non_breaking_spaces`, for French text (ADR 0023): Textual wraps a widget's text
  with Rich's word splitter (`rich._wrap.re_word`), whose whitespace class takes the
  no-break spaces French puts inside guillemets and before ":", ";", "?", "!" for
  spaces it may break at: a line began with ": choisissez-en un moins prévisible." or
  ended with "«".
  At start (only if the pattern is the one this module expects) the splitter is given a
  pattern that breaks at every space but U+00A0, U+202F and a plain space where French
  wants a no-break one (after "«", before ":", ";", "?", "!", "»").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sized
from typing import TYPE_CHECKING, Any

import textual

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

__all__ = [
    "ALT_DIGIT_KEYS",
    "TESTED_WITH",
    "TextualCompatError",
    "alt_digit_key",
    "alt_digits_as_keys",
    "app_is_busy",
    "keep_non_breaking_spaces",
    "key_order_unavailable",
]

log = logging.getLogger(__name__)

#: The Textual version these reads were written against (pyproject pins it).
TESTED_WITH = "8.2.8"

#: The private attributes read, by name (a test renames them to play another Textual).
REGISTRY = "_registry"  # App: every DOM node registered with the app (a WeakSet)
NEXT_CALLBACKS = "_next_callbacks"  # MessagePump: callbacks due after the current message


class TextualCompatError(RuntimeError):
    """Textual's internals are not what this module reads (another Textual version)."""


def _registered_nodes(app: App[Any]) -> Iterable[MessagePump]:
    registry = getattr(app, REGISTRY, None)
    if registry is None or not isinstance(registry, Iterable):
        raise TextualCompatError(f"App.{REGISTRY} is missing (Textual {textual.__version__})")
    return registry


def _pending_callbacks(pump: MessagePump) -> int:
    callbacks = getattr(pump, NEXT_CALLBACKS, None)
    if callbacks is None or not isinstance(callbacks, Sized):
        raise TextualCompatError(
            f"MessagePump.{NEXT_CALLBACKS} is missing (Textual {textual.__version__})"
        )
    return len(callbacks)


def app_is_busy(app: App[Any]) -> bool:
    """Whether a message waits anywhere in ``app``, or a callback due after one.
    Raises `TextualCompatError` if Textual no longer keeps what this reads."""
    return any(
        pump.message_queue_size or _pending_callbacks(pump)
        for pump in (app, *_registered_nodes(app))
    )


def key_order_unavailable(app: App[Any]) -> str | None:
    """Why `app_is_busy` cannot work on ``app`` (None: it can). Logged once by the
    caller, which then leaves the keys to Textual."""
    try:
        app_is_busy(app)
    except TextualCompatError as error:
        reason = f"keys handed to Textual as they come (no ordering): {error}"
        log.warning("%s", reason)
        return reason
    return None


#: What Textual 8.2 maps ESC+digit to (WezTerm's Option+digit on macOS).
_OPTION_DIGITS = {
    "1": "¡",
    "2": "™",
    "3": "£",
    "4": "¢",
    "5": "∞",
    "6": "§",
    "7": "¶",
    "8": "•",
    "9": "ª",
    "0": "º",
}
#: The key ESC+digit becomes instead: a private-use character per digit, which no text
#: field takes (not printable) and which the dossier binds beside Alt+digit.
ALT_DIGIT_KEYS = {digit: chr(0xE100 + int(digit)) for digit in _OPTION_DIGITS}


def alt_digit_key(digit: int) -> str:
    """The key name ESC+``digit`` arrives as once `alt_digits_as_keys` ran."""
    return ALT_DIGIT_KEYS[str(digit)]


def alt_digits_as_keys() -> bool:
    """Let ESC+digit arrive as `alt_digit_key` (see the module's docstring). Returns
    whether the table now reads so; logs why not (another Textual: Alt+digit may then
    type a character)."""
    try:
        from textual import _ansi_sequences
    except ImportError:
        log.warning("Alt+chiffre : table des séquences de Textual introuvable")
        return False
    table = getattr(_ansi_sequences, "ANSI_SEQUENCES_KEYS", None)
    if not isinstance(table, dict):
        log.warning("Alt+chiffre : ANSI_SEQUENCES_KEYS absent (Textual %s)", textual.__version__)
        return False
    for digit, character in _OPTION_DIGITS.items():
        if table.get(f"\x1b{digit}") not in (character, ALT_DIGIT_KEYS[digit]):
            log.warning("Alt+%s : séquence inattendue (Textual %s)", digit, textual.__version__)
            return False
    for digit in _OPTION_DIGITS:
        table[f"\x1b{digit}"] = ALT_DIGIT_KEYS[digit]
    return True


#: Rich 14's word pattern: a run of non-spaces with the spaces around it.
_RICH_WORD = r"\s*\S+\s*"
#: What belongs to a word: a non-space, a no-break space (U+00A0, U+202F), and the
#: space French typography wants unbreakable even where the text has a plain one: after
#: "«", and before ":", ";", "?", "!", "»" that end a word ("supprimé : cette…").
_WORD_PART = r"(?:\S|[\u00a0\u202f]|(?<=«) | (?=[:;?!»](?:\s|$)))"
#: Rich's pattern with those parts: spaces elsewhere remain break points.
NON_BREAKING_WORD = re.compile(rf"[^\S\u00a0\u202f]*{_WORD_PART}+[^\S\u00a0\u202f]*")


def keep_non_breaking_spaces() -> bool:
    """Let lines break at spaces but not at no-break ones (see the module's docstring).
    Returns whether the word splitter now reads so; logs why not (another Rich: French
    text may then break inside guillemets or before a colon)."""
    try:
        from rich import _wrap
    except ImportError:
        log.warning("Espaces insécables : découpage en mots de Rich introuvable")
        return False
    pattern = getattr(_wrap, "re_word", None)
    if pattern is NON_BREAKING_WORD:
        return True
    if not isinstance(pattern, re.Pattern) or pattern.pattern != _RICH_WORD:
        log.warning("Espaces insécables : motif de découpage inattendu (Rich), laissé tel quel")
        return False
    _wrap.re_word = NON_BREAKING_WORD
    return True
