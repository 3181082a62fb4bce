"""``pytracking analyze --dataset NAME --trackers name:param[:run] ...``: score saved results, tables and plots.

Box datasets: AO, SR0.5, SR0.75, AUC, precision@20 px, normalised precision, FPS (protocol per benchmark, see
``pytracking.analysis.evaluate``), plus the TrackingNet server formula on ``trackingnet_train_<k>``; success /
precision plots. VOS datasets (DAVIS): J&F. Tables are printed and written as CSV to ``--out`` (default:
``<result_plot_path>/<dataset>``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

import pandas as pd

from pytracking.evaluation.tracker import Tracker


def parse_tracker_spec(spec: str) -> Tracker:
    """``name:param`` or ``name:param:run_id`` -> :class:`Tracker`."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(f"Tracker must be given as name:param[:run_id], got {spec!r}")
    try:
        run_id = int(parts[2]) if len(parts) == 3 else None
    except ValueError:
        raise ValueError(f"Run id of {spec!r} must be an integer") from None
    return Tracker(parts[0], parts[1], run_id)


def register(subparsers) -> None:
    """Add the ``analyze`` sub-command."""
    p = subparsers.add_parser("analyze", help="score saved results (tables + plots)",
                              description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", required=True, help="dataset name (as for `pytracking run`)")
    p.add_argument("--trackers", nargs="+", required=True, metavar="NAME:PARAM[:RUN]", help="trackers to compare")
    p.add_argument("--dataset-root", default=None, help="dataset root (default: the dataset's settings key)")
    p.add_argument("--sequence", action="append", default=None, help="only this sequence (repeatable)")
    p.add_argument("--results", default=None, help="results root (default: the results_path setting)")
    p.add_argument("--segmentation", default=None, help="segmentation root (VOS; default: segmentation_path)")
    p.add_argument("--out", default=None, help="output folder (default: <result_plot_path>/<dataset>)")
    p.add_argument("--no-plots", action="store_true", help="tables only")
    p.set_defaults(func=run)


def _write_csv(df: pd.DataFrame, path: Path, index: bool = True) -> None:
    from ltr.admin.fileio import atomic_write_text

    atomic_write_text(path, df.to_csv(index=index))


def _trackingnet_server_table(seqs, trackers: List[Tracker], results_root: Optional[str]) -> pd.DataFrame:
    from pytracking.analysis.evaluate import load_boxes
    from pytracking.evaluation.trackingnet_score import trackingnet_scores

    gt = {s.name: s.ground_truth_rect for s in seqs}
    rows = []
    for tr in trackers:
        scores = trackingnet_scores(gt, {s.name: load_boxes(tr, s, results_root) for s in seqs})
        rows.append({"tracker": tr.display_name, "Success": scores["success"], "Precision": scores["precision"],
                     "NormPrecision": scores["norm_precision"]})
    return pd.DataFrame(rows).set_index("tracker")


def run(args: argparse.Namespace) -> int:
    """Evaluate, print and save; 1 when results are missing or malformed, 2 for bad arguments."""
    from ltr.admin.environment import env_settings
    from pytracking.evaluation.datasets import dataset_info, get_dataset

    try:
        trackers = [parse_tracker_spec(s) for s in args.trackers]
        info = dataset_info(args.dataset)
        dataset = get_dataset(args.dataset, root=args.dataset_root)
        seqs = dataset.get_sequence_list(args.sequence)
        out = Path(args.out) if args.out else env_settings().path("result_plot_path") / dataset.name
    except (KeyError, ValueError, OSError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    try:
        if info.vos:
            from pytracking.analysis.vos_evaluation import evaluate_vos

            ev = evaluate_vos(seqs, trackers, args.segmentation)
            _write_csv(ev.per_object, out / f"{dataset.name}_per_object.csv", index=False)
            _write_csv(ev.overall, out / f"{dataset.name}_overall.csv")
            sys.stdout.write(f"J&F on {dataset.name} ({len(seqs)} sequences)\n{ev.overall.round(4).to_string()}\n")
            if not args.no_plots:
                from pytracking.analysis.plots import plot_per_sequence

                table = ev.per_object.assign(**{"sequence/object": ev.per_object["sequence"].astype(str) + "/"
                                                + ev.per_object["object"].astype(str)})
                path = plot_per_sequence(table, "JF_mean", out / f"{dataset.name}_per_sequence.png",
                                         f"J&F per object on {dataset.name}", label="sequence/object")
                sys.stdout.write(f"plot: {path}\n")
            return 0
        from pytracking.analysis.evaluate import evaluate_trackers

        ev = evaluate_trackers(seqs, trackers, args.results)
        _write_csv(ev.per_sequence, out / f"{dataset.name}_per_sequence.csv", index=False)
        _write_csv(ev.overall, out / f"{dataset.name}_overall.csv")
        sys.stdout.write(f"{dataset.name} ({len(seqs)} sequences)\n{ev.overall.round(4).to_string()}\n")
        if seqs[0].family == "trackingnet" and seqs[0].meta.get("split", "TEST") != "TEST":
            server = _trackingnet_server_table(seqs, trackers, args.results)
            _write_csv(server, out / f"{dataset.name}_server_formula.csv")
            sys.stdout.write(f"TrackingNet server formula (x100)\n{server.round(2).to_string()}\n")
        if not args.no_plots:
            from pytracking.analysis.plots import plot_all

            from pytracking.analysis.plots import plot_per_sequence

            for path in plot_all(ev.curves, out, dataset.name):
                sys.stdout.write(f"plot: {path}\n")
            path = plot_per_sequence(ev.per_sequence, "ao", out / f"{dataset.name}_per_sequence.png",
                                     f"Average overlap per sequence on {dataset.name}")
            sys.stdout.write(f"plot: {path}\n")
    except (FileNotFoundError, ValueError, KeyError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0
