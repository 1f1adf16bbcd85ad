#!/usr/bin/env bash
# Runs the checks: ruff, then every test (unit, API on SQLite and PostgreSQL, TUI).
# PostgreSQL's binaries must be on the machine (Debian: apt-get install postgresql);
# the tests start their own throw-away cluster. Extra arguments go to pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/bootstrap.sh"
cd "$root"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Tests spend much of their time waiting (servers, mail, Pilot rounds): several workers
# (pytest-xdist), one test file per worker at a time (`--dist loadfile`: a file's tests
# share their fixtures' fixed paths). CESP_TEST_WORKERS overrides the count (1: serial).
workers="${CESP_TEST_WORKERS:-$(.venv/bin/python -c 'import os; print(min(4, max(3, os.cpu_count() or 1)))')}"
if [ "$workers" -gt 1 ]; then
  set -- -n "$workers" --dist loadfile "$@"
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
