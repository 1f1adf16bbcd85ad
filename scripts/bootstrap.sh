#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs into it exactly what requirements.lock pins
# (hash-checked), then the project itself, editable. Later calls reinstall only when
# pyproject.toml or requirements.lock changed. Sourced by run.sh and test.sh.
# pip only: a fresh machine needs no other tool (scripts/lock.sh, which uses uv, writes
# the lock; ADR 0020).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
lock="$root/requirements.lock"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is required (found: $("$python" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
stamp="$venv/.installed-$(cat "$root/pyproject.toml" "$lock" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
  "${pip[@]}" install --require-hashes -r "$lock"
  # What the lock no longer pins goes (a dependency dropped from pyproject.toml must not
  # linger in the venvs where the tests would still find it).
  "$venv/bin/python" - "$lock" <<'EOF'
import re
import subprocess
import sys
from importlib.metadata import distributions


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


with open(sys.argv[1], encoding="utf-8") as handle:
    locked = {norm(m.group()) for line in handle if (m := re.match(r"[A-Za-z0-9][\w.-]*", line))}
installed = {norm(d.metadata["Name"]) for d in distributions()}
stale = sorted(installed - locked - {"pip", "cesp", "uv"})
if stale:
    print("bootstrap: removing what the lock no longer pins:", *stale)
    cmd = [sys.executable, "-m", "pip", "uninstall", "--quiet", "--yes", *stale]
    subprocess.run(cmd, check=True)
EOF
  # The build backend (setuptools) is in the lock too: no unpinned download at install.
  "${pip[@]}" install --no-deps --no-build-isolation -e "$root"
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
