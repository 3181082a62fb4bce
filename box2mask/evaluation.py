"""Evaluate a box-to-mask method on DAVIS-layout data: boxes from the ground-truth masks, J and F per object.

Layout (DAVIS 2016 and 2017): ``ROOT/JPEGImages/480p/<seq>/*.jpg``, ``ROOT/Annotations/480p/<seq>/*.png`` (0/255
binary PNGs for 2016, palette PNGs with several objects for 2017), sequence lists in ``ROOT/ImageSets/<year>/
<split>.txt``, else ``ROOT/sequences.txt``, else every folder of ``JPEGImages/480p``.

Protocol: for every object of a sequence, the box of a frame is the tight box of the object's ground-truth mask
(absent where the object is not in that frame: an empty ground-truth mask; such frames score J = F = 1 when the
prediction is empty too, as in DAVIS; a sequence without any object is an error). Each object is predicted
separately from its own boxes, the object masks are merged into one label map per frame (a pixel claimed by several
objects goes to the one with the smaller box: a small object inside a big one's box is usually in front of it),
and J / F are computed per object with :func:`pytracking.analysis.vos_metrics.sequence_scores` on the target frames (every ``frame_step``-th frame;
the methods may still use the other frames as context). Nothing is written into the data folder.
"""
from __future__ import annotations

import itertools
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd
from tqdm import tqdm

from box2mask.boxes import mask_to_box
from box2mask.predictor import Box2MaskPredictor, MaskMethod
from box2mask.video import VideoFrames
from ltr.admin.fileio import atomic_path, atomic_write_text
from ltr.data.image_io import read_mask
from pytracking.analysis.vos_metrics import sequence_scores

if TYPE_CHECKING:
    from box2mask.gallery import FailureGallery

logger = logging.getLogger(__name__)

__all__ = ["DavisSequence", "list_sequences", "load_sequence", "object_boxes", "evaluate_sequence",
           "evaluate_dataset", "summarize", "save_table", "run_ablation", "DatasetError"]

PathLike = Union[str, Path]
SCORE_COLUMNS = ["J_mean", "F_mean", "JF_mean", "J_recall", "F_recall"]


class DatasetError(ValueError):
    """The data folder does not have the expected layout (the message names the sequence and file)."""


@dataclass
class DavisSequence:
    """One sequence: its frames and ground-truth label maps (uint8, 0 background, k object k)."""

    name: str
    video: VideoFrames
    labels: List[np.ndarray]

    @property
    def object_ids(self) -> List[int]:
        """Every object id that occurs in some frame."""
        ids = set()
        for lab in self.labels:
            ids.update(int(v) for v in np.unique(lab) if v != 0)
        return sorted(ids)


