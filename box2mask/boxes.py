"""Box geometry shared by the box2mask methods: boxes are ``[x, y, w, h]`` in pixels (x, y = top-left corner).

Pixel convention: a box covers the pixel columns ``floor(x) .. ceil(x + w) - 1`` and the rows
``floor(y) .. ceil(y + h) - 1``, so the tight box of a mask (``x = first column``,
``w = last column - first column + 1``) covers exactly the mask's extent.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

__all__ = ["mask_to_box", "box_to_rect", "box_mask", "crop_rect"]

Rect = Tuple[int, int, int, int]  # x0, y0, x1, y1 (x1, y1 exclusive)


def mask_to_box(mask: np.ndarray) -> Optional[np.ndarray]:
    """Tight box ``[x, y, w, h]`` (float64) of the non-zero pixels of ``mask``; ``None`` for an empty mask."""
    m = np.asarray(mask)
    rows = np.flatnonzero(m.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(m.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1], dtype=np.float64)


def box_to_rect(box: np.ndarray, image_size: Tuple[int, int]) -> Rect:
    """Integer pixel rectangle ``(x0, y0, x1, y1)`` (end exclusive) covered by ``box``, clipped to the image.

    ``image_size`` is ``(width, height)``. The rectangle is at least one pixel wide and high when the box overlaps
    the image; callers validate boxes first (see :func:`box2mask.video.validate_boxes`).
    """
    width, height = int(image_size[0]), int(image_size[1])
    x, y, w, h = (float(v) for v in box)
    x0 = min(max(int(math.floor(x)), 0), width - 1)
    y0 = min(max(int(math.floor(y)), 0), height - 1)
    x1 = max(min(int(math.ceil(x + w)), width), x0 + 1)
    y1 = max(min(int(math.ceil(y + h)), height), y0 + 1)
    return x0, y0, x1, y1


def box_mask(box: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """uint8 0/1 mask of ``shape = (height, width)`` that is 1 on the pixels covered by ``box``."""
    out = np.zeros(shape, dtype=np.uint8)
    x0, y0, x1, y1 = box_to_rect(box, (shape[1], shape[0]))
    out[y0:y1, x0:x1] = 1
    return out


def crop_rect(box: np.ndarray, scale: float, image_size: Tuple[int, int], min_margin: int = 8) -> Rect:
    """Rectangle around ``box`` whose sides are ``scale`` times the box's (at least ``min_margin`` pixels of
    context on each side), centred on the box and clipped to the image (``image_size = (width, height)``)."""
    width, height = int(image_size[0]), int(image_size[1])
    bx0, by0, bx1, by1 = box_to_rect(box, image_size)
    bw, bh = bx1 - bx0, by1 - by0
    mx = max(int(round((scale - 1.0) * bw / 2.0)), min_margin)
    my = max(int(round((scale - 1.0) * bh / 2.0)), min_margin)
    return max(bx0 - mx, 0), max(by0 - my, 0), min(bx1 + mx, width), min(by1 + my, height)
