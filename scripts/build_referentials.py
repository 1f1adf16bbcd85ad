#!/usr/bin/env python3
"""Generate ``communes.csv``, ``departements.csv`` and ``pays.csv``.

They are package data, in ``cesp_core/referentials/data/``: they ship in the wheel.

Sources:

* communes and departments: the npm package ``@etalab/decoupage-administratif``
  (INSEE Code officiel géographique, MIT licence), version pinned below, fetched with
  ``npm pack`` into a temporary directory and checked against its published integrity;
* countries: ``pycountry`` (ISO 3166-1 alpha-2) with its French gettext catalogue.

The output is deterministic: re-running the script with the same package version and the
same pycountry version rewrites byte-identical files.

Usage::

    python scripts/build_referentials.py                 # fetch with npm pack
    python scripts/build_referentials.py --package-dir /tmp/etalab/package   # offline
    python scripts/build_referentials.py --check         # fail if the files are out of date
"""

from __future__ import annotations

import argparse
import base64
import csv
import gettext
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pycountry

PACKAGE = "@etalab/decoupage-administratif"
VERSION = "6.0.0"
# The "integrity" npm publishes for the tarball (npm view @etalab/decoupage-administratif@6.0.0).
INTEGRITY = (
    "sha512-"
    "XavYsFlbcM/prKr8hNHPKER94IHw/dsxNM4nxjWMYk6PLFACpEedvn/7wK8Baozm0dCYhWWcf+7bcWpA5pmCaQ=="
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "cesp_core" / "referentials" / "data"

COMMUNE_TYPES = (
    "commune-actuelle",
    "commune-deleguee",
    "commune-associee",
    "arrondissement-municipal",
)
COMMUNE_COLUMNS = (
    "code",
    "nom",
    "departement",
    "type",
    "codes_postaux",
    "anciens_codes",
    "chef_lieu",
)
DEPARTEMENT_COLUMNS = ("code", "nom", "region", "zone")
PAYS_COLUMNS = ("code", "nom")
SEPARATOR = "|"


def fetch_package(dest: Path) -> Path:
    """Fetch the pinned package with ``npm pack`` into ``dest`` and extract it.

    Returns the extracted ``package`` directory.
    """
    spec = f"{PACKAGE}@{VERSION}"
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(result.stdout)[0]
    tarball = dest / info["filename"]
    _check_integrity(tarball.read_bytes())
    with tarfile.open(tarball, "r:gz") as archive:
        archive.extractall(dest, filter="data")
    return dest / "package"


def _check_integrity(payload: bytes) -> None:
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, payload).digest()).decode("ascii")
    if digest != expected:
        raise SystemExit(f"{PACKAGE}@{VERSION}: integrity mismatch ({digest} != {expected})")


def _load_json(package_dir: Path, name: str) -> list[dict[str, Any]]:
    with (package_dir / "data" / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def commune_rows(raw: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Rows for ``communes.csv``, one per entry of ``communes.json``.

    * ``chef_lieu`` is the parent commune: ``chefLieu`` for delegated and associated
      communes, ``commune`` for municipal arrondissements, empty for current communes.
    * ``codes_postaux``: the entry's own ``codesPostaux``; delegated and associated
      communes have none in the source, so they take their parent's (all of them).
    """
    current = {c["code"]: c for c in raw if c["type"] == "commune-actuelle"}
    rows: list[tuple[str, ...]] = []
    for entry in raw:
        kind = entry["type"]
        if kind not in COMMUNE_TYPES:
            raise SystemExit(f"unknown commune type {kind!r} for {entry['code']}")
        parent = entry.get("chefLieu") or entry.get("commune") or ""
        if kind == "commune-actuelle":
            parent = ""
        postal = entry.get("codesPostaux") or []
        if not postal and parent:
            postal = current[parent].get("codesPostaux") or []
        rows.append(
            (
                entry["code"],
                entry["nom"],
                entry["departement"],
                kind,
                _join(postal),
                _join(entry.get("anciensCodes") or []),
                parent,
            )
        )
    rank = {kind: i for i, kind in enumerate(COMMUNE_TYPES)}
    rows.sort(key=lambda r: (r[0], rank[r[3]], r[1], r[6]))
    return rows


def departement_rows(raw: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    rows = [(d["code"], d["nom"], d["region"], d["zone"]) for d in raw]
    rows.sort(key=lambda r: departement_order(r[0]))
    return rows


def departement_order(code: str) -> tuple[int, str]:
    """Natural order of department codes: 01 ... 19, 2A, 2B, 21 ... 95, 971 ... 989."""
    return (int(code) if code.isdigit() else 20, code)


def pays_rows() -> list[tuple[str, ...]]:
    """ISO 3166-1 countries with their French name.

    The common name (``Corée du Sud``, ``Bolivie``) is preferred to the official short
    name (``Corée, République de``) when pycountry has one: it is what people look for.
    """
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    rows = []
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        rows.append((country.alpha_2, french.gettext(name)))
    rows.sort(key=lambda r: r[0])
    return rows


def _join(values: Iterable[str]) -> str:
    return SEPARATOR.join(sorted(set(values)))


def render_csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()


def build(package_dir: Path) -> dict[str, str]:
    """Return ``{file name: CSV text}`` for the three referentials."""
    meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    if meta.get("version") != VERSION:
        raise SystemExit(f"expected {PACKAGE} {VERSION}, found {meta.get('version')}")
    return {
        "communes.csv": render_csv(
            COMMUNE_COLUMNS, commune_rows(_load_json(package_dir, "communes.json"))
        ),
        "departements.csv": render_csv(
            DEPARTEMENT_COLUMNS, departement_rows(_load_json(package_dir, "departements.json"))
        ),
        "pays.csv": render_csv(PAYS_COLUMNS, pays_rows()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--package-dir",
        type=Path,
        help=f"an already extracted {PACKAGE} {VERSION} (skips npm pack)",
    )
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="output directory")
    parser.add_argument(
        "--check", action="store_true", help="compare with the files in --out, write nothing"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="cesp-referentials-") as tmp:
        package_dir = args.package_dir or fetch_package(Path(tmp))
        outputs = build(package_dir)

    stale = []
    for name, text in outputs.items():
        target = args.out / name
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if args.check:
            if current != text:
                stale.append(name)
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        if current != text:
            target.write_text(text, encoding="utf-8", newline="")
        print(f"{target}: {text.count(chr(10)) - 1} rows")
    if stale:
        print(f"out of date: {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
