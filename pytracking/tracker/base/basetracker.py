"""The tracker contract every tracker in ``pytracking/tracker/<name>/`` follows (pytracking's vocabulary).

``initialize(image, info) -> dict`` is called on the first frame with ``info['init_bbox']`` ([x, y, w, h], 0-based
pixels) and/or ``info['init_mask']`` (uint8 ``(H, W)``, 1 = target). ``track(image, info) -> dict`` is called on each
later frame. Images are RGB uint8 ``(H, W, 3)``. Outputs use the keys ``target_bbox`` ([x, y, w, h] floats),
``segmentation`` (uint8 ``(H, W)`` mask, for trackers that predict masks) and optionally ``segmentation_raw``,
``time`` is added by the runner. Multi-object runs wrap a single-object tracker (``MultiObjectWrapper``).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from pytracking.utils.params import TrackerParams


class BaseTracker:
    """Base class: holds the parameters; subclasses implement ``initialize`` and ``track``."""

    #: Whether ``track`` outputs a ``segmentation`` mask (VOT runs then report masks).
    predicts_segmentation_mask: bool = False

    def __init__(self, params: TrackerParams):
        self.params = params
        self.frame_num = 0

    def initialize(self, image: np.ndarray, info: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """Start tracking on the first frame."""
        raise NotImplementedError

    def track(self, image: np.ndarray, info: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Track into a new frame."""
        raise NotImplementedError
