"""J&F of saved segmentations on VOS datasets (DAVIS protocol), using :mod:`pytracking.analysis.vos_metrics`.

Predictions are the indexed PNGs written by a run: ``<segmentation_root>/<tracker>/<param>[_%03d]/<dataset>/<seq>/
<frame>.png``. As in the DAVIS 2017 evaluation, the first and the last frame of a sequence are not scored; only
frames with a ground-truth annotation are. Single-object datasets (DAVIS 2016) compare the union of all labels of
ground truth and prediction. The overall score averages the per-object means over all objects of the dataset.
YouTube-VOS ``valid`` publishes only first-appearance masks, so it has nothing to score locally (use the server).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence as Seq

import numpy as np
import pandas as pd

from ltr.data.image_io import read_mask
from pytracking.evaluation.data import Sequence
from pytracking.evaluation.running import segmentation_dir
from pytracking.evaluation.tracker import Tracker

from .vos_metrics import sequence_scores

OVERALL_NAMES = {"JF_mean": "J&F", "J_mean": "J", "F_mean": "F", "J_recall": "J-recall", "F_recall": "F-recall"}


def scored_frames(seq: Sequence, skip_first_last: bool = True) -> List[int]:
    """Frames with a ground-truth annotation, minus the first and last frame (DAVIS protocol)."""
    if seq.ground_truth_seg is None:
        raise ValueError(f"{seq.dataset}/{seq.name} has no segmentation ground truth")
    n = len(seq)
    return [i for i, p in enumerate(seq.ground_truth_seg)
            if p is not None and not (skip_first_last and i in (0, n - 1))]


def prediction_files(tracker: Tracker, seq: Sequence, frames: Seq[int],
                     segmentation_root: Optional[Path] = None) -> List[Path]:
    """The predicted PNG of each frame in ``frames``."""
    base = segmentation_dir(tracker, seq.dataset, segmentation_root) / seq.name
    names = seq.frame_names()
    return [base / f"{names[i]}.png" for i in frames]


@dataclass
class VosEvaluation:
    """Results of :func:`evaluate_vos`."""

    #: one row per (tracker, sequence, object): J_mean, F_mean, JF_mean, J_recall, F_recall, n_frames
    per_object: pd.DataFrame
    #: one row per tracker: J&F, J, F, J-recall, F-recall, objects
    overall: pd.DataFrame


def evaluate_vos(seqs: Seq[Sequence], trackers: Seq[Tracker], segmentation_root: Optional[Path] = None,
                 skip_first_last: bool = True) -> VosEvaluation:
    """J&F of every tracker on every sequence; missing predictions raise, listing them."""
    seqs = list(seqs)
    plan: Dict[str, List[int]] = {}
    for seq in seqs:
        frames = scored_frames(seq, skip_first_last)
        if not frames:
            raise ValueError(f"{seq.dataset}/{seq.name}: no annotated frame to score beyond the first/last "
                             f"(YouTube-VOS valid is scored by its server)")
        plan[seq.name] = frames
    missing = [str(p) for tr in trackers for seq in seqs
               for p in prediction_files(tr, seq, plan[seq.name], segmentation_root) if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"{len(missing)} predicted mask(s) missing, e.g. {missing[:5]} -- run the tracker "
                                f"with segmentation output first")
    tables = []
    for seq in seqs:
        frames = plan[seq.name]
        gt = [read_mask(seq.ground_truth_seg[i]) for i in frames]
        ids = [int(o) for o in seq.object_ids] if seq.multiobj_mode else [1]
        if not seq.multiobj_mode:
            gt = [(g > 0).astype(np.uint8) for g in gt]
        for tr in trackers:
            pred = [read_mask(p) for p in prediction_files(tr, seq, frames, segmentation_root)]
            if not seq.multiobj_mode:
                pred = [(p > 0).astype(np.uint8) for p in pred]
            df = sequence_scores(gt, pred, ids)
            df.insert(0, "sequence", seq.name)
            df.insert(0, "tracker", tr.display_name)
            tables.append(df)
    per_object = pd.concat(tables, ignore_index=True)
    overall = per_object.groupby("tracker", sort=False)[list(OVERALL_NAMES)].mean().rename(columns=OVERALL_NAMES)
    overall["objects"] = per_object.groupby("tracker", sort=False).size()
    return VosEvaluation(per_object=per_object, overall=overall)
