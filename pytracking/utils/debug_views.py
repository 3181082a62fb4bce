"""Tracker debug output, driven by the ``debug`` parameter (and ``debug_dir``):

* ``debug >= 1``: one log line per frame with the target state (INFO level of the tracker's logger);
* ``debug >= 2``: also images per frame in ``<debug_dir>/<sequence>[/object_<id>]/``: ``<frame>_<view>.png``.
  Score maps are drawn with a colour map scaled to their own range (the range is in the log at level 2); the
  memory weights as a bar chart (one bar per stored sample, the initial sample first).

``debug_dir`` defaults to ``./pytracking_debug``; ``pytracking video`` points it into its ``--out`` folder.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Optional, Sequence

import cv2
import numpy as np
import torch

from ltr.data.image_io import write_image

DEFAULT_DEBUG_DIR = "pytracking_debug"


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", str(name)) or "sequence"


def heatmap(values: Any) -> np.ndarray:
    """A 2-D array as an RGB image (jet colour map over its own min..max; a constant map is dark blue)."""
    a = values.detach().float().cpu().numpy() if isinstance(values, torch.Tensor) else np.asarray(values, np.float32)
    a = np.squeeze(a)
    if a.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D map, got shape {a.shape}")
    lo, hi = float(np.min(a)), float(np.max(a))
    scaled = np.zeros(a.shape, np.uint8) if hi <= lo else ((a - lo) / (hi - lo) * 255).astype(np.uint8)
    return cv2.cvtColor(cv2.applyColorMap(scaled, cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def bar_chart(values: Sequence[float], height: int = 120, bar: int = 12) -> np.ndarray:
    """Non-negative values as a bar chart image (tallest bar = full height)."""
    v = np.clip(np.asarray(values, np.float64).reshape(-1), 0, None)
    img = np.full((height, max(1, len(v)) * bar, 3), 255, np.uint8)
    top = v.max() if v.size and v.max() > 0 else 1.0
    for i, x in enumerate(v):
        h = int(round(x / top * (height - 2)))
        cv2.rectangle(img, (i * bar + 1, height - 1 - h), ((i + 1) * bar - 2, height - 1), (40, 90, 200), -1)
    return img


class DebugViews:
    """Per-tracker debug sink: ``views = DebugViews(params, logger, sequence, object_id)``."""

    def __init__(self, params: Any, logger: logging.Logger, sequence: Optional[str] = None,
                 object_id: Optional[str] = None):
        self.level = int(params.get("debug", 0) or 0)
        self.logger = logger
        self.name = _safe(sequence or "sequence") + ("" if object_id is None else f" object {object_id}")
        folder = Path(params.get("debug_dir", None) or DEFAULT_DEBUG_DIR) / _safe(sequence or "sequence")
        self.folder = folder if object_id is None else folder / f"object_{_safe(object_id)}"

    def state(self, frame: int, **values: Any) -> None:
        """Level >= 1: one log line with the named values (tensors shown as lists)."""
        if self.level < 1:
            return
        parts = []
        for k, v in values.items():
            if isinstance(v, torch.Tensor):
                v = [round(float(x), 2) for x in v.reshape(-1).tolist()] if v.numel() > 1 else round(float(v), 4)
            elif isinstance(v, float):
                v = round(v, 4)
            parts.append(f"{k}={v}")
        self.logger.info("%s frame %d: %s", self.name, frame, " ".join(parts))

    def image(self, frame: int, view: str, rgb: np.ndarray) -> Optional[Path]:
        """Level >= 2: save an RGB image as ``<frame:05d>_<view>.png``."""
        if self.level < 2:
            return None
        path = self.folder / f"{frame:05d}_{view}.png"
        write_image(path, np.ascontiguousarray(rgb))
        return path

    def map(self, frame: int, view: str, values: Any) -> Optional[Path]:
        """Level >= 2: save a 2-D map as a heat map (its range goes to the log)."""
        if self.level < 2:
            return None
        a = values.detach().float().cpu() if isinstance(values, torch.Tensor) else torch.as_tensor(values)
        self.logger.info("%s frame %d: %s range [%.4g, %.4g]", self.name, frame, view, float(a.min()), float(a.max()))
        return self.image(frame, view, heatmap(a))
