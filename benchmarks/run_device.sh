#!/usr/bin/env bash
# The GPU session's one prepared script: CUDA-path checks, then the speed benchmarks on the device.
# Run from the repo root on a machine with CUDA and PyTorch (no install needed: PYTHONPATH=repo). Writes to $OUT.
set -o pipefail
OUT="${OUT:-device_out}"; mkdir -p "$OUT"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
python3 -m benchmarks.device_checks --device cuda 2>&1 | tee "$OUT/checks.md"
python3 benchmarks/network_speed.py --device cuda --repeats 5 2>&1 | tee "$OUT/network.md"
python3 benchmarks/tracker_speed.py --device cuda --frames 12 2>&1 | tee "$OUT/tracker.md"
python3 benchmarks/box2mask_speed.py --device cuda --frames 24 --interval 3 2>&1 | tee "$OUT/box2mask.md"
python3 benchmarks/box2mask_speed.py --device cuda --frames 24 --interval 3 --amp bf16 2>&1 | tee "$OUT/box2mask_bf16.md"
