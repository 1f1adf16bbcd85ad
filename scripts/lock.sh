#!/usr/bin/env bash
# Regenerates the two hashed lock files from pyproject.toml (ADR 0020):
#   requirements.lock          every package the developers and CI install (runtime, the
#                              `dev` extra, and setuptools, the build backend: bootstrap.sh
#                              installs the project with --no-build-isolation);
#   requirements-runtime.lock  the runtime packages only, at the same versions (what a
#                              deployment, and tests/test_wheel_install.py, install beside the wheel).
# Versions already in requirements.lock are kept when they still fit: after adding a
# dependency, `bash scripts/lock.sh` adds it (and what it needs) and changes nothing else.
# Extra arguments go to the first `uv pip compile`, e.g. `--upgrade-package fastapi` or
# `--upgrade`. Both files are universal (markers, not one platform) for Python 3.11+.
# Needs the network (PyPI). uv is installed into .venv on first use; a fresh machine
# installs from the lock files with pip alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
uv_version="0.13.9"
if [ "$("$venv/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$uv_version" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
fi
common=(--universal --python-version 3.11 --generate-hashes --quiet
  --custom-compile-command "bash scripts/lock.sh")
"$venv/bin/python" -c 'import tomllib
print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' |
  "$venv/bin/uv" pip compile pyproject.toml - --extra dev "${common[@]}" -o requirements.lock "$@"
"$venv/bin/uv" pip compile pyproject.toml -c requirements.lock "${common[@]}" \
  -o requirements-runtime.lock
echo "requirements.lock: $(grep -c '^[a-z]' requirements.lock) packages;" \
  "requirements-runtime.lock: $(grep -c '^[a-z]' requirements-runtime.lock)"
