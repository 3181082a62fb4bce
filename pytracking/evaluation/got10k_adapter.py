"""Run one of our trackers inside the official GOT-10k toolkit (``got10k.experiments.ExperimentGOT10k``).

The toolkit calls ``init(image, box)`` / ``update(image) -> box`` with PIL images; we hand our tracker RGB numpy
arrays and the box as a list of floats, as the pytracking contract expects, and build a fresh tracker per sequence
(parameters, and a network they hold, are built once).

    from got10k.experiments import ExperimentGOT10k
    exp = ExperimentGOT10k(root, subset="val", result_dir="out/results", report_dir="out/reports")
    exp.run(Got10kToolkitTracker(Tracker("lwl", "lwl_boxinit")))
    exp.report(["lwl_lwl_boxinit"])
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np
from got10k.trackers import Tracker as Got10kBaseTracker

from ltr.data.image_io import pil_to_rgb as image_pil_to_rgb
from ltr.dataset.layouts import mask_bbox

from .tracker import Tracker


def pil_to_rgb(image: Any) -> np.ndarray:
    """A PIL image (any mode) as an RGB uint8 ``(H, W, 3)`` array, upright as the project's decoder returns frames
    (EXIF orientation applied: :func:`ltr.data.image_io.pil_to_rgb`); arrays pass through."""
    if isinstance(image, np.ndarray):
        return np.asarray(image, dtype=np.uint8)
    return image_pil_to_rgb(image)


class Got10kToolkitTracker(Got10kBaseTracker):
    """A ``got10k.trackers.Tracker`` around a pytracking-style tracker.

    Args:
        tracker: which tracker / parameter set to run.
        name: name in the toolkit's result folders (default: ``tracker.display_name``).
        is_deterministic: False makes the toolkit run three repetitions per sequence.
        overrides: strict parameter overrides (``TrackerParams.override``).
    """

    def __init__(self, tracker: Tracker, name: Optional[str] = None, is_deterministic: bool = True,
                 overrides: Optional[Dict[str, Any]] = None):
        super().__init__(name=name or tracker.display_name, is_deterministic=is_deterministic)
        self.tracker = tracker
        self.overrides = dict(overrides or {})
        self._params = None
        self._impl = None

    def init(self, image, box) -> None:
        """Start a fresh tracker on the first frame (``box``: 0-based x, y, w, h)."""
        if self._params is None:
            self._params = self.tracker.get_parameters(**self.overrides)
        self._impl = self.tracker.create_tracker(self._params)
        self._impl.initialize(pil_to_rgb(image), {"init_bbox": [float(v) for v in np.asarray(box).reshape(-1)]})

    def update(self, image) -> np.ndarray:
        """Track into the next frame; returns ``[x, y, w, h]``."""
        if self._impl is None:
            raise RuntimeError("update() called before init()")
        out = self._impl.track(pil_to_rgb(image), {})
        box = out.get("target_bbox")
        if box is None:
            if out.get("segmentation") is None:
                raise ValueError(f"{self.name}: tracker output has neither 'target_bbox' nor 'segmentation'")
            box = mask_bbox(out["segmentation"])
        return np.asarray(box, dtype=np.float64).reshape(4)
