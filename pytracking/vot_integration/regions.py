"""Region conversions between TraX / VOT and the pytracking tracker contract.

Conventions (pytracking / VOT2020): a box is ``[x, y, w, h]`` in 0-based pixels; the *tight box* of a mask is
``[xmin, ymin, xmax - xmin + 1, ymax - ymin + 1]`` (inclusive pixel extent, as libtrax and pytracking's
``masks_to_bboxes(mask, 't')`` compute it). The VOT mask text codec (RLE) lives in
:mod:`ltr.dataset.layouts.vot_folder` (``encode_vot_mask`` / ``decode_vot_mask``). Pure numpy.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

Box = List[float]


class RegionFormatError(ValueError):
    """A region string or array is malformed."""


def mask_bounds(mask: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """``(xmin, ymin, xmax, ymax)`` (inclusive) of the non-zero pixels, or ``None`` for an empty mask."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RegionFormatError(f"Mask must be 2-D, got shape {mask.shape}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def tight_box(mask: np.ndarray) -> Optional[Box]:
    """The tight box ``[xmin, ymin, xmax - xmin + 1, ymax - ymin + 1]`` of a mask, ``None`` if it is empty."""
    b = mask_bounds(mask)
    if b is None:
        return None
    x0, y0, x1, y1 = b
    return [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]


def fit_to_image(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """Zero-pad (right/bottom) or crop a mask anchored at image (0, 0) to ``(height, width)``; values -> 0/1 uint8.

    A ``trax.Mask``'s ``array(True)`` is padded only top/left by its offset, so it is as large as the mask's
    extent, not the image: this makes it full size.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RegionFormatError(f"Mask must be 2-D, got shape {mask.shape}")
    out = np.zeros((height, width), dtype=np.uint8)
    h, w = min(height, mask.shape[0]), min(width, mask.shape[1])
    out[:h, :w] = mask[:h, :w] > 0
    return out


def crop_to_bounds(mask: np.ndarray) -> Tuple[np.ndarray, int, int]:
    """``(crop, x0, y0)``: the C-contiguous 0/1 uint8 bounding-box crop of a mask (``1 x 1`` zero crop if empty)."""
    b = mask_bounds(mask)
    if b is None:
        return np.zeros((1, 1), dtype=np.uint8), 0, 0
    x0, y0, x1, y1 = b
    crop = (np.asarray(mask)[y0:y1 + 1, x0:x1 + 1] > 0).astype(np.uint8)
    return np.ascontiguousarray(crop), x0, y0


def box_to_mask(box: Sequence[float], width: int, height: int) -> np.ndarray:
    """Rasterise ``[x, y, w, h]`` to a 0/1 mask: the pixels whose centre ``(c + 0.5, r + 0.5)`` lies in
    ``[x, x + w) x [y, y + h)`` (clipped to the image); an integer box covers columns ``x .. x + w - 1``."""
    x, y, w, h = (float(v) for v in box)
    x0, y0 = math.ceil(x - 0.5), math.ceil(y - 0.5)
    x1, y1 = math.ceil(x + w - 0.5), math.ceil(y + h - 0.5)
    out = np.zeros((height, width), dtype=np.uint8)
    out[max(0, y0):max(0, min(height, y1)), max(0, x0):max(0, min(width, x1))] = 1
    return out


def polygon_to_mask(points: Sequence[Sequence[float]], width: int, height: int) -> np.ndarray:
    """Rasterise a polygon ``[[x1, y1], ..., [xn, yn]]`` to a 0/1 ``(height, width)`` mask exactly as vot-toolkit's
    ``vot.region.raster.rasterize_polygon`` does (a port of its scan-line fill: vertices rounded to whole pixels,
    crossings truncated, the pixels between each pair of crossings filled inclusively), so converted ground truth is
    the mask the toolkit itself would compute."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) < 3 or not np.all(np.isfinite(pts)):
        raise RegionFormatError(f"A polygon needs at least 3 finite points, got {pts.tolist()}")
    poly = np.round(pts)
    xs, ys = poly[:, 0], poly[:, 1]
    xj, yj = np.roll(xs, 1), np.roll(ys, 1)  # edge i joins vertex j = i - 1 and vertex i
    out = np.zeros((height, width), dtype=np.uint8)
    for row in range(height):
        crosses = (((ys <= row) & (yj > row)) | ((yj <= row) & (ys > row)) | ((ys < row) & (yj >= row))
                   | ((yj < row) & (ys >= row)) | ((ys == yj) & (ys == row)))
        nodes: List[int] = []
        for i in np.flatnonzero(crosses):
            r, k = yj[i] - ys[i], xj[i] - xs[i]
            nodes.append(int(xs[i] + (row - ys[i]) / r * k) if r != 0 else int(xs[i]))
        nodes.sort()
        i = 0
        while i < len(nodes) - 1:
            if nodes[i] >= width:
                break
            if nodes[i] == nodes[i + 1] and i < len(nodes) - 2:  # a vertex on the row gives two equal crossings
                i += 1
                continue
            if nodes[i + 1] >= 0:
                out[row, max(nodes[i], 0):min(nodes[i + 1], width - 1) + 1] = 1
            i += 2
    return out
