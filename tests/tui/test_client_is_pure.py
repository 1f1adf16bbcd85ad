"""cesp_client is the client without Textual: it must never import the shell or Textual
(the embedded platform imports cesp_server, lazily, and that is allowed)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import cesp_client

FORBIDDEN = ("textual", "cesp_tui")
CLIENT = Path(cesp_client.__file__).parent


def test_no_textual_import_in_source() -> None:
    offenders = []
    for path in CLIENT.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(CLIENT)}: {n}" for n in names if n.split(".")[0] in FORBIDDEN
            ]
    assert offenders == []


def test_importing_everything_loads_no_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, cesp_client\n"
        "for m in pkgutil.walk_packages(cesp_client.__path__, 'cesp_client.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
