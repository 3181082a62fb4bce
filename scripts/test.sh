#!/usr/bin/env bash
# Creates (or reuses) a virtual environment, installs everything, runs the whole test suite.
# Usage: scripts/test.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_env.sh
exec python -m pytest -q "$@"
