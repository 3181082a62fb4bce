"""Video object segmentation measures J (region similarity) and F (boundary accuracy), as the DAVIS benchmark defines
them (Perazzi et al., CVPR 2016; davis2017-evaluation), implemented with numpy + OpenCV only.

* J is the intersection over union of the two binary masks; two empty masks count as a perfect 1.0.
* F compares one-pixel-wide boundary maps. The boundary of a mask marks every pixel whose value differs from its right,
  lower or lower-right neighbour (the last row compares only to the right, the last column only downwards, the
  bottom-right corner is never a boundary pixel), so a mask that touches the image border has no boundary along that
  border. A boundary pixel of one mask is *matched* when a boundary pixel of the other mask lies within
  ``ceil(bound_th * image diagonal)`` pixels (``bound_th`` itself when >= 1), i.e. inside a dilation by the disk
  ``x^2 + y^2 <= r^2``. Precision = matched predicted boundary / predicted boundary, recall = matched GT boundary / GT
  boundary, F = 2PR / (P + R) (0 when P + R = 0). Empty boundaries: none in the prediction but some in the GT gives
  P = 1, R = 0; some in the prediction but none in the GT gives P = 0, R = 1; none in both gives P = R = 1 (F = 1).
* Per sequence and object, DAVIS reports the mean over frames and the *recall* = fraction of frames scoring > 0.5.
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
import pandas as pd

__all__ = ["region_similarity", "boundary_f_measure", "boundary_map", "sequence_scores"]


def _as_bool(mask: np.ndarray, name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"{name} must be a 2-D mask, got shape {mask.shape}")
    return mask.astype(bool)


def _check_shapes(gt: np.ndarray, pred: np.ndarray) -> None:
    if gt.shape != pred.shape:
        raise ValueError(f"Ground-truth mask {gt.shape} and prediction {pred.shape} have different sizes")


def region_similarity(gt: np.ndarray, pred: np.ndarray) -> float:
    """J: intersection over union of two binary masks (non-zero = foreground); 1.0 when both are empty."""
    g, p = _as_bool(gt, "gt"), _as_bool(pred, "pred")
    _check_shapes(g, p)
    union = np.count_nonzero(g | p)
    if union == 0:
        return 1.0
    return float(np.count_nonzero(g & p)) / float(union)


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide boundary of a binary mask (DAVIS / BSDS ``seg2bmap`` convention, see the module docstring)."""
    m = _as_bool(mask, "mask")
    right = np.zeros_like(m)
    down = np.zeros_like(m)
    diag = np.zeros_like(m)
    right[:, :-1] = m[:, 1:]
    down[:-1, :] = m[1:, :]
    diag[:-1, :-1] = m[1:, 1:]
    b = (m ^ right) | (m ^ down) | (m ^ diag)
    b[-1, :] = m[-1, :] ^ right[-1, :]
    b[:, -1] = m[:, -1] ^ down[:, -1]
    b[-1, -1] = False
    return b


def _disk(radius: int) -> np.ndarray:
    r = int(radius)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    return ((xx * xx + yy * yy) <= r * r).astype(np.uint8)


def boundary_tolerance(shape: Sequence[int], bound_th: float = 0.008) -> int:
    """Matching distance in pixels: ``bound_th`` itself when >= 1, else ``ceil(bound_th * diagonal)``."""
    if bound_th >= 1:
        return int(bound_th)
    return int(math.ceil(bound_th * math.hypot(shape[0], shape[1])))


def boundary_f_measure(gt: np.ndarray, pred: np.ndarray, bound_th: float = 0.008) -> float:
    """F: boundary F-measure of ``pred`` against ``gt`` with the DAVIS tolerance and empty-boundary rules."""
    g, p = _as_bool(gt, "gt"), _as_bool(pred, "pred")
    _check_shapes(g, p)
    gt_b, pred_b = boundary_map(g), boundary_map(p)
    n_gt, n_pred = int(gt_b.sum()), int(pred_b.sum())
    if n_pred == 0 and n_gt == 0:
        return 1.0
    if n_pred == 0 or n_gt == 0:  # (P, R) = (1, 0) or (0, 1): F = 0
        return 0.0
    kernel = _disk(boundary_tolerance(g.shape, bound_th))
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), kernel).astype(bool)
    pred_dil = cv2.dilate(pred_b.astype(np.uint8), kernel).astype(bool)
    precision = np.count_nonzero(pred_b & gt_dil) / n_pred
    recall = np.count_nonzero(gt_b & pred_dil) / n_gt
    if precision + recall == 0:
        return 0.0
    return float(2.0 * precision * recall / (precision + recall))


def sequence_scores(gt_labels: Sequence[np.ndarray], pred_labels: Sequence[np.ndarray], object_ids: Sequence[int],
                    frames: Optional[Sequence[int]] = None) -> pd.DataFrame:
    """Per-object DAVIS statistics of one sequence.

    Args:
        gt_labels: ground-truth label maps (uint8, 0 background, k = object k), one per frame.
        pred_labels: predicted label maps in the same convention, same length and sizes.
        object_ids: the objects to score (an object missing from a frame is scored as an empty mask there).
        frames: indices into the lists to score (default: all frames).

    Returns:
        One row per object with columns ``object, J_mean, F_mean, JF_mean, J_recall, F_recall, n_frames``
        (recall = fraction of frames with a score > 0.5).
    """
    if len(gt_labels) != len(pred_labels):
        raise ValueError(f"{len(gt_labels)} ground-truth frames but {len(pred_labels)} predicted frames")
    idx = list(range(len(gt_labels))) if frames is None else [int(f) for f in frames]
    for f in idx:
        if not 0 <= f < len(gt_labels):
            raise IndexError(f"Frame index {f} outside the sequence (0..{len(gt_labels) - 1})")
    rows: List[Dict[str, float]] = []
    for obj in object_ids:
        j_vals, f_vals = [], []
        for f in idx:
            g, p = np.asarray(gt_labels[f]), np.asarray(pred_labels[f])
            if g.shape != p.shape:
                raise ValueError(f"Frame {f}: ground truth {g.shape} and prediction {p.shape} have different sizes")
            g_obj, p_obj = g == obj, p == obj
            j_vals.append(region_similarity(g_obj, p_obj))
            f_vals.append(boundary_f_measure(g_obj, p_obj))
        j, fm = np.asarray(j_vals, dtype=np.float64), np.asarray(f_vals, dtype=np.float64)
        n = len(idx)
        j_mean = float(j.mean()) if n else float("nan")
        f_mean = float(fm.mean()) if n else float("nan")
        rows.append({
            "object": int(obj),
            "J_mean": j_mean,
            "F_mean": f_mean,
            "JF_mean": (j_mean + f_mean) / 2.0,
            "J_recall": float((j > 0.5).mean()) if n else float("nan"),
            "F_recall": float((fm > 0.5).mean()) if n else float("nan"),
            "n_frames": n,
        })
    return pd.DataFrame(rows, columns=["object", "J_mean", "F_mean", "JF_mean", "J_recall", "F_recall", "n_frames"])
