#!/usr/bin/env bash
# Runs the product: the terminal client on the embedded platform (SQLite + local Maildir).
# Extra arguments go to `cesp` (e.g. --server URL, --no-mouse, --help).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/bootstrap.sh"
exec "$root/.venv/bin/cesp" "$@"
