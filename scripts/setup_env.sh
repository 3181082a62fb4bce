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
# Install only when the environment is new or the install files changed (the project is installed editable, so
# code changes need no reinstall); the stamp holds a hash of setup.py and requirements.txt.
STAMP="$VENV/.box2mask-install-stamp"
SIG="$(cat setup.py requirements.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null || true)" != "$SIG" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[all]"
  # The 'sam2' extra (setup.py): source only, built without build isolation (an isolated build would download torch
  # again) and without its CUDA extension (CPU-only machines); uses the torch installed above.
  "$VENV/bin/python" -m pip install -q wheel setuptools
  SAM2_BUILD_CUDA=0 "$VENV/bin/python" -m pip install -q --no-build-isolation -e ".[sam2]"
  echo "$SIG" > "$STAMP"
fi
export PATH="$PWD/$VENV/bin:$PATH"
export MPLBACKEND=Agg
