"""``box2mask annotate``: pseudo masks for a whole tracking dataset (GOT-10k, LaSOT, TrackingNet, folders)."""
from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Optional

from box2mask.annotate import DATASETS, annotate_dataset
from box2mask.commands.method_args import add_method_arguments, method_config, method_from_args

logger = logging.getLogger(__name__)


def _shard(text: str):
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--shard expects i/N, got {text!r}") from e
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"--shard {text}: need 0 <= i < N")
    return i, n


def register(sub) -> None:
    """Add the ``annotate`` sub-command."""
    p = sub.add_parser("annotate", help="write pseudo masks for a tracking dataset (resumable, shardable)",
                       description=__doc__)
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--root", required=True, help="dataset root (GOT-10k/LaSOT/TrackingNet root; folder: a folder of "
                   "sequence folders, or one sequence folder: frames + groundtruth.txt, or OTB img/ + "
                   "groundtruth_rect.txt)")
    p.add_argument("--split", default=None, help="got10k: train|val (default train); lasot: train|test|all "
                   "(default train); trackingnet: TRAIN_k[,TRAIN_j] (default TRAIN_0); youtubevos: train|weak_b|... "
                   "(ltr.dataset splits, default train); davis: train|val")
    p.add_argument("--out", required=True, help="output folder for the masks")
    p.add_argument("--sequences", nargs="*", default=None, help="only these sequences")
    p.add_argument("--shard", type=_shard, default=None, help="i/N: this process's share (default: torchrun's "
                   "RANK/WORLD_SIZE, else 0/1)")
    p.add_argument("--lasot-step", type=int, default=5)
    p.add_argument("--lasot-max-frames", type=int, default=200)
    p.add_argument("--overwrite", action="store_true", help="recompute existing masks")
    p.add_argument("--force", action="store_true", help="continue in a folder annotated with other settings")
    p.add_argument("--overlay", action="store_true",
                   help="also write <out>/overlays/<sequence>.mp4 and .png (masks tinted, boxes drawn) per sequence")
    p.add_argument("--overlay-every", type=int, default=1, metavar="N",
                   help="overlay every N-th frame of a sequence (long sequences)")
    p.add_argument("--no-progress", action="store_true")
    add_method_arguments(p, default_method="stanet")
    p.set_defaults(func=run)


def rank_device(device: Optional[str], environ) -> Optional[str]:
    """Under torchrun (``LOCAL_RANK`` set) each process takes its own GPU: no device or a bare ``cuda`` becomes
    ``cuda:<LOCAL_RANK>`` (an explicit ``cuda:N`` or ``cpu`` is kept)."""
    if "LOCAL_RANK" in environ and (device is None or device == "cuda"):
        return f"cuda:{int(environ['LOCAL_RANK'])}"
    return device


def run(args: argparse.Namespace) -> int:
    """Run the annotation; exit 1 when a sequence failed."""
    if args.shard is not None:
        index, count = args.shard
    else:
        index, count = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    args.device = rank_device(args.device, os.environ)
    method = method_from_args(args)
    config = method_config(args)
    summary = annotate_dataset(method, args.dataset, args.root, args.out, split=args.split, sequences=args.sequences,
                               shard_index=index, shard_count=count, overwrite=args.overwrite, config=config,
                               force=args.force, progress=not args.no_progress, lasot_step=args.lasot_step,
                               lasot_max_frames=args.lasot_max_frames,
                               overlay_every=max(1, args.overlay_every) if args.overlay else None)
    fps = summary.frames_written / summary.seconds if summary.seconds > 0 else 0.0
    busy = f"; {len(summary.busy)} left to another process" if summary.busy else ""
    sys.stdout.write(f"annotated {len(summary.done)} sequence(s), {summary.frames_written} new mask(s) "
                     f"({fps:.2f} frames/s); {len(summary.skipped)} already done; {len(summary.failed)} failed"
                     f"{busy}\n")
    for name, err in summary.failed.items():
        sys.stdout.write(f"  FAILED {name}: {err}\n")
    return 1 if summary.failed else 0
