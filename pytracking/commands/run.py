"""``pytracking run TRACKER PARAM --dataset NAME``: run a tracker over a dataset (resumable, several processes).

TRACKER / PARAM are a tracker package ``pytracking/tracker/<TRACKER>`` and its parameter module, or -- for your own
tracker -- ``module:Class`` and ``module:function`` (a function returning ``TrackerParams``); results are then
filed under the class and function names. Exits 1 when any sequence failed (tracebacks are in the log).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional

from pytracking.evaluation.tracker import Tracker
from pytracking.utils.params import use_device


def make_tracker(name: str, param: str, run_id: Optional[int] = None) -> Tracker:
    """A :class:`Tracker` by registered names, or from ``module:Class`` + ``module:function``."""
    if ":" not in name:
        return Tracker(name, param, run_id)
    from ltr.admin.cli import import_class

    cls = import_class(name)
    if ":" not in param:
        raise ValueError(f"With a tracker class ({name}) PARAM must be module:function returning TrackerParams")
    factory = import_class(param)
    return Tracker(cls.__name__, param.partition(":")[2], run_id, tracker_class=cls, params_factory=factory)


def parse_param_overrides(items) -> Dict[str, Any]:
    """``key=value`` strings -> dict (Python literals where they parse, else strings)."""
    from ltr.admin.cli import parse_overrides

    return parse_overrides(items or [])


def parse_gpus(text: Optional[str]) -> Optional[List[int]]:
    """``'0,1'`` -> ``[0, 1]`` (checked against the GPUs present); None stays None."""
    if text is None:
        return None
    try:
        gpus = [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise ValueError(f"--gpus expects GPU indices like 0,1, got {text!r}") from None
    import torch

    available = torch.cuda.device_count() if torch.cuda.is_available() else 0
    bad = [g for g in gpus if not 0 <= g < available]
    if not gpus or bad:
        raise ValueError(f"--gpus {text}: GPU(s) {bad or gpus} not present (this machine has {available})")
    return gpus


def register(subparsers) -> None:
    """Add the ``run`` sub-command."""
    p = subparsers.add_parser("run", help="run a tracker on a dataset", description=__doc__.split("\n\n")[0])
    p.add_argument("tracker", help="tracker name, or module:Class")
    p.add_argument("param", help="parameter set name, or module:function")
    p.add_argument("--dataset", required=True, help="dataset name: got10k_val, got10k_test, trackingnet, trackingnet_train_<k>, lasot, otb, vot, "
                        "davis2016_val, davis2017_val, youtubevos_valid")
    p.add_argument("--dataset-root", default=None, help="dataset root (default: the dataset's settings key)")
    p.add_argument("--sequence", action="append", default=None, help="run only this sequence (repeatable)")
    p.add_argument("--threads", type=int, default=0, help="worker processes (0: run in this process)")
    p.add_argument("--run-id", type=int, default=None, help="run id: results go to <param>_<id:03d>")
    p.add_argument("--results", default=None, help="results root (default: the results_path setting)")
    p.add_argument("--segmentation", default=None, help="segmentation root (default: segmentation_path setting)")
    seg = p.add_mutually_exclusive_group()
    seg.add_argument("--save-segmentation", dest="save_segmentation", action="store_const", const=True,
                     default=None, help="save masks also on box datasets (default: VOS datasets only)")
    seg.add_argument("--no-save-segmentation", dest="save_segmentation", action="store_const", const=False)
    p.add_argument("--param", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="strict tracker parameter override (unknown names are an error); repeatable")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: the parameter file's choice)")
    p.add_argument("--gpus", default=None, metavar="0,1,...",
                   help="GPUs for the worker processes (--threads): workers take them in turn, one GPU each")
    p.add_argument("--save-overlay", action="store_true",
                   help="also write an overlay video per sequence (<results>/.../<dataset>/overlays/<seq>.mp4)")
    p.add_argument("--overlay-every", type=int, default=1, metavar="N", help="overlay every N-th frame")
    p.add_argument("--debug", action="store_true", help="stop at the first exception instead of reporting it")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run and print the summary; 1 if a sequence failed, 2 for bad arguments."""
    from pytracking.evaluation.datasets import dataset_info, get_dataset
    from pytracking.evaluation.running import RunOptions, results_dir, run_dataset, segmentation_dir

    try:
        tracker = make_tracker(args.tracker, args.param, args.run_id)
        overrides = parse_param_overrides(args.overrides)
        tracker.tracker_class()  # fail fast: unknown tracker, parameter set or misspelled override
        use_device(tracker.get_parameters(**overrides), args.device)
        dataset = get_dataset(args.dataset, root=args.dataset_root)
        seqs = dataset.get_sequence_list(args.sequence)
        results_dir(tracker, dataset.name, args.results)  # unset settings fail here, naming the key
        if args.save_segmentation or (args.save_segmentation is None and dataset_info(args.dataset).vos):
            segmentation_dir(tracker, dataset.name, args.segmentation)
        gpus = parse_gpus(args.gpus)
        if args.overlay_every < 1:
            raise ValueError(f"--overlay-every must be >= 1, got {args.overlay_every}")
    except (KeyError, ValueError, LookupError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    opts = RunOptions(results_root=args.results, segmentation_root=args.segmentation,
                      save_segmentation=args.save_segmentation, overrides=overrides, debug=args.debug,
                      device=args.device, gpus=gpus, save_overlay=args.save_overlay,
                      overlay_every=args.overlay_every)
    summary = run_dataset(seqs, tracker, threads=args.threads, opts=opts, progress=not args.no_progress)
    sys.stdout.write(f"{tracker.display_name} on {dataset.name}: {summary.report()}\n")
    return 0 if summary.ok else 1
