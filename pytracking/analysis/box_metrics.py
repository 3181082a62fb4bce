"""Box tracking measures (pure numpy): IoU, centre errors, success / precision curves and their summary scores.

Definitions (boxes are ``[x, y, w, h]``, 0-based, continuous coordinates: a box covers ``[x, x + w)``):

* IoU -- the GOT-10k toolkit's ``rect_iou``: intersection / union of the two rectangles (``eps`` added to the union,
  result clipped to [0, 1]); with an image ``bound = (W, H)`` both boxes are first clipped the way the toolkit does
  it (x, y into [0, W] / [0, H], then w, h into [0, W - x] / [0, H - y]). A prediction with NaN scores 0.
* success curve -- ``mean(iou > t)`` for 101 thresholds ``t = 0, 0.01, ..., 1``; AO = mean IoU, SR0.5 = curve at
  0.5, SR0.75 = curve at 0.75, AUC = mean of the curve.
* precision -- OTB: centre distance in pixels, curve = ``mean(err <= t)`` for ``t = 0..50`` px, score at 20 px.
* normalised precision -- TrackingNet: the centre offset divided by the ground-truth width / height per axis, curve
  over ``t = 0..0.5`` (51 thresholds), score = mean of the curve (its normalised area).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 101)
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = np.linspace(0.0, 0.5, 51)


def _boxes(a) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or a.shape[1] != 4:
        raise ValueError(f"boxes must be (N, 4), got {a.shape}")
    return a


def clip_boxes(boxes: np.ndarray, bound: Tuple[float, float]) -> np.ndarray:
    """Clip boxes into an image of size ``bound = (W, H)`` as the GOT-10k toolkit does."""
    b = _boxes(boxes)
    w, h = bound
    b[:, 0] = np.clip(b[:, 0], 0, w)
    b[:, 1] = np.clip(b[:, 1], 0, h)
    b[:, 2] = np.clip(b[:, 2], 0, w - b[:, 0])
    b[:, 3] = np.clip(b[:, 3], 0, h - b[:, 1])
    return b


def box_iou(pred, gt, bound: Optional[Tuple[float, float]] = None) -> np.ndarray:
    """Per-frame IoU of ``(N, 4)`` predictions and ground truth (GOT-10k definition, see module doc).

    Non-finite predictions give 0; non-finite ground truth gives NaN (the caller decides which frames count).
    """
    p, g = _boxes(pred), _boxes(gt)
    if p.shape != g.shape:
        raise ValueError(f"prediction {p.shape} and ground truth {g.shape} differ in shape")
    if bound is not None:
        p, g = clip_boxes(p, bound), clip_boxes(g, bound)
    x1 = np.maximum(p[:, 0], g[:, 0])
    y1 = np.maximum(p[:, 1], g[:, 1])
    x2 = np.minimum(p[:, 0] + p[:, 2], g[:, 0] + g[:, 2])
    y2 = np.minimum(p[:, 1] + p[:, 3], g[:, 1] + g[:, 3])
    inter = np.maximum(x2 - x1, 0) * np.maximum(y2 - y1, 0)
    union = p[:, 2] * p[:, 3] + g[:, 2] * g[:, 3] - inter
    with np.errstate(invalid="ignore"):
        iou = np.clip(inter / (union + np.finfo(float).eps), 0.0, 1.0)
    iou[~np.all(np.isfinite(p), axis=1)] = 0.0
    iou[~np.all(np.isfinite(g), axis=1)] = np.nan
    return iou


def center_errors(pred, gt) -> np.ndarray:
    """Euclidean distance of the box centres in pixels (inf for a non-finite prediction)."""
    p, g = _boxes(pred), _boxes(gt)
    d = (p[:, :2] + p[:, 2:] / 2) - (g[:, :2] + g[:, 2:] / 2)
    err = np.sqrt((d ** 2).sum(axis=1))
    err[~np.all(np.isfinite(p), axis=1)] = np.inf
    return err


def normalized_center_errors(pred, gt) -> np.ndarray:
    """Centre offset divided per axis by the ground-truth size, then its norm (TrackingNet)."""
    p, g = _boxes(pred), _boxes(gt)
    d = ((p[:, :2] + p[:, 2:] / 2) - (g[:, :2] + g[:, 2:] / 2)) / g[:, 2:]
    err = np.sqrt((d ** 2).sum(axis=1))
    err[~np.all(np.isfinite(p), axis=1)] = np.inf
    return err


def success_curve(ious: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of frames with IoU strictly above each threshold."""
    ious = np.asarray(ious, dtype=np.float64).reshape(-1)
    if ious.size == 0:
        return np.full(len(thresholds), np.nan)
    return (ious[:, None] > thresholds[None, :]).mean(axis=0)


def precision_curve(errors: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS) -> np.ndarray:
    """Fraction of frames with an error at most each threshold."""
    errors = np.asarray(errors, dtype=np.float64).reshape(-1)
    if errors.size == 0:
        return np.full(len(thresholds), np.nan)
    return (errors[:, None] <= thresholds[None, :]).mean(axis=0)


@dataclass
class FrameMeasures:
    """Per-frame measures of the frames that count (valid ground truth)."""

    iou: np.ndarray
    center: np.ndarray
    norm_center: np.ndarray


def valid_frames(gt: np.ndarray, visible: Optional[np.ndarray] = None, skip_first: bool = False) -> np.ndarray:
    """Frames that count: finite ground truth with positive size, visible (when known), optionally not frame 0."""
    g = _boxes(gt)
    ok = np.all(np.isfinite(g), axis=1) & (g[:, 2] > 0) & (g[:, 3] > 0)
    if visible is not None:
        ok &= np.asarray(visible, dtype=bool)
    if skip_first:
        ok[0] = False
    return ok


def frame_measures(pred, gt, valid: np.ndarray, bound: Optional[Tuple[float, float]] = None) -> FrameMeasures:
    """IoU and centre errors on the ``valid`` frames."""
    p, g = _boxes(pred)[valid], _boxes(gt)[valid]
    return FrameMeasures(box_iou(p, g, bound), center_errors(p, g), normalized_center_errors(p, g))


def summarize(m: FrameMeasures) -> Dict[str, float]:
    """Scores and curves of a set of frames: ``ao, sr50, sr75, auc, precision, norm_precision`` + curves."""
    succ = success_curve(m.iou)
    prec = precision_curve(m.center)
    nprec = precision_curve(m.norm_center, NORM_PRECISION_THRESHOLDS)
    return {
        "ao": float(np.mean(m.iou)) if m.iou.size else float("nan"),
        "sr50": float(succ[50]),
        "sr75": float(succ[75]),
        "auc": float(np.mean(succ)),
        "precision": float(prec[20]),
        "norm_precision": float(np.mean(nprec)),
        "n_frames": int(m.iou.size),
        "success_curve": succ,
        "precision_curve": prec,
        "norm_precision_curve": nprec,
    }


def concat_measures(items: Sequence[FrameMeasures]) -> FrameMeasures:
    """Pool the frames of several sequences."""
    return FrameMeasures(*(np.concatenate([getattr(m, k) for m in items]) if items else np.zeros(0)
                           for k in ("iou", "center", "norm_center")))
