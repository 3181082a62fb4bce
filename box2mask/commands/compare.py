"""``box2mask evaluate --methods a,b,c``: several methods in one table and plot (J, F, seconds per frame).

Example::

    box2mask evaluate --data /data/DAVIS --methods classic,grabcut,stanet,sam2 \\
        --checkpoint stanet=sta.pth.tar,sam2=sam2.1_hiera_tiny.pt --out results/methods

Writes ``methods.csv`` and ``methods.png`` (plus ``settings.json`` and each method's per-sequence results under
``per_sequence/<method>``, so an interrupted comparison resumes). The common options (``--num-frames``, ...) go to the
methods that take them; the stanet options (``--device``, ``--amp``, ``--no-refine``, ``--input-size``) to stanet,
the sam2 options (``--config``, ``--image-size``, ``--no-memory``, ``--device``) to sam2.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from box2mask.commands.method_args import sam2_options
from box2mask.comparison import compare_methods, parse_checkpoints, parse_methods, save_comparison
from box2mask.gallery import FailureGallery
from box2mask.methods import build_method, method_parameters
from box2mask.run_config import record_settings

logger = logging.getLogger(__name__)


def method_settings(args: argparse.Namespace, names: List[str], options: Dict[str, Any],
                    stanet_extras: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """The options of each method: the common ones it accepts, its checkpoint and its own options."""
    checkpoints = parse_checkpoints(args.checkpoint, names)
    out: Dict[str, Dict[str, Any]] = {}
    for name in names:
        accepted = method_parameters(name)
        opts = {k: v for k, v in options.items() if accepted is None or k in accepted}
        ignored = sorted(set(options) - set(opts))
        if ignored:
            logger.info("Method '%s' takes no %s; left out for it", name, ", ".join(ignored))
        if name == "stanet":
            opts.update(stanet_extras)
        elif name == "sam2":
            opts.update(sam2_options(args))
        opts.pop("checkpoint", None)
        if name in checkpoints:
            opts["checkpoint"] = checkpoints[name]
        out[name] = opts
    return out


def run_methods(args: argparse.Namespace, options: Dict[str, Any], stanet_extras: Dict[str, Any]) -> int:
    """Evaluate every method of ``args.methods`` and write the comparison table and plot."""
    if args.ablation:
        raise ValueError("--methods and --ablation cannot be combined (run the ablation of one --method)")
    names = parse_methods(args.methods)
    per_method = method_settings(args, names, options, stanet_extras)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sequences: Optional[List[str]] = [s for s in args.sequences.split(",") if s] if args.sequences else None
    recorded = {name: {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()
                       if k not in ("device", "amp", "offload_memory")} for name, opts in per_method.items()}
    record_settings(out / "settings.json", {"data": str(Path(args.data).resolve()), "methods": names,
                                            "method_options": recorded, "frame_step": args.frame_step,
                                            "sequences": sequences, "mask_threshold": args.mask_threshold})

    def builder(name: str) -> Callable:
        return lambda: build_method(name, **per_method[name])

    galleries = {name: FailureGallery(args.gallery) for name in names} if args.gallery > 0 else {}
    table, _ = compare_methods(args.data, {name: builder(name) for name in names}, sequences=sequences,
                               frame_step=args.frame_step, results_dir=out / "per_sequence",
                               mask_threshold=args.mask_threshold, galleries=galleries)
    written = {name: g.write(out / f"gallery_{name}.png") for name, g in galleries.items()}
    sys.stdout.write(table.to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n")
    title = f"{', '.join(names)} on {Path(args.data).name}"
    if any(written.values()):
        title += " (worst frames: gallery_<method>.png)"
    csv_path, png_path = save_comparison(table, out, title=title)
    logger.info("Wrote %s and %s", csv_path, png_path)
    for name, path in written.items():
        if path is not None:
            sys.stdout.write(f"{name}: worst frames in {path}\n")
    return 0
