"""``box2mask evaluate``: J and F of a box-to-mask method on DAVIS-layout data (boxes from the GT masks).

Examples::

    box2mask evaluate --data /data/DAVIS --out results/classic
    box2mask evaluate --data /data/DAVIS --method grabcut --sequences dog,hockey --out results/grabcut
    box2mask evaluate --data /data/DAVIS --ablation --num-frames 1,3,5 --interval 5,15 --out results/ablation
    box2mask evaluate --data /data/DAVIS --methods classic,grabcut,stanet,sam2 \
        --checkpoint stanet=sta.pth.tar,sam2=sam2.1_hiera_tiny.pt --out results/methods

Writes ``results.csv`` (one row per sequence and object, then the mean) and ``results.png`` (bar plot), or
``ablation.csv`` / ``ablation.png`` with ``--ablation``, ``methods.csv`` / ``methods.png`` (J, F and seconds per frame
of each method) with ``--methods``, plus ``settings.json``. Finished sequences are kept under
``<out>/per_sequence`` so an interrupted run resumes; a different setting in the same ``--out`` is refused.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Callable, Dict, List, Optional

from box2mask.commands.method_args import add_sam2_arguments, sam2_options
from box2mask.evaluation import evaluate_dataset, run_ablation, save_table, summarize, with_mean_row
from box2mask.gallery import FailureGallery
from box2mask.methods import DEFAULT_METHOD, METHODS, build_method
from box2mask.run_config import record_settings

logger = logging.getLogger(__name__)

# option name -> (command-line flag, type)
SWEEPABLE: Dict[str, tuple] = {
    "num_frames": ("--num-frames", int),
    "interval": ("--interval", int),
    "iterations": ("--iterations", int),
    "sample_scale": ("--sample-scale", float),
}


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """``--method``, ``--checkpoint`` and the common method options, as strings that may hold comma-separated lists
    for ``--ablation`` (the other commands use :mod:`box2mask.commands.method_args`, which types them)."""
    parser.add_argument("--method", default=DEFAULT_METHOD, choices=sorted(METHODS),
                        help=f"box-to-mask method (default: {DEFAULT_METHOD}; 'stanet' and 'sam2' need --checkpoint)")
    parser.add_argument("--methods", help="several methods in one table and plot, comma-separated (e.g. "
                        "classic,grabcut,stanet,sam2; replaces --method)")
    parser.add_argument("--checkpoint", help="checkpoint for --method stanet or sam2; with --methods: "
                        "METHOD=PATH items, e.g. stanet=sta.pth.tar,sam2=sam2.1_hiera_tiny.pt")
    suffix = " (comma-separated list with --ablation)"
    parser.add_argument("--num-frames", help="T, frames per window" + suffix)
    parser.add_argument("--interval", help="delta, spacing of the window frames" + suffix)
    parser.add_argument("--iterations", help="refinement / optimiser iterations" + suffix)
    parser.add_argument("--sample-scale", help="crop size relative to the box" + suffix)
    parser.add_argument("--device", help="stanet: cpu / cuda (default: cuda when available)")
    parser.add_argument("--amp", choices=("bf16", "fp16"), help="stanet on CUDA: autocast dtype")
    parser.add_argument("--no-refine", action="store_true", help="stanet: first-pass masks (no refinement pass)")
    parser.add_argument("--input-size", type=int, nargs=2, metavar=("H", "W"),
                        help="stanet: network input size (default 480 832; small networks use their training size)")
    add_sam2_arguments(parser)


def sweep_options(args: argparse.Namespace, allow_lists: bool = False) -> Dict[str, list]:
    """Parsed option lists ``{name: [values]}`` for the options given on the command line."""
    out: Dict[str, list] = {}
    for name, (flag, kind) in SWEEPABLE.items():
        raw = getattr(args, name, None)
        if raw is None:
            continue
        try:
            values = [kind(v) for v in str(raw).split(",") if v.strip()]
        except ValueError:
            raise SystemExit(f"error: {flag} expects {kind.__name__} values, got {raw!r}")
        if len(values) > 1 and not allow_lists:
            raise SystemExit(f"error: {flag} got several values ({raw}); lists are only allowed with --ablation")
        out[name] = values
    return out


def method_builder(args: argparse.Namespace) -> Callable:
    """``build(**options)`` for ``args.method`` (adds ``checkpoint`` and, for stanet, ``device`` when given)."""
    extra = {"checkpoint": args.checkpoint} if args.checkpoint else {}
    if args.method == "stanet":
        extra.update(stanet_extras(args))
    if args.method == "sam2":
        extra.update(sam2_options(args))
    return lambda **options: build_method(args.method, **extra, **options)


def stanet_extras(args: argparse.Namespace) -> Dict[str, object]:
    """The stanet-only options given on the command line."""
    extra: Dict[str, object] = {}
    if getattr(args, "device", None):
        extra["device"] = args.device
    if getattr(args, "amp", None):
        extra["amp"] = args.amp
    if getattr(args, "no_refine", False):
        extra["refine"] = False
    if getattr(args, "input_size", None):
        extra["input_size"] = tuple(args.input_size)
    return extra


def register(subparsers) -> None:
    """Add the ``evaluate`` sub-command."""
    p = subparsers.add_parser("evaluate", help="J/F of a method on DAVIS-layout data (boxes from GT masks)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="DAVIS-layout root (JPEGImages/480p, Annotations/480p)")
    p.add_argument("--sequences", help="comma-separated sequence names (default: the split list or all)")
    add_sweep_arguments(p)
    p.add_argument("--frame-step", type=int, default=1,
                   help="segment and score every K-th frame (the others still serve as context)")
    p.add_argument("--mask-threshold", type=float, default=None,
                   help="binarise ground-truth masks that are neither 0/255, 0/1 nor palette PNGs (e.g. anti-aliased "
                        "ones) at this grey level (grey >= T is the object); without it such masks are an error")
    p.add_argument("--ablation", action="store_true", help="sweep the comma-separated option lists, one table")
    p.add_argument("--gallery", type=int, default=12, metavar="N",
                   help="failure gallery: the N frames with the lowest J (frame + box, ground truth, prediction) in "
                        "gallery.png (gallery_<method>.png with --methods); 0: none")
    p.add_argument("--out", required=True, help="output folder (tables, plots, per-sequence results)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the evaluation or the ablation and write the tables."""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sequences: Optional[List[str]] = [s for s in args.sequences.split(",") if s] if args.sequences else None
    options = sweep_options(args, allow_lists=args.ablation)
    if args.methods:
        from box2mask.commands.compare import run_methods

        return run_methods(args, {k: v[0] for k, v in options.items()}, stanet_extras(args))
    settings = {"data": str(Path(args.data).resolve()), "method": args.method, "checkpoint": args.checkpoint,
                "device": args.device, "stanet": {k: list(v) if isinstance(v, tuple) else v
                                                    for k, v in stanet_extras(args).items() if k != "device"}
                if args.method == "stanet" else {},
                "options": options, "frame_step": args.frame_step, "sequences": sequences,
                "mask_threshold": args.mask_threshold,
                "ablation": bool(args.ablation)}
    if args.method == "sam2":  # the sam2 options that decide the masks
        settings["sam2"] = {k: v for k, v in sam2_options(args).items()
                            if k not in ("checkpoint", "device", "amp", "offload_memory")}
    record_settings(out / "settings.json", settings)
    build = method_builder(args)
    if args.ablation:
        table = run_ablation(args.data, build, options, sequences=sequences, frame_step=args.frame_step,
                             results_dir=out / "per_sequence", mask_threshold=args.mask_threshold)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        label_cols = list(options) or ["method"]
        if not options:
            table.insert(0, "method", args.method)
        save_table(table, out, "ablation", f"{args.method} ablation", label_cols)
        return 0
    single = {k: v[0] for k, v in options.items()}
    gallery = FailureGallery(args.gallery) if args.gallery > 0 else None
    table = evaluate_dataset(args.data, build(**single), sequences=sequences, frame_step=args.frame_step,
                             results_dir=out / "per_sequence", mask_threshold=args.mask_threshold, gallery=gallery)
    full = with_mean_row(table)
    print(full.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    mean = summarize(table)
    print(f"\n{args.method}: J {mean['J_mean']:.4f}  F {mean['F_mean']:.4f}  J&F {mean['JF_mean']:.4f} "
          f"over {len(table)} object(s) in {table['sequence'].nunique()} sequence(s)")
    gallery_path = gallery.write(out / "gallery.png") if gallery is not None else None
    title = f"{args.method}: J {mean['J_mean']:.3f} F {mean['F_mean']:.3f}"
    if gallery_path is not None:
        title += " (worst frames: gallery.png)"
        print(f"worst {len(gallery.entries)} frames: {gallery_path}")
    save_table(full, out, "results", title, ["sequence", "object"])
    return 0

