"""The learner with its residual recomputed every iteration vs updated along each step, side by side.

    python benchmarks/learner_forms.py [--device cpu|cuda] [--rounds 5] [--repeats 5] [--threads N]

``GNSteepestDescent(update_residual=True)`` (the default) computes the residual once and then updates it as
``r <- r - alpha J g``: one filter application per iteration instead of two. This times both settings of the learner
as the networks build it (``ltr.models.lwl.builders.build_learner``, losses recorded) at the shapes of the LWL
tracker (initial fit: 1 frame, 20 iterations; update: 32 memory samples, 3 iterations) and of a STANet window
(5 frames, 15 iterations): 512-d features at 30x52, 16 filters of 3x3, zero initial filter. The two settings
alternate for ``--rounds`` rounds in one warm process; each cell is the median over rounds of the median of
``--repeats`` calls. The last column is the largest difference between the two final filters, relative to the
largest filter value.
"""
from __future__ import annotations

import argparse
import platform
import statistics
from datetime import date
from typing import Dict, List

import torch

from benchmarks.timing import median_seconds
from ltr.models.lwl.builders import build_learner

CASES = (("LWL initial fit", 1, 20), ("LWL update, 32 samples", 32, 3), ("STANet window", 5, 15))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    torch.manual_seed(0)
    learner = build_learner(num_iter=1, init_reg=1e-2, detach_length=float("inf")).to(dev)
    machine = (torch.cuda.get_device_name() if dev.startswith("cuda") else
               f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Learner forms -- {date.today()}, {dev} ({machine}), torch {torch.__version__}, "
          f"median over {args.rounds} alternating rounds of the median of {args.repeats} calls\n")
    print("| case | frames | iterations | recomputed (ms) | updated (ms) | speed-up | max rel. difference |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with torch.inference_mode():
        for name, frames, iterations in CASES:
            feat = torch.randn(frames, 1, 512, 30, 52, device=dev) / 50
            label = torch.randn(frames, 1, 16, 30, 52, device=dev)
            weight = torch.rand(frames, 1, 16, 30, 52, device=dev)
            filt0 = torch.zeros(1, 16, 512, 3, 3, device=dev)

            def fit(update: bool) -> torch.Tensor:
                learner.update_residual = update
                return learner(filt0, num_iter=iterations, feat=feat, label=label, sample_weight=weight)[0]

            results = {False: fit(False), True: fit(True)}  # warm-up, and the filters compared below
            times: Dict[bool, List[float]] = {False: [], True: []}
            for _ in range(args.rounds):
                for update in (False, True):
                    times[update].append(median_seconds(lambda: fit(update), args.repeats, dev, warmup=False))
            old, new = (statistics.median(times[u]) * 1000 for u in (False, True))
            diff = ((results[True] - results[False]).abs().max() / results[False].abs().max()).item()
            print(f"| {name} | {frames} | {iterations} | {old:.2f} | {new:.2f} | {old / new:.2f}x | {diff:.1e} |")
    learner.update_residual = True


if __name__ == "__main__":
    main()
