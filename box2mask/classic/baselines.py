"""Single-frame baselines: the filled box, and OpenCV GrabCut with the box as its rectangle."""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from box2mask.boxes import box_mask, box_to_rect, crop_rect
from box2mask.classic.base import SingleFrameMethod, grabcut

__all__ = ["FilledBoxMethod", "GrabCutMethod", "GRABCUT_SAMPLE_SCALE"]


class FilledBoxMethod(SingleFrameMethod):
    """The box itself as the mask (the trivial lower bound of every box-to-mask method)."""

    name = "box"

    def predict_frame(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        return box_mask(box, image.shape[:2])


#: GrabCut's default crop side relative to the box: the colour models see local background only. On the 5 dev
#: sequences this scores J 0.703 against 0.667 for the whole frame (docs/benchmarks.md), and it is ~2.4x faster.
GRABCUT_SAMPLE_SCALE = 1.5


class GrabCutMethod(SingleFrameMethod):
    """OpenCV GrabCut on one frame: pixels outside the box are fixed background, inside probable foreground.

    The box2mask default (no learned weights): on real video it was the best no-weights method we measured, see
    docs/benchmarks.md.

    Args:
        iterations: GrabCut iterations (OpenCV's usual 5).
        sample_scale: GrabCut runs on a crop ``sample_scale`` times the box around it (default 1.5: local background
            for the colour models, and faster); ``None`` or ``0`` runs on the whole frame (the textbook setting).
            Pixels outside the crop are background either way.
    """

    name = "grabcut"

    def __init__(self, iterations: int = 5, sample_scale: Optional[float] = GRABCUT_SAMPLE_SCALE):
        if sample_scale is not None and sample_scale < 0:
            raise ValueError(f"sample_scale must be >= 0 (0: whole frame), got {sample_scale}")
        self.iterations = int(iterations)
        self.sample_scale = float(sample_scale) if sample_scale else None

    def predict_frame(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        if self.sample_scale is None:
            x0, y0, x1, y1 = 0, 0, w, h
        else:
            x0, y0, x1, y1 = crop_rect(box, float(self.sample_scale), (w, h))
        bx0, by0, bx1, by1 = box_to_rect(box, (w, h))
        init = np.full((y1 - y0, x1 - x0), cv2.GC_BGD, dtype=np.uint8)
        init[by0 - y0:by1 - y0, bx0 - x0:bx1 - x0] = cv2.GC_PR_FGD
        out = np.zeros((h, w), dtype=np.uint8)
        out[y0:y1, x0:x1] = grabcut(image[y0:y1, x0:x1], init, self.iterations)
        return out
