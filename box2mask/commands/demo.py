"""``box2mask demo``: boxes to masks on a generated video, no downloads and no network weights needed.

The video (see :mod:`box2mask.synthetic`) has a moving target and a static distractor of the same kind that sits
inside the target's box in some frames -- the case where one frame cannot tell which is the object, and where mining
several frames helps. The demo runs the default (single-frame GrabCut on a 1.5x crop of the box), the multi-frame
classic method on single frames (T=1) and on its T=5 windows (or the STANet network with ``--checkpoint``), writes
the masks and an overlay strip (one row per method), and prints J of each. On real video the multi-frame classic
method does not beat the default on average (docs/benchmarks.md), which is why it is not the default.
"""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

from box2mask.methods import DEFAULT_METHOD, build_method
from box2mask.predictor import Box2MaskPredictor
from box2mask.synthetic import SyntheticVideo, make_video
from ltr.data.image_io import write_image, write_indexed_png
from pytracking.analysis.vos_metrics import region_similarity
from pytracking.utils.visualization import draw_overlay

logger = logging.getLogger(__name__)

DEMO_SEED = 3


def register(subparsers) -> None:
    """Add the ``demo`` sub-command."""
    p = subparsers.add_parser("demo", help="run box-to-mask on a generated video (no downloads)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="demo_output", help="output folder (default: ./demo_output)")
    p.add_argument("--checkpoint", help="STANet checkpoint: run the network instead of the multi-frame classic method")
    p.add_argument("--seed", type=int, default=DEMO_SEED, help="seed of the generated video")
    p.add_argument("--num-frames", type=int, default=30, help="length of the generated video")
    p.set_defaults(func=run)


def demo_video(seed: int = DEMO_SEED, num_frames: int = 30) -> SyntheticVideo:
    """The demo's video: 256x192, one static distractor crossing the target's box."""
    return make_video(seed, name="demo", size=(256, 192), num_frames=num_frames, num_distractors=1,
                      distractor_motion="static")


def overlay_strip(video: SyntheticVideo, rows: Dict[str, Dict[int, np.ndarray]], frames: List[int]) -> np.ndarray:
    """One row per method: the chosen frames with the mask tinted, the box drawn, method and frame index written."""
    out_rows = []
    for name, masks in rows.items():
        tiles = [draw_overlay(video.frames[i], masks[i], {"1": video.boxes[i]}, index=i, label=name,
                              outline=True) for i in frames]
        out_rows.append(np.concatenate(tiles, axis=1))
    return np.concatenate(out_rows, axis=0)


def run(args: argparse.Namespace) -> int:
    """Generate, predict, write, report."""
    out = Path(args.out)
    video = demo_video(args.seed, args.num_frames)
    # (label, output folder, method)
    methods = [(f"default: crop {DEFAULT_METHOD}", DEFAULT_METHOD, build_method(DEFAULT_METHOD))]
    if args.checkpoint:
        methods.append(("multi-frame stanet", "stanet", build_method("stanet", checkpoint=args.checkpoint)))
    else:
        methods.append(("single-frame classic (T=1)", "classic_T1", build_method("classic", num_frames=1)))
        methods.append(("multi-frame classic", "classic", build_method("classic")))
    results: Dict[str, Dict[int, np.ndarray]] = {}
    for label, folder_name, method in methods:
        start = time.perf_counter()
        masks = Box2MaskPredictor(method).predict(list(video.frames), video.boxes, seq_name=video.name)
        seconds = time.perf_counter() - start
        results[label] = masks
        folder = out / "masks" / folder_name
        for i, mask in masks.items():
            write_indexed_png(folder / f"{i:05d}.png", mask)
        j = np.array([region_similarity(video.masks[i], masks[i]) for i in range(len(video))])
        inside = [i for i in range(len(video)) if _distractor_in_box(video, i)]
        j_inside = float(j[inside].mean()) if inside else float("nan")
        print(f"{label:30s} J {j.mean():.3f}   J on the {len(inside)} frames with the distractor in the box "
              f"{j_inside:.3f}   ({seconds:.1f} s, masks in {folder})")
    picks = np.linspace(0, len(video) - 1, 6).round().astype(int).tolist()
    strip = overlay_strip(video, results, picks)
    write_image(out / "overlay.png", strip)
    print(f"overlay strip: {out / 'overlay.png'}")
    return 0


def _distractor_in_box(video: SyntheticVideo, index: int) -> bool:
    """Whether some visible distractor pixel lies inside the target's box in frame ``index``."""
    x, y, w, h = video.boxes[index].astype(int)
    return bool(video.distractor_masks[:, index, y:y + h, x:x + w].any())
