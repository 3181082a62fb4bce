"""Seconds per frame of SAM 2.1 tiny and STANet on the same generated video with the same boxes.

    python benchmarks/sam2_speed.py [--frames 8] [--methods stanet sam2 sam2-no-memory] [--device cpu|cuda]
                                    [--threads 2] [--sam2-size 1024] [--stanet-size 480 832] [--rounds 1]

Video: ``benchmarks.box2mask_speed.video`` (854x480, a moving textured ellipse; boxes = its tight boxes). Methods:

* ``stanet``: the official STANet architecture with random weights (decoder bias centred so masks are not trivial),
  cached sliding windows, T=5, delta=2, 15 learner iterations, refinement pass, 480x832 input (``box2mask_speed``);
* ``sam2``: SAM 2.1 tiny (the package's config, random weights) through the ``sam2`` box2mask method: box prompt on
  every frame plus SAM 2's memory of the earlier frames, 1024x1024 input;
* ``sam2-no-memory``: the same model, every frame from its box alone (``--no-memory``).

Random weights give the speed of the real computation: the SAM 2 object-score head is biased so that every frame
counts as "object present" (the memory path runs as with real weights), and the report lists the frames SAM 2 had to
decode twice (empty mask in the box: retried without memory). CUDA runs use bf16 autocast for SAM 2 (its default)
and float32 for STANet unless ``--stanet-amp``; the first ``--warmup`` frames of each method are not timed.
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time
from datetime import date
from typing import Dict, List, Tuple

import numpy as np
import torch

from benchmarks.box2mask_speed import centre_logits, video
from benchmarks.timing import sync
from box2mask.predictor import Box2MaskPredictor

METHODS = ("stanet", "sam2", "sam2-no-memory")


def build_stanet(frames, boxes, args):
    """The random-weight official STANet as a cached-window MaskMethod."""
    from box2mask.stanet_method import STANetMethod
    from ltr.admin.loading import CONSTRUCTOR_ALIASES, build_network
    from ltr.admin.model_constructor import NetConstructor

    torch.manual_seed(0)
    net = build_network(NetConstructor.from_dict(CONSTRUCTOR_ALIASES["sta"])).eval()
    centre_logits(net, frames, boxes, args.stanet_size, args.device)
    return STANetMethod(net, num_frames=5, interval=2, iterations=15, input_size=tuple(args.stanet_size),
                        device=args.device, amp=args.stanet_amp, input_format="bgr255_mrcnn")


def build_sam2(args, memory: bool):
    """SAM 2.1 tiny with random weights (object always present) as the ``sam2`` MaskMethod."""
    from box2mask.sam2_method import SAM2Method
    from pytracking.libs.sam2_model import build_sam2_model

    torch.manual_seed(0)
    model = build_sam2_model(None, "sam2.1_hiera_t", image_size=args.sam2_size, random_weights=True)
    with torch.no_grad():
        model.sam_mask_decoder.pred_obj_score_head.layers[-1].bias.fill_(20.0)
    return SAM2Method(model, memory=memory, device=args.device)


def time_method(method, frames, boxes, device: str, warmup: int) -> Tuple[float, Dict[int, np.ndarray]]:
    """Seconds for the whole video (after ``warmup`` untimed frames) and the masks."""
    if warmup:
        Box2MaskPredictor(method).predict(frames[:warmup], boxes[:warmup])
        sync(device)
    if hasattr(method, "segmenter"):  # SAM 2: count this run only
        method.segmenter.stats = dict.fromkeys(method.segmenter.stats, 0)
    t0 = time.perf_counter()
    masks = Box2MaskPredictor(method).predict(frames, boxes)
    sync(device)
    return time.perf_counter() - t0, masks


def inside_boxes(masks: Dict[int, np.ndarray], boxes: np.ndarray) -> bool:
    """Whether every mask is non-empty and inside its box (the pixels the box covers)."""
    from pytracking.libs.sam2_box import box_region

    for t, m in masks.items():
        x0, y0, x1, y1 = box_region(boxes[t], *m.shape)
        if not m.any() or int(m.sum()) != int(m[y0:y1, x0:x1].sum()):
            return False
    return True


def main(argv: List[str] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--sam2-size", type=int, default=1024, help="SAM 2 input resolution (the official 1024)")
    ap.add_argument("--stanet-size", type=int, nargs=2, default=(480, 832))
    ap.add_argument("--stanet-amp", default=None, choices=("bf16", "fp16"))
    ap.add_argument("--warmup", type=int, default=None, help="untimed frames per method (default: 4 on CUDA, 0 on "
                    "the CPU)")
    ap.add_argument("--rounds", type=int, default=1, help="time every method this many times (alternating order); "
                    "medians are reported")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    frames, boxes = video(args.frames)
    warmup = args.warmup if args.warmup is not None else (4 if args.device.startswith("cuda") else 0)
    methods = {}
    for name in dict.fromkeys(args.methods):
        methods[name] = (build_stanet(frames, boxes, args) if name == "stanet"
                         else build_sam2(args, memory=name == "sam2"))
    seconds: Dict[str, List[float]] = {name: [] for name in methods}
    checks = {}
    for r in range(args.rounds):
        for name in (list(methods) if r % 2 == 0 else list(methods)[::-1]):
            sec, masks = time_method(methods[name], frames, boxes, args.device, warmup)
            seconds[name].append(sec)
            checks[name] = inside_boxes(masks, boxes) if name != "stanet" else all(m.any() for m in masks.values())
    machine = (torch.cuda.get_device_name() if args.device.startswith("cuda") else
               f"{platform.machine()}, {torch.get_num_threads()} threads")
    print(f"box2mask STANet vs SAM 2.1 tiny -- {date.today()}, {args.device} ({machine}), {args.frames} frames "
          f"854x480, same boxes, random weights, {args.rounds} round(s) (median)\n")
    print("| method | input | seconds / frame | frames / s | s / frame per round | notes |\n"
          "|---|---|---:|---:|---|---|")
    for name, method in methods.items():
        sec = statistics.median(seconds[name]) / args.frames
        if name == "stanet":
            size = f"{args.stanet_size[0]}x{args.stanet_size[1]} crops"
            notes = f"T=5, delta=2, 15 iterations, amp={args.stanet_amp}; all masks non-empty: {checks[name]}"
        else:
            size = f"{args.sam2_size}x{args.sam2_size}"
            stats = method.stats
            notes = (f"amp={method.segmenter.amp}; retried without memory: {stats['retried_without_memory']}, "
                     f"no object: {stats['no_object']}; masks inside boxes: {checks[name]}")
        rounds = ", ".join(f"{x / args.frames:.2f}" for x in seconds[name])
        print(f"| {name} | {size} | {sec:.3f} | {1.0 / sec:.3f} | {rounds} | {notes} |")


if __name__ == "__main__":
    main()
