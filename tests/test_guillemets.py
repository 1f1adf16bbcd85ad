"""No line break inside « »: every string the platform and the client show (the string
literals of the packages, the mail templates) holds a non-breaking space (U+00A0) inside
French guillemets, never a plain space or a line feed (a terminal or a mail reader may cut
the line there)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cesp_core", "cesp_server", "cesp_client", "cesp_tui")
BREAKABLE = re.compile(r"«[ \t\r\n]|[ \t\r\n]»")


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
    return found


def test_no_breakable_space_inside_guillemets_in_displayed_strings() -> None:
    bad: list[str] = []
    checked = 0
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line, text in _strings(path):
                checked += "«" in text
                if BREAKABLE.search(text):
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {text[:70]!r}")
    assert checked > 100
    assert bad == []


def test_no_breakable_space_inside_guillemets_in_mail_templates() -> None:
    templates = sorted((ROOT / "cesp_server" / "mail" / "templates").glob("*.txt"))
    assert templates
    bad = [
        f"{path.name}: {match.group()!r}"
        for path in templates
        for match in BREAKABLE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert bad == []
