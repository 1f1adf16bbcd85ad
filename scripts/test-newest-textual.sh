#!/usr/bin/env bash
# What would a Textual upgrade break? Builds .venv-newest from requirements.lock, then
# upgrades Textual alone (and what the new release requires) to the newest on PyPI, and
# runs the client's tests (tests/tui by default; extra arguments go to pytest instead,
# e.g. `tests/tui/test_app.py -x`). Prints the two versions and the failing tests.
# CESP_TEXTUAL picks another requirement than the newest release, e.g.
# CESP_TEXTUAL='textual==9.0.0a1' (a pre-release) or 'textual==8.1.1'.
# Not part of CI: the product pins Textual exactly (pyproject.toml, ADR 0020); this is
# the look ahead before moving the pin. Needs the network (PyPI) and PostgreSQL's binaries
# like scripts/test.sh. Exit status: pytest's.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv-newest"
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install --require-hashes -r requirements.lock
"${pip[@]}" install --no-deps --no-build-isolation -e .
pinned="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("textual"))')"
"${pip[@]}" install --upgrade --upgrade-strategy only-if-needed "${CESP_TEXTUAL:-textual}"
newest="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("textual"))')"
echo "Textual: pinned $pinned, testing $newest"
[ "$#" -gt 0 ] || set -- tests/tui
report="$venv/junit.xml"
status=0
"$venv/bin/python" -m pytest -q -p no:cacheprovider -n 2 --dist loadfile \
  --junitxml="$report" "$@" || status=$?
[ -f "$report" ] && "$venv/bin/python" - "$report" "$pinned" "$newest" <<'EOF'
import sys
import xml.etree.ElementTree as ET

report, pinned, newest = sys.argv[1:]
broken = []
total = 0
for case in ET.parse(report).iter("testcase"):
    total += 1
    for kind in ("failure", "error"):
        found = case.find(kind)
        if found is not None:
            message = (found.get("message") or "").strip().splitlines()
            first = message[0][:120] if message else kind
            broken.append(f"{case.get('classname')}::{case.get('name')}: {first}")
print(f"\nTextual {pinned} -> {newest}: {len(broken)} of {total} tests broke")
for line in broken:
    print("  " + line)
EOF
exit "$status"
