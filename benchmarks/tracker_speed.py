"""Tracker frames/s with random-weight official-size networks (crop 480x832, like the released parameters).

    python benchmarks/tracker_speed.py [--frames 8] [--device cpu|cuda] [--threads 2]

Runs LWL (lwl_ytvos parameters, mask initialisation) and LWL box-init (lwl_boxinit parameters) on a synthetic
854x480 video with a moving textured ellipse, and reports the per-frame tracking time (initialisation excluded)
and the initialisation time. Random weights: the masks are meaningless, the work per frame is the real one.
"""
from __future__ import annotations

import argparse
import platform
import time
from datetime import date

import numpy as np
import torch

from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor
from pytracking.features.net_wrappers import NetWithBackbone
from pytracking.tracker.lwl import LWL


def synthetic_video(n: int, h: int = 480, w: int = 854, seed: int = 0):
    """Frames with a moving textured ellipse and the first frame's mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    frames, masks = [], []
    for t in range(n):
        img = (rng.random((h, w, 3)) * 80 + 60).astype(np.uint8)
        m = ((yy - 200 - 3 * t) / 60.0) ** 2 + ((xx - 300 - 8 * t) / 90.0) ** 2 < 1
        img[m] = (rng.random((int(m.sum()), 3)) * 80 + 150).astype(np.uint8)
        frames.append(img)
        masks.append(m.astype(np.uint8))
    return frames, masks


def run(param_module: str, alias: str, frames, mask, device: str) -> tuple:
    """(init seconds, mean per-frame seconds) of one tracker."""
    from importlib import import_module

    params = import_module(f"pytracking.parameter.lwl.{param_module}").parameters()
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES[alias]))
    params.net = NetWithBackbone(net=net, device=device)
    tracker = LWL(params)
    ys, xs = np.nonzero(mask)
    box = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
    t0 = time.perf_counter()
    tracker.initialize(frames[0], {"init_mask": mask, "init_bbox": box})
    t_init = time.perf_counter() - t0
    times = []
    for f in frames[1:]:
        t0 = time.perf_counter()
        tracker.track(f)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return t_init, float(np.mean(times[1:] if len(times) > 2 else times))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    frames, masks = synthetic_video(args.frames)
    machine = (torch.cuda.get_device_name() if args.device == "cuda" else
               f"{platform.machine()}, {torch.get_num_threads()} threads")
    print(f"Tracker speed -- {date.today()}, {args.device} ({machine}), 854x480 video, crop 480x832, "
          f"{args.frames - 1} tracked frames\n")
    print("| tracker | init (s) | per frame (s) | frames/s |\n|---|---:|---:|---:|")
    for name, module, alias in (("LWL (lwl_ytvos)", "lwl_ytvos", "lwl"), ("LWL box-init (lwl_boxinit)", "lwl_boxinit",
                                                                         "lwl_boxinit")):
        t_init, t_frame = run(module, alias, frames, masks[0], args.device)
        print(f"| {name} | {t_init:.2f} | {t_frame:.2f} | {1.0 / t_frame:.2f} |")


if __name__ == "__main__":
    main()
