"""The learner's filter gradient in its two closed forms, side by side: matrix product (default) vs convolution.

    python benchmarks/feat_transpose_forms.py [--device cuda] [--frames 48] [--rounds 2] [--threads N]

1. Milliseconds per call of ``ltr.models.layers.filter`` ``_feat_transpose_gemm`` and ``_feat_transpose_conv`` at the
   shapes of STANet (T=5 window) and of the LWL tracker (init: 1 frame; update: memory of 2 / 32 samples): 512-d
   features at 30x52, 16 filters of 3x3.
2. Cached box2mask STANet annotation frames/s (``benchmarks/box2mask_speed.py``'s video and random network) with
   the learner using each form, alternating for ``--rounds`` rounds on the same warm process (``--frames 0`` skips).
"""
from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Callable

import torch

from benchmarks.box2mask_speed import centre_logits, video
from benchmarks.timing import sync
from box2mask.predictor import Box2MaskPredictor
from box2mask.stanet_method import STANetMethod
from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
from ltr.admin.model_constructor import NetConstructor
from ltr.models.layers import filter as filter_ops

FORMS = {"matrix product": filter_ops._feat_transpose_gemm, "convolution": filter_ops._feat_transpose_conv}


def per_call_ms(fn: Callable, frames: int, device: str, repeats: int = 30) -> float:
    """Milliseconds per call at ``frames`` x 1 sequence x 512 x 30 x 52 features, 16 residual maps."""
    feat = torch.randn(frames, 1, 512, 30, 52, device=device)
    res = torch.randn(frames, 1, 16, 30, 52, device=device)
    fn(feat, res, 3, 3)
    sync(device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        fn(feat, res, 3, 3)
    sync(device)
    return (time.perf_counter() - t0) / repeats * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--frames", type=int, default=48, help="video frames for the annotation timing (0: skip)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    name = torch.cuda.get_device_name() if dev.startswith("cuda") else f"cpu, {torch.get_num_threads()} threads"
    print(f"Filter-gradient forms -- {date.today()}, {name}, torch {torch.__version__}\n")
    print("| frames in the learner | matrix product (ms) | convolution (ms) |\n|---:|---:|---:|")
    with torch.inference_mode():
        for frames in (1, 2, 5, 32):
            ms = [per_call_ms(fn, frames, dev) for fn in FORMS.values()]
            print(f"| {frames} | {ms[0]:.3f} | {ms[1]:.3f} |")
    if args.frames <= 0:
        return
    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    images, boxes = video(args.frames)
    centre_logits(net, images, boxes, (480, 832), dev)
    gemm = filter_ops._feat_transpose_gemm
    print(f"\nCached box2mask annotation, {args.frames} frames 854x480, T=5, delta=3, 15 iterations (frames/s):\n")
    print("| round | matrix product | convolution |\n|---:|---:|---:|")
    try:
        for r in range(args.rounds):
            fps = []
            for form in FORMS.values():
                filter_ops._feat_transpose_gemm = form  # apply_feat_transpose dispatches odd kernels to this name
                method = STANetMethod(net, num_frames=5, interval=3, iterations=15, device=dev,
                                      input_format="bgr255_mrcnn")
                Box2MaskPredictor(method).predict(images[:8], boxes[:8])  # warm-up
                sync(dev)
                t0 = time.perf_counter()
                Box2MaskPredictor(method).predict(images, boxes)
                sync(dev)
                fps.append(args.frames / (time.perf_counter() - t0))
            print(f"| {r + 1} | {fps[0]:.1f} | {fps[1]:.1f} |")
    finally:
        filter_ops._feat_transpose_gemm = gemm


if __name__ == "__main__":
    main()
