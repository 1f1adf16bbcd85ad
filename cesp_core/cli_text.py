"""argparse in French: the messages both commands print (``cesp --help``,
``cesp-server --help``, usage errors). argparse looks its texts up through the module's
``_`` (gettext) at call time; `use_french` routes the known ones to French. Standard
library only (no Textual, no FastAPI)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

FRENCH: dict[str, str] = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments positionnels",
    "options": "options",
    "optional arguments": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choisir parmi %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
}


def french(text: str) -> str:
    """``text`` in French when argparse's message is known, else unchanged."""
    return FRENCH.get(text, text)


def use_french() -> Callable[[str], str]:
    """Make argparse speak French in this process (both commands call it first)."""
    argparse._ = french  # type: ignore[attr-defined]  # argparse's own gettext hook
    return french
