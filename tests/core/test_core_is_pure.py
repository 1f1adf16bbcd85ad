"""cesp_core is shared by both sides: it must never import a UI or web framework."""

from __future__ import annotations

from pathlib import Path

import cesp_core
from tests.support.purity import forbidden_imports, loaded_after_importing_all

FORBIDDEN = (
    "textual",
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "httpx",
    "uvicorn",
    "rich",
    "cesp_server",
    "cesp_tui",
)
CORE = Path(cesp_core.__file__).parent


def test_no_forbidden_import_in_source() -> None:
    assert forbidden_imports(CORE, FORBIDDEN) == []


def test_importing_everything_loads_no_framework() -> None:
    then = "from cesp_core.demarches import CESP, rules\nrules.dossier_problems(CESP, {})\n"
    assert loaded_after_importing_all("cesp_core", FORBIDDEN, then) == ""
