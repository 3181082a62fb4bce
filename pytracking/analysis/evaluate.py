"""Score raw box results of several trackers on a dataset: per-sequence and overall pandas tables plus curves.

Protocols by benchmark family (``Sequence.family``):

* ``got10k``: as the GOT-10k toolkit -- frame 0 skipped, frames whose target is absent / fully covered skipped, boxes
  clipped to the image (``resolution`` in ``meta_info.ini``), frames of all sequences pooled.
* ``otb``, ``lasot``, ``trackingnet``, ``vot``: every frame with a valid (finite, non-empty) ground-truth box that is
  visible where the dataset says (LaSOT: not fully occluded / out of view), frame 0 included, scores and curves
  averaged over sequences (pytracking / OTB convention). (TrackingNet's server formula, with rounding, is
  :mod:`pytracking.evaluation.trackingnet_score`.)
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence as Seq

import numpy as np
import pandas as pd

from ltr.dataset.layouts import got10k_resolution
from pytracking.evaluation.data import Sequence
from pytracking.evaluation.running import read_result_boxes, results_dir
from pytracking.evaluation.tracker import Tracker

from .box_metrics import FrameMeasures, concat_measures, frame_measures, summarize, valid_frames


@dataclass(frozen=True)
class Protocol:
    """How frames are selected and pooled."""

    skip_first: bool = False
    pool_frames: bool = False
    clip_to_image: bool = False


PROTOCOLS: Dict[str, Protocol] = {
    "got10k": Protocol(skip_first=True, pool_frames=True, clip_to_image=True),
    "otb": Protocol(), "lasot": Protocol(), "trackingnet": Protocol(), "vot": Protocol(),
}

SCORE_COLUMNS = ["ao", "sr50", "sr75", "auc", "precision", "norm_precision"]
TABLE_NAMES = {"ao": "AO", "sr50": "SR0.5", "sr75": "SR0.75", "auc": "AUC", "precision": "Precision@20",
               "norm_precision": "NormPrecision", "fps": "FPS", "n_sequences": "Sequences", "n_frames": "Frames"}


class MissingResultsError(FileNotFoundError):
    """Some result files are missing; the message lists them per tracker."""


def protocol_for(family: str) -> Protocol:
    """The protocol of a benchmark family (VOS families have none: use the VOS analysis)."""
    try:
        return PROTOCOLS[family]
    except KeyError:
        raise ValueError(f"No box-analysis protocol for dataset family {family!r}; "
                         f"known: {sorted(PROTOCOLS)} (VOS datasets: use the J&F analysis)") from None


def result_file(tracker: Tracker, seq: Sequence, results_root: Optional[Path] = None) -> Path:
    """The single-object box file of ``tracker`` on ``seq``."""
    return results_dir(tracker, seq.dataset, results_root) / f"{seq.name}.txt"


def check_results(trackers: Seq[Tracker], seqs: Seq[Sequence], results_root: Optional[Path] = None) -> None:
    """Raise :class:`MissingResultsError` naming every missing box file."""
    missing: Dict[str, List[str]] = {}
    for tr in trackers:
        for seq in seqs:
            if not result_file(tr, seq, results_root).is_file():
                missing.setdefault(tr.display_name, []).append(seq.name)
    if missing:
        lines = [f"{name}: {len(names)} missing ({', '.join(names[:10])}{' ...' if len(names) > 10 else ''}) in "
                 f"{results_dir(next(t for t in trackers if t.display_name == name), seqs[0].dataset, results_root)}"
                 for name, names in missing.items()]
        raise MissingResultsError("Missing tracking results -- run the trackers first:\n  " + "\n  ".join(lines))


def load_boxes(tracker: Tracker, seq: Sequence, results_root: Optional[Path] = None) -> np.ndarray:
    """The ``(N, 4)`` result boxes; a line count that differs from the frame count raises naming the file."""
    path = result_file(tracker, seq, results_root)
    boxes = read_result_boxes(path)
    if len(boxes) != len(seq):
        raise ValueError(f"{path} has {len(boxes)} boxes but sequence {seq.name} has {len(seq)} frames")
    return boxes


def load_times(tracker: Tracker, seq: Sequence, results_root: Optional[Path] = None) -> Optional[np.ndarray]:
    """Per-frame seconds, or None when the time file is absent."""
    path = results_dir(tracker, seq.dataset, results_root) / f"{seq.name}_time.txt"
    if not path.is_file():
        return None
    return np.loadtxt(path, ndmin=1, dtype=np.float64)


def sequence_measures(pred: np.ndarray, seq: Sequence, protocol: Protocol) -> FrameMeasures:
    """Per-frame measures of one sequence under ``protocol``."""
    valid = valid_frames(seq.ground_truth_rect, seq.target_visible, protocol.skip_first)
    bound = got10k_resolution(seq.meta) if protocol.clip_to_image else None
    return frame_measures(pred, seq.ground_truth_rect, valid, bound)


@dataclass
class BoxEvaluation:
    """Results of :func:`evaluate_trackers`."""

    #: one row per (tracker, sequence)
    per_sequence: pd.DataFrame
    #: one row per tracker (columns named for display: AO, SR0.5, ...)
    overall: pd.DataFrame
    #: tracker -> {'success': (101,), 'precision': (51,), 'norm_precision': (51,)}
    curves: Dict[str, Dict[str, np.ndarray]]


def evaluate_trackers(seqs: Seq[Sequence], trackers: Seq[Tracker], results_root: Optional[Path] = None,
                      protocol: Optional[Protocol] = None) -> BoxEvaluation:
    """Score every tracker on every sequence (all results must exist; see :func:`check_results`)."""
    seqs = list(seqs)
    if not seqs:
        raise ValueError("No sequences to evaluate")
    protocol = protocol or protocol_for(seqs[0].family)
    if not any(valid_frames(s.ground_truth_rect, s.target_visible, protocol.skip_first).any() for s in seqs):
        raise ValueError(f"{seqs[0].dataset}: no ground truth to score beyond the first frame (a test split?); "
                         f"pack the results for the evaluation server instead")
    check_results(trackers, seqs, results_root)
    rows, overall, curves = [], [], {}
    for tr in trackers:
        measures, seq_scores, total_frames, total_time = [], [], 0, 0.0
        for seq in seqs:
            m = sequence_measures(load_boxes(tr, seq, results_root), seq, protocol)
            s = summarize(m)
            times = load_times(tr, seq, results_root)
            fps = float(len(times) / times.sum()) if times is not None and times.sum() > 0 else float("nan")
            if times is not None:
                total_frames, total_time = total_frames + len(times), total_time + float(times.sum())
            measures.append(m)
            seq_scores.append(s)
            rows.append({"tracker": tr.display_name, "sequence": seq.name,
                         **{k: s[k] for k in SCORE_COLUMNS}, "n_frames": s["n_frames"], "fps": fps})
        if protocol.pool_frames:
            agg = summarize(concat_measures(measures))
        else:
            scored = [s for s in seq_scores if s["n_frames"] > 0]
            agg = {k: float(np.mean([s[k] for s in scored])) if scored else float("nan") for k in SCORE_COLUMNS}
            for k in ("success_curve", "precision_curve", "norm_precision_curve"):
                agg[k] = np.mean([s[k] for s in scored], axis=0) if scored else np.full_like(seq_scores[0][k], np.nan)
            agg["n_frames"] = sum(s["n_frames"] for s in seq_scores)
        curves[tr.display_name] = {"success": agg["success_curve"], "precision": agg["precision_curve"],
                                   "norm_precision": agg["norm_precision_curve"]}
        overall.append({"tracker": tr.display_name, **{k: agg[k] for k in SCORE_COLUMNS},
                        "fps": total_frames / total_time if total_time > 0 else float("nan"),
                        "n_sequences": len(seqs), "n_frames": agg["n_frames"]})
    per_seq = pd.DataFrame(rows)
    table = pd.DataFrame(overall).set_index("tracker").rename(columns=TABLE_NAMES)
    return BoxEvaluation(per_sequence=per_seq, overall=table, curves=curves)
