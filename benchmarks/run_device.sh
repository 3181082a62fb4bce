#!/usr/bin/env bash
# The GPU session's one prepared script: CUDA-path checks and box2mask annotation speed (run_device_box2mask.sh),
# then the network and tracker speed benchmarks on the device.
# Run from the repo root on a machine with CUDA and PyTorch (no install needed: PYTHONPATH=repo). Writes to $OUT.
set -o pipefail
OUT="${OUT:-device_out}"; export OUT
bash "$(dirname "$0")/run_device_box2mask.sh"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
python3 benchmarks/network_speed.py --device cuda --repeats 5 2>&1 | tee "$OUT/network.md"
python3 benchmarks/tracker_speed.py --device cuda --frames 12 2>&1 | tee "$OUT/tracker.md"
python3 benchmarks/decoder_cpu.py --device cuda --repeats 10 2>&1 | tee "$OUT/decoder_forms.md"
python3 benchmarks/learner_forms.py --device cuda --rounds 7 --repeats 10 2>&1 | tee "$OUT/learner_forms.md"
