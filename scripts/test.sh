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
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
