"""Where the time of one STANet window goes, in box2mask's three modes on the CPU.

    python benchmarks/stanet_breakdown.py [--num-frames 5] [--size 480 832] [--iterations 15] [--threads 2]

Official STANet architecture with random weights, one window of T frames. Per-frame parts (backbone, box encoders,
the decoder's per-frame share) are timed one frame per call, as the cached mode runs them on the CPU, and as one
batch of T frames, as the naive mode's plain ``net(images, boxes)`` call does; the decoder likewise (from the cache,
one frame per call; from backbone features, T frames per call). Per target frame:

* cached: the per-frame parts once, then both learner passes, T + 1 decoder runs (the first pass on all T frames --
  the refinement encoder reads them -- and the refined target frame) and the refinement encoder;
* cache off (``max_cached_frames=0``): the same with the per-frame parts T times;
* naive: T batched per-frame parts, both learner passes, 2T batched decoder runs from features (the plain forward
  also decodes the refined masks of all T frames) and the refinement encoder.

The last lines give the speed-ups these timings predict (crops, paste-back and memory effects excluded) and what a
decoder that cost nothing would leave of the cached-vs-naive one.
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
    rep = args.repeats
    rows = {}

    def per_frame(imgs, bb):
        feat = net.extract_backbone_features(imgs)
        enc = net.encode_frames(feat, bb, size)
        return feat, enc, net.precompute_decoder(feat, enc["m"])

    with torch.inference_mode():
        sec, _ = timed(lambda: per_frame(images[:1], boxes[:1]), rep)
        rows["frame1"] = ("backbone + encoders + decoder share, one frame per call", sec, "frame")
        sec, (feat, enc, cache) = timed(lambda: per_frame(images, boxes), rep)
        rows["frameT"] = (f"the same, {t} frames per call (naive)", sec / t, "frame")
        sec, s1 = timed(lambda: net.aggregate(enc["x"], enc["e"], enc["w"], num_iter=args.iterations), rep)
        rows["learner"] = (f"learner, one pass over T frames ({args.iterations} iterations)", sec, "window, x2")
        one = {k: v[:1] for k, v in cache.items()}
        sec, _ = timed(lambda: net.decode(enc["m"][:1], s1[:1], None, size, cache=one), rep)
        rows["dec1"] = ("decoder from the cache, one frame per call", sec, "frame, T+1 per window")
        sec, first = timed(lambda: net.decode(enc["m"], s1, feat, size), rep)
        rows["decT"] = (f"decoder from features, {t} frames per call (naive)", sec / t, "frame, 2T per window")
        sec, _ = timed(lambda: net.segm_encoder(torch.sigmoid(first), enc["x"]), rep)
        rows["segm"] = ("refinement mask encoder, T frames", sec, "window")
    v = {k: sec for k, (_, sec, _) in rows.items()}
    head = 2 * v["learner"] + (t + 1) * v["dec1"] + v["segm"]
    cached, cache_off = v["frame1"] + head, t * v["frame1"] + head
    naive = t * v["frameT"] + 2 * v["learner"] + 2 * t * v["decT"] + v["segm"]
    print(f"STANet window breakdown -- {date.today()}, cpu ({platform.machine()}, {torch.get_num_threads()} threads), "
          f"T={t}, input {size[0]}x{size[1]}, median of {rep}\n")
    print("| part | seconds | per |\n|---|---:|---|")
    for name, sec, unit in rows.values():
        print(f"| {name} | {sec:.3f} | {unit} |")
    print(f"\nper target frame: cached {cached:.2f} s (per-frame parts {v['frame1']:.2f} + per-window parts {head:.2f}), "
          f"cache off {cache_off:.2f} s, naive {naive:.2f} s -> cached vs naive {naive / cached:.2f}x, caching alone "
          f"(cached vs cache off) {cache_off / cached:.2f}x")
    free_cached = cached - (t + 1) * v["dec1"]
    free_naive = naive - 2 * t * v["decT"]
    print(f"bound: even if every decoder run cost nothing, cached vs naive would be at most "
          f"{free_naive / free_cached:.2f}x and caching alone at most {(cache_off - (t + 1) * v['dec1']) / free_cached:.2f}x "
          f"(learner passes and refinement encoder remain)")


if __name__ == "__main__":
    main()
