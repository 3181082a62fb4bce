"""Failure gallery of a box-to-mask evaluation: the N frames with the lowest J, each shown as the frame with the
input box, the ground truth and the prediction (one row per frame, worst first), in one PNG per method.

Frame J is the mean over the objects present in that frame's ground truth or prediction (DAVIS J per object; a frame
where both are empty is not a failure and never enters the gallery). Only thumbnails of the current worst N frames are
kept while the evaluation runs, so memory stays bounded on long datasets.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from ltr.data.image_io import write_image
from pytracking.analysis.vos_metrics import region_similarity
from pytracking.utils.visualization import draw_overlay

PathLike = Union[str, Path]


@dataclass(order=True)
class GalleryEntry:
    """One candidate frame (ordered by J, worst first in the gallery)."""

    j: float
    sequence: str = field(compare=False)
    frame: int = field(compare=False)
    tiles: List[np.ndarray] = field(compare=False, repr=False)


def frame_j(gt: np.ndarray, pred: np.ndarray) -> Optional[float]:
    """Mean J over the objects in ``gt`` or ``pred`` (label maps); None when both are empty."""
    ids = sorted((set(np.unique(gt)) | set(np.unique(pred))) - {0})
    if not ids:
        return None
    return float(np.mean([region_similarity(gt == i, pred == i) for i in ids]))


def _thumb(image: np.ndarray, width: int) -> np.ndarray:
    h, w = image.shape[:2]
    if w <= width:
        return image
    return cv2.resize(image, (width, max(1, int(round(h * width / w)))), interpolation=cv2.INTER_AREA)


class FailureGallery:
    """Collects the ``size`` worst frames over the sequences fed to :meth:`add`; :meth:`write` draws them."""

    def __init__(self, size: int = 12, tile_width: int = 320):
        self.size = int(size)
        self.tile_width = int(tile_width)
        self._heap: List[Tuple[float, int, GalleryEntry]] = []   # max-heap on J via negation
        self._count = itertools.count()

    def add(self, sequence: str, frames: Sequence[np.ndarray], gt: Dict[int, np.ndarray],
            pred: Dict[int, np.ndarray], boxes: Dict[int, Dict[int, Optional[np.ndarray]]]) -> None:
        """Frames of one sequence: RGB images by index, GT / predicted label maps by frame index, and per frame the
        input boxes per object ``{frame: {object: [x, y, w, h] or None}}``."""
        for t in sorted(pred):
            j = frame_j(gt[t], pred[t])
            if j is None or self.size <= 0:
                continue
            if len(self._heap) >= self.size and -self._heap[0][0] <= j:
                continue
            image = frames[t]
            tiles = [_thumb(draw_overlay(image, None, boxes.get(t, {}), index=t, label=f"{sequence} J={j:.2f}"),
                            self.tile_width),
                     _thumb(draw_overlay(image, gt[t], boxes.get(t, {}), label="ground truth"), self.tile_width),
                     _thumb(draw_overlay(image, pred[t], boxes.get(t, {}), label="prediction"), self.tile_width)]
            entry = GalleryEntry(j, sequence, t, tiles)
            heapq.heappush(self._heap, (-j, next(self._count), entry))
            if len(self._heap) > self.size:
                heapq.heappop(self._heap)

    @property
    def entries(self) -> List[GalleryEntry]:
        """The kept frames, worst (lowest J) first."""
        return sorted((e for _, _, e in self._heap), key=lambda e: (e.j, e.sequence, e.frame))

    def write(self, path: PathLike) -> Optional[Path]:
        """One PNG: a row (frame + box | ground truth | prediction) per kept frame, worst first; None if empty."""
        entries = self.entries
        if not entries:
            return None
        width = max(sum(t.shape[1] for t in e.tiles) for e in entries)
        rows = []
        for e in entries:
            row = np.concatenate(e.tiles, axis=1)
            if row.shape[1] < width:
                row = np.pad(row, ((0, 0), (0, width - row.shape[1]), (0, 0)))
            rows.append(row)
        write_image(path, np.concatenate(rows, axis=0))
        return Path(path)
