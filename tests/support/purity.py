"""Checks that a package of ours imports none of a list of packages (`cesp_core`: no UI
or web framework; `cesp_client`: no Textual)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def forbidden_imports(root: Path, forbidden: Sequence[str]) -> list[str]:
    """``file: module`` for every absolute import under ``root`` of a forbidden package."""
    offenders = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(root)}: {n}" for n in names if n.split(".")[0] in forbidden
            ]
    return offenders


def loaded_after_importing_all(package: str, forbidden: Sequence[str], then: str = "") -> str:
    """In a fresh interpreter, import every module of ``package`` (then run ``then``) and
    return the forbidden modules loaded, comma-separated ("" when none)."""
    code = (
        f"import sys, pkgutil, importlib, {package}\n"
        f"for m in pkgutil.walk_packages({package}.__path__, '{package}.'):\n"
        "    importlib.import_module(m.name)\n"
        f"{then}"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {tuple(forbidden)!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()
