"""Overlays of written masks: for ``box2mask predict --overlay`` (``<out>/overlay/``) and ``box2mask annotate
--overlay`` (``<out>/overlays/<sequence>.*``).

The masks are read back from the PNGs on disk, so an overlay shows what was written -- also after a resumed run.
Each overlay is a video (masks tinted, the input box drawn, frame index; every ``every``-th frame for long sequences)
plus a contact sheet of evenly spaced frames. Frames without a mask (absent object, not annotated) show the frame and
the box only. Nothing is written inside a sequence's mask folder, which must hold only its masks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import numpy as np

from ltr.data.image_io import read_image, read_mask
from pytracking.utils.visualization import overlay_sequence

PathLike = Union[str, Path]


def write_mask_overlay(frames: Sequence[PathLike], mask_paths: Sequence[Optional[PathLike]], boxes: np.ndarray,
                       valid: Optional[np.ndarray], video_path: Path, sheet_path: Optional[Path] = None,
                       every: int = 1, fps: float = 25.0) -> Dict[str, Path]:
    """Overlay video (and contact sheet) of ``frames`` with the masks at ``mask_paths`` (None / missing: no mask)
    and the boxes (``valid`` False: no box)."""
    n = len(frames)
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)

    def labels():
        for p in mask_paths:
            yield read_mask(p) if p is not None and Path(p).is_file() else None

    box_list = [{"1": boxes[i]} if valid[i] else {} for i in range(n)]
    images = (read_image(f, context=f"frame {i}") for i, f in enumerate(frames))
    return overlay_sequence(images, labels(), box_list, video_path, fps=fps, sheet_path=sheet_path,
                            every=every, num_frames=n)
