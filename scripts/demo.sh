#!/usr/bin/env bash
# The main job on a fresh machine: boxes -> masks on a generated video (no downloads, no checkpoint).
# Usage: scripts/demo.sh [box2mask demo args...]   (default output folder: demo_output/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_env.sh
exec box2mask demo "$@"
