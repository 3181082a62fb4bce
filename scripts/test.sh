#!/usr/bin/env bash
# Creates (or reuses) a virtual environment, installs the project with every dependency, runs the whole test suite.
# Usage: scripts/test.sh [pytest args...]      (VENV=path to use another environment folder)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[all]"
export MPLBACKEND=Agg
exec "$VENV/bin/python" -m pytest -q "$@"
