#!/usr/bin/env bash
# Short GPU rerun of the box2mask figures (CUDA checks + cached vs naive annotation, fp32 / bf16 / first pass only).
set -o pipefail
OUT="${OUT:-device_out}"; mkdir -p "$OUT"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/gpu.txt"
python3 -m benchmarks.device_checks --device cuda 2>&1 | tee "$OUT/checks.md"
for extra in "" "--amp bf16" "--no-refine"; do
  python3 benchmarks/box2mask_speed.py --device cuda --frames 48 --interval 3 $extra 2>&1 | tee -a "$OUT/box2mask.md"
done
