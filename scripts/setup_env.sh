#!/usr/bin/env bash
# Creates (or reuses) the virtual environment and installs the project with every dependency.
# Sourced by scripts/test.sh and scripts/demo.sh. VENV=path picks another folder, PYTHON another interpreter.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV="${VENV:-.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[all]"
export PATH="$PWD/$VENV/bin:$PATH"
export MPLBACKEND=Agg
