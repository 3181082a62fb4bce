"""``pytracking pack got10k|trackingnet TRACKER PARAM``: zip raw results for the evaluation servers.

GOT-10k: the ``got10k_test`` results of ``--run-ids`` (e.g. ``0 1 2``; without ids the run-less ``<param>/`` folder,
written ``--repeat-single`` times). TrackingNet: the ``trackingnet`` (TEST) results of one run. Every sequence is
checked first; an incomplete set exits 1 listing what is missing. ``--dataset`` packs another split with the same
format (e.g. ``trackingnet_train_0`` to try the local scorer).
"""
from __future__ import annotations

import argparse
import sys

DEFAULT_DATASET = {"got10k": "got10k_test", "trackingnet": "trackingnet"}


def register(subparsers) -> None:
    """Add the ``pack`` sub-command."""
    p = subparsers.add_parser("pack", help="zip results for the GOT-10k / TrackingNet servers",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("benchmark", choices=sorted(DEFAULT_DATASET))
    p.add_argument("tracker", help="tracker name (as in the results folder)")
    p.add_argument("param", help="parameter set name")
    p.add_argument("--run-ids", type=int, nargs="+", default=None, help="run ids (GOT-10k: usually 0 1 2)")
    p.add_argument("--repeat-single", type=int, default=3,
                   help="GOT-10k, one run: how many identical _00k files to write (default 3)")
    p.add_argument("--dataset", default=None, help="dataset whose results to pack (default: the test split)")
    p.add_argument("--dataset-root", default=None, help="dataset root (default: the dataset's settings key)")
    p.add_argument("--results", default=None, help="results root (default: the results_path setting)")
    p.add_argument("--out", default=None, help="zip path (default: <packed_results_path>/<benchmark>/...)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Pack; 1 when results are incomplete, 2 for bad arguments."""
    from pytracking.evaluation.datasets import get_dataset
    from pytracking.evaluation.packing import IncompleteResultsError, pack_got10k, pack_trackingnet

    try:
        dataset = get_dataset(args.dataset or DEFAULT_DATASET[args.benchmark], root=args.dataset_root)
        seqs = dataset.get_sequence_list()
        if args.benchmark == "trackingnet" and args.run_ids and len(args.run_ids) > 1:
            raise ValueError("TrackingNet takes one run: give at most one --run-ids value")
    except (KeyError, ValueError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    try:
        if args.benchmark == "got10k":
            path = pack_got10k(seqs, args.tracker, args.param, args.run_ids, args.results, args.out,
                               repeat_single=args.repeat_single)
        else:
            run_id = args.run_ids[0] if args.run_ids else None
            path = pack_trackingnet(seqs, args.tracker, args.param, run_id, args.results, args.out)
    except IncompleteResultsError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    except KeyError as e:  # an unset path setting (results_path / packed_results_path)
        sys.stderr.write(f"error: {e}\n")
        return 2
    sys.stdout.write(f"{path}\n")
    return 0