def _read_list(path: Path) -> List[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def list_sequences(root: PathLike, sequences: Optional[Sequence[str]] = None, year: Optional[str] = None,
                   split: str = "val") -> List[str]:
    """Sequence names: ``sequences`` if given (checked), else ``ImageSets/<year>/<split>.txt`` (``year`` None
    tries 2017 then 2016), else ``sequences.txt``, else every folder of ``JPEGImages/480p``."""
    root = Path(root)
    frames_dir = root / "JPEGImages" / "480p"
    if not frames_dir.is_dir():
        raise DatasetError(f"Not a DAVIS-layout folder (no JPEGImages/480p): {root}")
    if sequences:
        names = list(sequences)
    else:
        names = None
        for y in ([year] if year else ["2017", "2016"]):
            listing = root / "ImageSets" / y / f"{split}.txt"
            if listing.is_file():
                names = _read_list(listing)
                break
        if names is None and (root / "sequences.txt").is_file():
            names = _read_list(root / "sequences.txt")
        if names is None:
            names = sorted(p.name for p in frames_dir.iterdir() if p.is_dir())
    missing = [n for n in names if not (frames_dir / n).is_dir()]
    if missing:
        raise DatasetError(f"Sequence(s) {missing} not found under {frames_dir}")
    if not names:
        raise DatasetError(f"No sequences found under {root}")
    return names


def load_sequence(root: PathLike, name: str, mask_threshold: Optional[float] = None) -> DavisSequence:
    """Frames (lazy) and ground-truth label maps of sequence ``name``; every frame needs its annotation PNG.

    Annotations must be palette, 0/255 or 0/1 PNGs (other grey levels, e.g. anti-aliased masks, are an error naming
    the file) unless ``mask_threshold`` is given: then they are binarised at it (see :func:`read_mask`)."""
    root = Path(root)
    video = VideoFrames.from_folder(root / "JPEGImages" / "480p" / name, seq_name=name)
    ann_dir = root / "Annotations" / "480p" / name
    labels = []
    for i in range(len(video)):
        path = ann_dir / f"{video.frame_name(i)}.png"
        if not path.is_file():
            raise DatasetError(f"Sequence '{name}': frame {i} has no annotation {path}")
        labels.append(read_mask(path, threshold=mask_threshold))
    width, height = video.image_size
    for i, lab in enumerate(labels):
        if lab.shape != (height, width):
            raise DatasetError(f"Sequence '{name}': annotation of frame {i} is {lab.shape[1]}x{lab.shape[0]} but "
                               f"the frames are {width}x{height}")
    return DavisSequence(name=name, video=video, labels=labels)


def object_boxes(labels: Sequence[np.ndarray], object_id: int) -> Tuple[np.ndarray, np.ndarray]:
    """Tight boxes ``(N, 4)`` of ``object_id`` per frame and the ``(N,)`` absent flags (NaN boxes there)."""
    boxes = np.full((len(labels), 4), np.nan)
    absent = np.ones(len(labels), dtype=bool)
    for i, lab in enumerate(labels):
        box = mask_to_box(lab == object_id)
        if box is not None:
            boxes[i], absent[i] = box, False
    return boxes, absent


def evaluate_sequence(method: MaskMethod, seq: DavisSequence, frame_step: int = 1,
                      progress: bool = False) -> Tuple[pd.DataFrame, Dict[int, np.ndarray]]:
    """Predict every object of ``seq`` from its GT boxes and score it; returns the per-object table (with a
    ``sequence`` column) and the merged predicted label maps of the target frames."""
    if not seq.object_ids:
        raise DatasetError(f"Sequence '{seq.name}': no object in any annotation (all masks are empty)")
    n = len(seq.labels)
    targets = list(range(0, n, max(int(frame_step), 1)))
    predictor = Box2MaskPredictor(method)
    height, width = seq.labels[0].shape
    merged = {t: np.zeros((height, width), dtype=np.uint8) for t in targets}
    claim: Dict[int, np.ndarray] = {}  # per target frame: box area of the object owning each pixel (float32)
    for obj in seq.object_ids:
        boxes, absent = object_boxes(seq.labels, obj)
        for t, mask in predictor.propagate(seq.video, boxes, absent=absent, targets=targets, seq_name=seq.name,
                                           progress=progress):
            if absent[t] or not mask.any():
                continue
            area = np.float32(boxes[t, 2] * boxes[t, 3])
            if t not in claim:
                claim[t] = np.full((height, width), np.inf, dtype=np.float32)
            take = (mask > 0) & (area < claim[t])
            merged[t][take] = obj
            claim[t][take] = area
    gt = [seq.labels[t] for t in targets]
    pred = [merged[t] for t in targets]
    table = sequence_scores(gt, pred, seq.object_ids)
    table.insert(0, "sequence", seq.name)
    return table, merged


def add_to_gallery(gallery: "FailureGallery", seq: DavisSequence, merged: Dict[int, np.ndarray]) -> None:
    """Offer the scored frames of ``seq`` (predicted label maps ``merged``) to a failure gallery."""
    per_object = {obj: object_boxes(seq.labels, obj) for obj in seq.object_ids}
    boxes = {t: {obj: (None if absent[t] else b[t]) for obj, (b, absent) in per_object.items()} for t in merged}
    gallery.add(seq.name, seq.video, {t: seq.labels[t] for t in merged}, merged, boxes)


def summarize(table: pd.DataFrame) -> Dict[str, float]:
    """Means of the score columns over all (sequence, object) rows (the DAVIS-2017 global average)."""
    return {c: float(table[c].mean()) for c in SCORE_COLUMNS}


def evaluate_dataset(root: PathLike, method: MaskMethod, sequences: Optional[Sequence[str]] = None,
                     frame_step: int = 1, progress: bool = True, results_dir: Optional[PathLike] = None,
                     mask_threshold: Optional[float] = None, gallery: Optional["FailureGallery"] = None
                     ) -> pd.DataFrame:
    """Evaluate ``method`` on the sequences of ``root``; one row per (sequence, object) plus a ``seconds`` column
    (prediction time of the sequence, all objects).

    With ``results_dir`` every finished sequence's rows are written to ``results_dir/<seq>.csv`` (atomically) and
    sequences whose file already exists are read back instead of recomputed, so an interrupted run resumes. The
    caller must use a separate folder per method and setting. ``mask_threshold``: see :func:`load_sequence`.
    ``gallery`` (:class:`box2mask.gallery.FailureGallery`) collects the worst frames of the sequences computed in
    this call (sequences read back from ``results_dir`` have no predictions to show).
    """
    names = list_sequences(root, sequences)
    tables = []
    for name in tqdm(names, desc=f"evaluate {getattr(method, 'name', 'method')}", unit="seq", disable=not progress):
        done = Path(results_dir) / f"{name}.csv" if results_dir is not None else None
        if done is not None and done.is_file():
            table = pd.read_csv(done, dtype={"sequence": str})
            logger.info("%s: read from %s", name, done)
        else:
            seq = load_sequence(root, name, mask_threshold=mask_threshold)
            start = time.perf_counter()
            table, merged = evaluate_sequence(method, seq, frame_step=frame_step)
            table["seconds"] = time.perf_counter() - start
            if gallery is not None:
                add_to_gallery(gallery, seq, merged)
            logger.info("%s: J %.3f F %.3f (%.1f s)", name, table["J_mean"].mean(), table["F_mean"].mean(),
                        table["seconds"].iloc[0])
            if done is not None:
                atomic_write_text(done, table.to_csv(index=False))
        tables.append(table)
    out = pd.concat(tables, ignore_index=True)
    out["sequence"] = out["sequence"].astype(str)
    return out


def with_mean_row(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` plus a final row ``sequence='mean'`` holding the column means."""
    mean = {c: table[c].mean() for c in table.columns if c not in ("sequence", "object")}
    mean.update({"sequence": "mean", "object": ""})
    return pd.concat([table, pd.DataFrame([mean])], ignore_index=True)


def save_table(table: pd.DataFrame, out_dir: PathLike, stem: str, title: str, label_columns: Sequence[str],
               value_columns: Sequence[str] = ("J_mean", "F_mean")) -> Tuple[Path, Path]:
    """Write ``<stem>.csv`` and a grouped bar plot ``<stem>.png`` (one group per row, labelled by
    ``label_columns``) into ``out_dir``, atomically. Returns both paths."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.png"
    atomic_write_text(csv_path, table.to_csv(index=False, float_format="%.4f"))
    labels = [" ".join(str(row[c]) for c in label_columns) for _, row in table.iterrows()]
    x = np.arange(len(labels))
    width = 0.8 / max(len(value_columns), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 0.6 * len(labels) + 2), 4))
    for k, col in enumerate(value_columns):
        ax.bar(x + (k - (len(value_columns) - 1) / 2) * width, table[col].astype(float), width, label=col)
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    with atomic_path(png_path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return csv_path, png_path


def run_ablation(root: PathLike, build: Callable[..., MaskMethod], grid: Dict[str, Sequence],
                 sequences: Optional[Sequence[str]] = None, frame_step: int = 1, progress: bool = True,
                 results_dir: Optional[PathLike] = None, mask_threshold: Optional[float] = None) -> pd.DataFrame:
    """Evaluate ``build(**setting)`` for every combination of the option lists in ``grid`` (e.g.
    ``{'num_frames': [1, 3, 5], 'interval': [5, 15]}``); one row per setting with the mean scores over all
    (sequence, object) rows and the total prediction time. With ``results_dir``, each setting resumes from its own
    sub-folder (see :func:`evaluate_dataset`)."""
    keys = list(grid)
    rows = []
    for values in itertools.product(*(grid[k] for k in keys)):
        setting = dict(zip(keys, values))
        sub = None
        if results_dir is not None:
            sub = Path(results_dir) / ("_".join(f"{k}={v}" for k, v in setting.items()) or "default")
        table = evaluate_dataset(root, build(**setting), sequences=sequences, frame_step=frame_step,
                                 progress=progress, results_dir=sub, mask_threshold=mask_threshold)
        row = dict(setting)
        row.update(summarize(table))
        row["seconds"] = float(table.drop_duplicates("sequence")["seconds"].sum())
        logger.info("ablation %s: J %.4f F %.4f", setting, row["J_mean"], row["F_mean"])
        rows.append(row)
    return pd.DataFrame(rows)
