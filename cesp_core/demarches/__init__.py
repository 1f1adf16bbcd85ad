"""The two démarches as data, and the rules that run on their dossiers."""

from __future__ import annotations

from .asp import ASP
from .cesp import CESP
from .model import Demarche

DEMARCHES: dict[str, Demarche] = {CESP.key: CESP, ASP.key: ASP}


def get_demarche(key: str) -> Demarche:
    """The démarche `key` ("cesp" or "asp"); KeyError otherwise."""
    return DEMARCHES[key]


__all__ = ["ASP", "CESP", "DEMARCHES", "Demarche", "get_demarche"]
