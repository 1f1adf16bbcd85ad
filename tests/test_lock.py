"""The lock files agree with pyproject.toml and with each other (ADR 0020).

`scripts/lock.sh` writes them; a dependency added to pyproject.toml without re-running
it is named here, before any import fails somewhere else.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
_PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][\w.-]*)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


def pins(lock: str) -> dict[str, str]:
    """Name -> pinned version, for the entries whose marker holds here."""
    found: dict[str, str] = {}
    for line in (REPO_ROOT / lock).read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match is None:
            continue
        marker = match["marker"]
        if marker is None or Marker(marker).evaluate():
            found[canonicalize_name(match["name"])] = match["version"]
    return found


def entries(lock: str) -> dict[str, str]:
    """Each pinned entry (name, version and marker) -> its text with every hash."""
    text = (REPO_ROOT / lock).read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    return {block.split(" \\", 1)[0]: block.split("    # via")[0] for block in blocks[1:]}


def unmet(requirements: list[str], pinned: dict[str, str]) -> list[str]:
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{requirement.name}: not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(f"{requirement}: the lock pins {version}")
    return problems


def test_full_lock_pins_every_requirement() -> None:
    project = PYPROJECT["project"]
    wanted = (
        project["dependencies"]
        + project["optional-dependencies"]["dev"]
        + PYPROJECT["build-system"]["requires"]
    )
    assert unmet(wanted, pins("requirements.lock")) == [], "run: bash scripts/lock.sh"


def test_runtime_lock_pins_every_runtime_requirement_and_no_dev_one() -> None:
    runtime = pins("requirements-runtime.lock")
    assert unmet(PYPROJECT["project"]["dependencies"], runtime) == [], "run: bash scripts/lock.sh"
    for dev_only in ("pytest", "ruff", "schemathesis", "moto", "setuptools"):
        assert dev_only not in runtime


def test_runtime_lock_is_a_part_of_the_full_lock() -> None:
    """Same versions, same hashes: the wheel test installs what the suite tested."""
    full = entries("requirements.lock")
    runtime = entries("requirements-runtime.lock")
    assert runtime.keys() <= full.keys()
    for key, text in runtime.items():
        assert text == full[key], key


def test_textual_is_pinned_exactly() -> None:
    (textual,) = (
        Requirement(r)
        for r in PYPROJECT["project"]["dependencies"]
        if canonicalize_name(Requirement(r).name) == "textual"
    )
    (spec,) = textual.specifier
    assert spec.operator == "=="
    assert pins("requirements.lock")["textual"] == spec.version


def test_no_dependency_left_unused_at_run_time() -> None:
    """Issue 14: textual-autocomplete (a bench's fuzzy matcher only) and
    pytest-postgresql (we start PostgreSQL ourselves, ADR 0004) are gone."""
    every = {
        canonicalize_name(Requirement(r).name)
        for r in PYPROJECT["project"]["dependencies"]
        + PYPROJECT["project"]["optional-dependencies"]["dev"]
    }
    assert {"textual-autocomplete", "pytest-postgresql"} & every == set()
    assert {"textual-autocomplete", "pytest-postgresql"} & pins("requirements.lock").keys() == set()
