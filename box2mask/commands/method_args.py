"""Command-line options shared by the box2mask commands that run a method (predict, annotate, evaluate, demo)."""
from __future__ import annotations

import argparse
from typing import Any, Dict

from box2mask.methods import DEFAULT_METHOD, METHODS, build_method


def add_method_arguments(p: argparse.ArgumentParser, default_method: str = DEFAULT_METHOD) -> None:
    """--method / --checkpoint and the window / learner / device options."""
    g = p.add_argument_group("method")
    g.add_argument("--method", default=default_method, choices=sorted(METHODS),
                   help=f"box-to-mask method (default: {default_method}; 'stanet' and 'sam2' need --checkpoint)")
    g.add_argument("--checkpoint", default=None, help="STANet checkpoint (official sta.pth.tar or one trained here), "
                   "or for sam2 a SAM 2 checkpoint (official sam2.1_hiera_tiny.pt, ...)")
    g.add_argument("--num-frames", type=int, default=None, help="T: frames per window (paper: 5)")
    g.add_argument("--interval", type=int, default=None, help="delta: frame spacing in a window (15; 5 for DAVIS)")
    g.add_argument("--iterations", type=int, default=None, help="learner iterations at inference (stanet: 15)")
    g.add_argument("--sample-scale", type=float, default=None, help="crop size relative to the box (stanet: 4)")
    g.add_argument("--device", default=None, help="stanet, sam2: cpu / cuda (default: cuda when available)")
    g.add_argument("--amp", default=None, choices=("bf16", "fp16"),
                   help="stanet on CUDA: autocast dtype (sam2: bf16 on CUDA by default)")
    g.add_argument("--naive", action="store_true", help="stanet: recompute every window (comparison / oracle)")
    g.add_argument("--no-refine", action="store_true", help="stanet: first-pass masks (skip the refinement pass)")
    g.add_argument("--window-batch", type=int, default=None,
                   help="stanet: windows per network batch (default: 4 on CUDA, 1 on the CPU)")
    g.add_argument("--input-size", type=int, nargs=2, metavar=("H", "W"), default=None,
                   help="stanet: network input size (default 480 832; small networks use their training size)")
    add_sam2_arguments(g)


def add_sam2_arguments(g) -> None:
    """The sam2-only options (--config, --image-size, --no-memory, --offload-memory)."""
    g.add_argument("--config", default=None, help="sam2: SAM 2 model config, sam2.1_hiera_t|s|b+|l (default: the one "
                   "of an official checkpoint file name, e.g. sam2.1_hiera_tiny.pt -> sam2.1_hiera_t)")
    g.add_argument("--image-size", type=int, default=None, help="sam2: model input resolution (default: the "
                   "config's, 1024, the official training size; smaller is faster and coarser)")
    g.add_argument("--no-memory", action="store_true", help="sam2: every frame from its own box alone (no memory of "
                   "the earlier frames; ~1.5x faster on a CPU)")
    g.add_argument("--offload-memory", action="store_true", help="sam2: keep SAM 2's memory bank in CPU memory")


def sam2_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The sam2 options given on the command line (checkpoint included)."""
    opts = {"checkpoint": args.checkpoint, "config": args.config, "image_size": args.image_size,
            "memory": False if args.no_memory else None, "device": args.device, "amp": args.amp,
            "offload_memory": True if args.offload_memory else None}
    return {k: v for k, v in opts.items() if v is not None}


def method_options(args: argparse.Namespace) -> Dict[str, Any]:
    """The options given on the command line (unset ones are left to the method's defaults)."""
    opts = {"num_frames": args.num_frames, "interval": args.interval, "iterations": args.iterations,
            "sample_scale": args.sample_scale}
    if args.method == "sam2":
        opts.update(sam2_options(args))
    if args.method == "stanet":
        opts.update(checkpoint=args.checkpoint, device=args.device, amp=args.amp, naive=args.naive or None,
                    refine=False if args.no_refine else None, window_batch=args.window_batch,
                    input_size=tuple(args.input_size) if args.input_size else None)
    return {k: v for k, v in opts.items() if v is not None}


def method_from_args(args: argparse.Namespace):
    """Build the method the arguments describe."""
    return build_method(args.method, **method_options(args))


def method_config(args: argparse.Namespace) -> Dict[str, Any]:
    """The method settings that decide the masks (recorded in output folders; ``device`` and ``amp`` left out)."""
    return {"method": args.method, **{k: v for k, v in method_options(args).items()
                                      if k not in ("device", "amp", "offload_memory")}}
