"""Frames/s of learned box2mask annotation: cached sliding windows vs ``--naive``, same network, same masks.

    python benchmarks/box2mask_speed.py [--frames 12] [--num-frames 5] [--interval 2] [--iterations 15]
                                        [--device cpu|cuda] [--amp bf16] [--threads 2] [--size 480 832]
                                        [--modes cached naive] [--rounds 3]

Uses the official STANet architecture with random weights (decoder bias centred so masks are non-trivial) on a
synthetic 854x480 video with a moving ellipse; boxes follow the ellipse. Three modes: ``cached`` (the default),
``cache off`` (the same code with ``max_cached_frames=0``: every window recomputes its frames, so the difference is
what caching alone buys) and ``naive`` (one plain ``net(images, boxes)`` per window, the reference usage: it also
decodes the refined masks of all T frames and batches the T frames in every call). Reports frames/s, backbone passes
per frame and whether all modes produced identical masks.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date

import numpy as np
import torch

from benchmarks.timing import sync
from box2mask.predictor import Box2MaskPredictor
from box2mask.stanet_method import STANetMethod
from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor

MODES = ("cached", "cache off", "naive")


def video(n: int, h: int = 480, w: int = 854, seed: int = 0):
    """Frames and tight boxes of a moving textured ellipse."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    frames, boxes = [], []
    for t in range(n):
        img = (rng.random((h, w, 3)) * 80 + 60).astype(np.uint8)
        m = ((yy - 200 - 2 * t) / 70.0) ** 2 + ((xx - 300 - 6 * t) / 100.0) ** 2 < 1
        img[m] = (rng.random((int(m.sum()), 3)) * 80 + 150).astype(np.uint8)
        ys, xs = np.nonzero(m)
        frames.append(img)
        boxes.append([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1])
    return frames, np.array(boxes, float)


def centre_logits(net, frames, boxes, size, device: str = "cpu") -> None:
    """Shift the random network's final bias so that its logits on frame 0's crop have median 0 (non-trivial masks)."""
    with torch.no_grad():
        probe = STANetMethod(net, num_frames=1, iterations=2, input_size=tuple(size), device=device,
                             input_format="bgr255_mrcnn")
        entry = probe._encode([probe._crop(frames, boxes, 0)])
        logits = probe._refined_logits([[0]], [0], {0: entry[0]})
        net.decoder.project.conv2.bias -= logits.median().to(net.decoder.project.conv2.bias.device)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=12)
    ap.add_argument("--num-frames", type=int, default=5)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=15)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--amp", default=None, choices=("bf16", "fp16"))
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--size", type=int, nargs=2, default=(480, 832))
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed frames run first in each mode (default: 8 on CUDA, 0 on the CPU)")
    ap.add_argument("--no-refine", action="store_true", help="first pass only (no refinement pass)")
    ap.add_argument("--window-batch", type=int, default=None, help="default: 4 on CUDA, 1 on the CPU")
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES,
                    help="modes to time; speed-ups are given against the first")
    ap.add_argument("--rounds", type=int, default=1,
                    help="time every mode this many times, alternating their order; report medians and per-round "
                         "speed-ups (the machine's speed drifts between rounds)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    frames, boxes = video(args.frames)
    centre_logits(net, frames, boxes, args.size, args.device)
    warmup = args.warmup if args.warmup is not None else (8 if args.device.startswith("cuda") else 0)
    modes = list(dict.fromkeys(args.modes))
    seconds = {mode: [] for mode in modes}
    results = {}
    for r in range(args.rounds):
        for mode in (modes if r % 2 == 0 else modes[::-1]):  # alternate the order: no mode always runs first
            masks, sec, passes, window_batch = time_mode(net, frames, boxes, args, mode, warmup)
            seconds[mode].append(sec)
            results[mode] = (masks, passes)
    ref = modes[0]
    others = [results[mode][0] for mode in modes[1:]]
    same = all(np.array_equal(results[ref][0][t], o[t]) for o in others for t in range(args.frames))
    diff = max([float((results[ref][0][t] != o[t]).mean()) for o in others for t in range(args.frames)] or [0.0])
    fg = float(np.mean([m.mean() for m in results[ref][0].values()]))
    machine = (torch.cuda.get_device_name() if args.device.startswith("cuda") else
               f"{platform.machine()}, {torch.get_num_threads()} threads")
    print(f"box2mask STANet annotation -- {date.today()}, {args.device} ({machine}), amp={args.amp}, "
          f"{args.frames} frames 854x480, input {args.size[0]}x{args.size[1]}, T={args.num_frames}, "
          f"delta={args.interval}, {args.iterations} iterations, window batch {window_batch}, "
          f"refinement pass {'off' if args.no_refine else 'on'}, {args.rounds} round(s) (median seconds)\n")
    print("| mode | seconds | frames/s | backbone passes / frame |\n|---|---:|---:|---:|")
    median = {mode: statistics.median(secs) for mode, secs in seconds.items()}
    for mode in modes:
        print(f"| {mode} | {median[mode]:.1f} | {args.frames / median[mode]:.3f} | {results[mode][1]:.2f} |")
    ratios = []
    for mode in modes[1:]:
        per_round = [b / a for a, b in zip(seconds[ref], seconds[mode])]
        ratios.append(f"{ref} vs {mode}: {statistics.median(per_round):.2f}x"
                      + (f" (rounds: {', '.join(f'{x:.2f}' for x in per_round)})" if args.rounds > 1 else ""))
    print(f"\nspeed-up {'; '.join(ratios)}; identical masks in all modes: {same} "
          f"(max differing pixel fraction {diff:.2e}); mean foreground fraction {fg:.3f}")


def time_mode(net, frames, boxes, args, mode: str, warmup: int):
    """One timed annotation of the video in ``mode``: (masks, seconds, backbone passes per frame, window batch)."""
    method = STANetMethod(net, num_frames=args.num_frames, interval=args.interval, iterations=args.iterations,
                          input_size=tuple(args.size), device=args.device, amp=args.amp, naive=mode == "naive",
                          input_format="bgr255_mrcnn", window_batch=args.window_batch,
                          refine=not args.no_refine, max_cached_frames=0 if mode == "cache off" else None)
    if warmup:  # first calls on a GPU pick kernels and allocate memory: keep them out of the timing
        Box2MaskPredictor(method).predict(frames[:warmup], boxes[:warmup])
        sync(args.device)
        method.stats = dict.fromkeys(method.stats, 0)
    t0 = time.perf_counter()
    masks = Box2MaskPredictor(method).predict(frames, boxes)
    sync(args.device)
    return masks, time.perf_counter() - t0, method.backbone_passes_per_frame, method.window_batch

if __name__ == "__main__":
    main()
