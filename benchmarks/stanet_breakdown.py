"""Where the time of one STANet window goes: backbone, per-frame encoders, learner passes, decoder runs.

    python benchmarks/stanet_breakdown.py [--num-frames 5] [--size 480 832] [--iterations 15] [--threads 2]

Official STANet architecture with random weights, one window of T frames. The cached box2mask mode computes the
per-frame parts (backbone, box encoders, the decoder's per-frame share) once per frame; the per-window
parts (both learner passes, the first-pass decoder on all T frames, the refinement encoder, the refined decoder on
the target frame) run for every target frame in both modes. The last lines give the cached-vs-naive speed-up these
timings predict (crops, paste-back and memory effects excluded) and its bound with a decoder that cost nothing.
"""
from __future__ import annotations

import argparse
import platform
import time
from datetime import date
from typing import Callable, Tuple

import torch

from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor


def timed(fn: Callable[[], object], repeats: int) -> Tuple[float, object]:
    """Median seconds of ``repeats`` calls after one warm-up call, and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2], out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--num-frames", type=int, default=5)
    ap.add_argument("--size", type=int, nargs=2, default=(480, 832), metavar=("H", "W"))
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    t, size = args.num_frames, tuple(args.size)
    images = torch.randn(t, 3, *size)
    boxes = torch.tensor([[size[1] * 0.35, size[0] * 0.3, size[1] * 0.25, size[0] * 0.4]]).repeat(t, 1).view(t, 1, 4)
    rows = []
    with torch.inference_mode():
        sec, feat = timed(lambda: net.extract_backbone_features(images), args.repeats)
        rows.append(("backbone", sec / t, "frame"))
        sec, enc = timed(lambda: net.encode_frames(feat, boxes, size), args.repeats)
        rows.append(("target-model features + both box encoders", sec / t, "frame"))
        sec, cache = timed(lambda: net.precompute_decoder(feat, enc["m"]), args.repeats)
        rows.append(("decoder per-frame share (precompute)", sec / t, "frame"))
        sec, s1 = timed(lambda: net.aggregate(enc["x"], enc["e"], enc["w"], num_iter=args.iterations), args.repeats)
        rows.append((f"learner, one pass over T frames ({args.iterations} iterations)", sec, "window, x2"))
        sec, first = timed(lambda: net.decode(enc["m"], s1, None, size, cache=cache), args.repeats)
        rows.append(("decoder (incl. upsampling to the input size)", sec / t, "frame, T+1 per window"))
        sec, _ = timed(lambda: net.segm_encoder(torch.sigmoid(first), enc["x"]), args.repeats)
        rows.append(("refinement mask encoder, T frames", sec, "window"))
    backbone, encoders, precompute, learner, decoder, segm_encoder = (sec for _, sec, _ in rows)
    frame_part = backbone + encoders + precompute
    window_part = 2 * learner + (t + 1) * decoder + segm_encoder
    print(f"STANet window breakdown -- {date.today()}, cpu ({platform.machine()}, {torch.get_num_threads()} threads), "
          f"T={t}, input {size[0]}x{size[1]}, median of {args.repeats}\n")
    print("| part | seconds | per |\n|---|---:|---|")
    for name, sec, unit in rows:
        print(f"| {name} | {sec:.3f} | {unit} |")
    cached, naive = frame_part + window_part, t * frame_part + window_part
    print(f"\nper target frame: cached {cached:.2f} s (per-frame parts {frame_part:.2f} + per-window parts "
          f"{window_part:.2f}), naive {naive:.2f} s -> caching saves about {naive / cached:.2f}x")
    free = window_part - (t + 1) * decoder
    print(f"bound: even if every decoder run cost nothing, caching would save at most "
          f"{(t * frame_part + free) / (frame_part + free):.2f}x (learner passes and refinement encoder remain)")


if __name__ == "__main__":
    main()
