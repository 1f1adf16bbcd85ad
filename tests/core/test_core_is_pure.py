"""cesp_core is shared by both sides: it must never import a UI or web framework."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cesp_core

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
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(CORE)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN
            ]
    assert offenders == []


def test_importing_everything_loads_no_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, cesp_core\n"
        "for m in pkgutil.walk_packages(cesp_core.__path__, 'cesp_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "from cesp_core.demarches import CESP, rules\n"
        "rules.dossier_problems(CESP, {})\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
