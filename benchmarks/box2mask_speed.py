"""Frames/s of learned box2mask annotation: cached sliding windows vs ``--naive``, same network, same masks.

    python benchmarks/box2mask_speed.py [--frames 12] [--num-frames 5] [--interval 2] [--iterations 15]
                                        [--device cpu|cuda] [--amp bf16] [--threads 2] [--size 480 832]

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
import time
from datetime import date

import numpy as np
import torch

from box2mask.predictor import Box2MaskPredictor
from box2mask.stanet_method import STANetMethod
from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor


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
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    frames, boxes = video(args.frames)
    centre_logits(net, frames, boxes, args.size, args.device)
    warmup = args.warmup if args.warmup is not None else (8 if args.device.startswith("cuda") else 0)
    results = {}
    for mode in ("cached", "cache off", "naive"):
        method = STANetMethod(net, num_frames=args.num_frames, interval=args.interval, iterations=args.iterations,
                              input_size=tuple(args.size), device=args.device, amp=args.amp, naive=mode == "naive",
                              input_format="bgr255_mrcnn", window_batch=args.window_batch,
                              refine=not args.no_refine, max_cached_frames=0 if mode == "cache off" else None)
        if warmup:  # first calls on a GPU pick kernels and allocate memory: keep them out of the timing
            Box2MaskPredictor(method).predict(frames[:warmup], boxes[:warmup])
            if args.device.startswith("cuda"):
                torch.cuda.synchronize()
            method.stats = dict.fromkeys(method.stats, 0)
        t0 = time.perf_counter()
        masks = Box2MaskPredictor(method).predict(frames, boxes)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        sec = time.perf_counter() - t0
        results[mode] = (masks, sec, method.backbone_passes_per_frame)
    others = [results[mode][0] for mode in ("cache off", "naive")]
    same = all(np.array_equal(results["cached"][0][t], o[t]) for o in others for t in range(args.frames))
    diff = max(float((results["cached"][0][t] != o[t]).mean()) for o in others for t in range(args.frames))
    fg = float(np.mean([m.mean() for m in results["cached"][0].values()]))
    machine = (torch.cuda.get_device_name() if args.device.startswith("cuda") else
               f"{platform.machine()}, {torch.get_num_threads()} threads")
    print(f"box2mask STANet annotation -- {date.today()}, {args.device} ({machine}), amp={args.amp}, "
          f"{args.frames} frames 854x480, input {args.size[0]}x{args.size[1]}, T={args.num_frames}, "
          f"delta={args.interval}, {args.iterations} iterations, window batch {method.window_batch}, "
          f"refinement pass {'off' if args.no_refine else 'on'}\n")
    print("| mode | seconds | frames/s | backbone passes / frame |\n|---|---:|---:|---:|")
    for mode, (_, sec, passes) in results.items():
        print(f"| {mode} | {sec:.1f} | {args.frames / sec:.3f} | {passes:.2f} |")
    print(f"\nspeed-up cached vs naive: {results['naive'][1] / results['cached'][1]:.2f}x; caching alone (cached vs "
          f"cache off): {results['cache off'][1] / results['cached'][1]:.2f}x; identical masks in all modes: {same} "
          f"(max differing pixel fraction {diff:.2e}); mean foreground fraction {fg:.3f}")


if __name__ == "__main__":
    main()
