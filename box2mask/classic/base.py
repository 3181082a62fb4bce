"""Shared pieces of the classic methods: a per-frame method base and an OpenCV GrabCut wrapper."""
from __future__ import annotations

import abc
import logging
from typing import Iterator, Sequence, Tuple

import cv2
import numpy as np

from box2mask.video import VideoFrames

logger = logging.getLogger(__name__)

__all__ = ["SingleFrameMethod", "grabcut"]


class SingleFrameMethod(abc.ABC):
    """A method that segments each target frame from that frame and its box alone."""

    name = "single-frame"

    @abc.abstractmethod
    def predict_frame(self, image: np.ndarray, box: np.ndarray) -> np.ndarray:
        """uint8 ``(H, W)`` 0/1 mask of the object in ``image`` (RGB uint8) given its validated box."""

    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        """See :class:`box2mask.predictor.MaskMethod`."""
        for t in targets:
            yield t, self.predict_frame(video[t], boxes[t])


def grabcut(image: np.ndarray, init: np.ndarray, iterations: int) -> np.ndarray:
    """Run OpenCV GrabCut (``GC_INIT_WITH_MASK``) on RGB uint8 ``image`` from ``init`` (values ``cv2.GC_BGD``,
    ``GC_FGD``, ``GC_PR_BGD``, ``GC_PR_FGD``) and return the 0/1 foreground mask.

    GrabCut needs samples of both classes to fit its colour models; when ``init`` has no (probable) background or
    no (probable) foreground pixel the init itself is returned (its foreground part) without running it.
    If GrabCut labels every pixel background (it can collapse on tiny boxes or flat colours), the start's
    foreground is returned instead: a box always holds some of the object, an empty mask is certainly wrong.
    OpenCV seeds the k-means start of the colour models from its global random generator; it is reset before every
    run so that the result depends on the input only.
    """
    fg = (init == cv2.GC_FGD) | (init == cv2.GC_PR_FGD)
    if not fg.any() or fg.all() or iterations < 1:
        return fg.astype(np.uint8)
    mask = np.ascontiguousarray(init, dtype=np.uint8).copy()
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    bgr = np.ascontiguousarray(image[..., ::-1])
    cv2.setRNGSeed(0)
    cv2.grabCut(bgr, mask, None, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_MASK)
    out = (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)
    if not out.any():
        logger.debug("GrabCut removed all foreground; returning its start")
        out = fg
    return out.astype(np.uint8)
