"""Mosaics for joint GrabCut: the target frame's crop on the left, the other window frames' crops (smaller) in
columns of two to its right, so that one GrabCut run learns its colour models from all frames at once."""
from __future__ import annotations

from typing import List, Tuple

import cv2
import numpy as np

__all__ = ["context_sizes", "assemble", "filter_components"]


def context_sizes(count: int, width: int, height: int, scale: float) -> List[Tuple[int, int]]:
    """Cell sizes ``(w, h)`` for ``count`` context frames beside a ``width x height`` target cell: columns
    ``scale * width`` wide holding two cells each (the last column one cell when ``count`` is odd), so the mosaic is
    a full rectangle without padding (context crops are resized to their cells; their aspect does not matter for
    colour models)."""
    cw = max(int(round(width * scale)), 1)
    sizes: List[Tuple[int, int]] = []
    for k in range(0, count, 2):
        if k + 1 < count:
            sizes += [(cw, max(height // 2, 1)), (cw, max(height - height // 2, 1))]
        else:
            sizes.append((cw, height))
    return sizes


def assemble(cells: List[np.ndarray]) -> np.ndarray:
    """Arrange the target cell and the context cells laid out by :func:`context_sizes` into one array."""
    columns = [cells[0]]
    for k in range(1, len(cells), 2):
        columns.append(np.concatenate(cells[k:k + 2], axis=0))
    return np.ascontiguousarray(np.concatenate(columns, axis=1))


def filter_components(mask: np.ndarray, score: np.ndarray, ratio: float) -> np.ndarray:
    """Drop connected parts of ``mask`` whose mean score is below ``ratio`` times the mean score of the whole mask
    (pieces of background that GrabCut's colour models took for the object although their appearance also occurs
    outside the boxes). The part with the largest total score is always kept."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    sums = np.bincount(labels.reshape(-1), weights=score.reshape(-1), minlength=count)[1:]
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    means = sums / np.maximum(areas, 1)
    keep = means >= ratio * (sums.sum() / max(areas.sum(), 1))
    keep[int(np.argmax(sums))] = True
    return np.concatenate([[0], keep.astype(np.uint8)])[labels].astype(np.uint8)
