"""Local TrackingNet scoring with the evaluation server's formulas (devkit ``metrics.py``), for the TRAIN splits.

Per sequence (``N`` frames, submission and ground truth as ``x, y, w, h``):

1. all numbers are rounded to integers (``np.round``: halves to even), and frame 0 of the submission is replaced by
   the ground truth;
2. inclusive-pixel boxes: ``x2 = x + w - 1``; intersection width ``round(min(x2) - max(x1) + 1)`` clipped at 0
   (same for heights); areas are ``w * h``; IoU = inter / (area_gt + area_pred - inter) (NaN when both are empty);
3. centres ``x + (w + 1) / 2``; distance in pixels and distance with each axis divided by the ground-truth size;
4. curves over 21 thresholds: success ``mean(IoU > t)``, t in [0, 1]; precision ``mean(d <= t)``, t in [0, 50] px;
   normalised precision ``mean(nd <= t)``, t in [0, 0.5]; NaN values never pass.

The curves are averaged over sequences; each score is the trapezoidal area of its curve on x = linspace(0, 1, 21),
times 100. Unlike the server, a missing sequence or a line-count mismatch is an error here (the server scores a
missing sequence as all-zero boxes and aligns mismatched lengths silently).
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Dict, Mapping, Optional, Union

import numpy as np

from ltr.dataset.layouts import AnnotationError, TrackingNetLayout, read_boxes

PathLike = Union[str, Path]
N_THRESHOLDS = 21
SUCCESS_X = np.linspace(0.0, 1.0, N_THRESHOLDS)
PRECISION_X = np.linspace(0.0, 50.0, N_THRESHOLDS)
NORM_PRECISION_X = np.linspace(0.0, 0.5, N_THRESHOLDS)


def _trapezoid(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.sum((y[1:] + y[:-1]) / 2.0 * np.diff(x)))


def sequence_curves(pred: np.ndarray, gt: np.ndarray) -> Dict[str, np.ndarray]:
    """The three 21-point curves of one sequence (server formula, see module doc)."""
    p = np.round(np.asarray(pred, dtype=np.float64)).copy()
    g = np.round(np.asarray(gt, dtype=np.float64))
    if p.shape != g.shape or p.ndim != 2 or p.shape[1] != 4:
        raise ValueError(f"prediction {p.shape} and ground truth {g.shape} must both be (N, 4)")
    p[0] = g[0]
    gx2, gy2 = g[:, 0] + g[:, 2] - 1.0, g[:, 1] + g[:, 3] - 1.0
    px2, py2 = p[:, 0] + p[:, 2] - 1.0, p[:, 1] + p[:, 3] - 1.0
    iw = np.clip(np.round(np.minimum(gx2, px2) - np.maximum(g[:, 0], p[:, 0]) + 1.0), 0, None)
    ih = np.clip(np.round(np.minimum(gy2, py2) - np.maximum(g[:, 1], p[:, 1]) + 1.0), 0, None)
    inter = iw * ih
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / (g[:, 2] * g[:, 3] + p[:, 2] * p[:, 3] - inter)
        dx = (g[:, 0] + (g[:, 2] + 1.0) / 2.0) - (p[:, 0] + (p[:, 2] + 1.0) / 2.0)
        dy = (g[:, 1] + (g[:, 3] + 1.0) / 2.0) - (p[:, 1] + (p[:, 3] + 1.0) / 2.0)
        dist = np.sqrt(dx * dx + dy * dy)
        ndist = np.sqrt((dx / g[:, 2]) ** 2 + (dy / g[:, 3]) ** 2)
        return {
            "success": (iou[:, None] > SUCCESS_X[None]).mean(axis=0),
            "precision": (dist[:, None] <= PRECISION_X[None]).mean(axis=0),
            "norm_precision": (ndist[:, None] <= NORM_PRECISION_X[None]).mean(axis=0),
        }


def trackingnet_scores(gt: Mapping[str, np.ndarray], pred: Mapping[str, np.ndarray]) -> Dict[str, object]:
    """Server scores (x100) of ``pred`` against ``gt`` (both: sequence name -> ``(N, 4)``).

    Returns ``success``, ``precision``, ``norm_precision`` (floats), ``n_sequences`` and the averaged ``curves``.
    """
    if not gt:
        raise ValueError("No ground-truth sequences")
    missing = sorted(set(gt) - set(pred))
    if missing:
        raise KeyError(f"Submission lacks {len(missing)} sequence(s): {missing[:10]}")
    sums = {k: np.zeros(N_THRESHOLDS) for k in ("success", "precision", "norm_precision")}
    for name, g in gt.items():
        p = np.asarray(pred[name])
        if len(p) != len(g):
            raise ValueError(f"Sequence {name}: {len(p)} submitted boxes for {len(g)} frames")
        for k, c in sequence_curves(p, g).items():
            sums[k] += c
    curves = {k: v / len(gt) for k, v in sums.items()}
    return {**{k: 100.0 * _trapezoid(c, SUCCESS_X) for k, c in curves.items()},
            "n_sequences": len(gt), "curves": curves}


def _parse_csv(text: str, where: str) -> np.ndarray:
    path_like = io.StringIO(text)
    rows = []
    for lineno, line in enumerate(path_like, 1):
        if not line.strip():
            continue
        try:
            vals = [float(v) for v in line.strip().split(",")]
        except ValueError as e:
            raise AnnotationError(f"{where}, line {lineno}: {e}") from e
        if len(vals) != 4:
            raise AnnotationError(f"{where}, line {lineno}: expected 4 comma-separated values, got {len(vals)}")
        rows.append(vals)
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def read_submission(path: PathLike) -> Dict[str, np.ndarray]:
    """Boxes of a submission zip (members matched by basename, as the server does) or folder of ``<seq>.txt``."""
    path = Path(path)
    out: Dict[str, np.ndarray] = {}
    if path.is_dir():
        for f in sorted(path.glob("*.txt")):
            out[f.stem] = _parse_csv(f.read_text(), str(f))
        return out
    if not path.is_file():
        raise FileNotFoundError(f"Submission not found: {path}")
    with zipfile.ZipFile(path) as zf:
        for member in zf.namelist():
            if member.endswith(".txt") and "__MACOSX" not in member:
                out[Path(member).stem] = _parse_csv(zf.read(member).decode("utf-8"), f"{path}:{member}")
    return out


def score_split(root: PathLike, split: str, submission: Union[PathLike, Mapping[str, np.ndarray]],
                sequences: Optional[list] = None) -> Dict[str, object]:
    """Score a submission (zip, folder or dict) against ``<root>/<split>/anno`` (a TRAIN split: full annotation)."""
    if split == "TEST":
        raise ValueError("TEST annotations hold the first box only; score TEST results on the server")
    layout = TrackingNetLayout(root, split)
    names = sequences if sequences is not None else layout.sequence_names()
    gt = {n: read_boxes(Path(root) / split / "anno" / f"{n}.txt", what="TrackingNet annotation") for n in names}
    pred = submission if isinstance(submission, Mapping) else read_submission(submission)
    return trackingnet_scores(gt, pred)
