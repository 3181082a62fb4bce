"""The one reader of per-frame box files (``x,y,w,h`` per line), used by every command and dataset layout.

Accepted: UTF-8 text with or without a byte-order mark, ``\\n`` / ``\\r\\n`` line ends, values separated by commas,
semicolons, tabs or spaces, and unknown boxes written as ``nan`` (one ``nan`` or four ``nan`` values; the row is NaN).
Empty lines at the end are ignored. Anything else is an :class:`AnnotationError` naming the file and the line: an
empty line between boxes (it would shift every later box by one frame; write ``nan`` there), a line without exactly
four numbers (a VOT polygon is named as such), bytes that are not UTF-8, or a box count that does not match the
frames.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import List, Optional

import numpy as np

from .common import AnnotationError, PathLike, parse_numbers, read_text

__all__ = ["read_boxes", "read_box_lines"]


def _describe(values: List[float]) -> str:
    n = len(values)
    if n >= 6 and n % 2 == 0:
        return f"{n} values (a polygon x1,y1,...,x{n // 2},y{n // 2}, as in VOT ground truth?)"
    return f"{n} value{'s' if n != 1 else ''}"


def read_box_lines(path: PathLike, what: str = "box file") -> np.ndarray:
    """All boxes of a box file as ``(N, 4)`` float64, NaN rows for ``nan`` lines (see the module rules)."""
    path = Path(path)
    lines = read_text(path, what).splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    rows = np.full((len(lines), 4), np.nan)
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            raise AnnotationError(f"{path}, line {i + 1}: empty line between boxes (every line is one frame; write "
                                  f"'nan' for a frame without a box)")
        try:
            values = parse_numbers(text)
        except ValueError:
            raise AnnotationError(f"{path}, line {i + 1}: not numbers: {text[:80]!r} (expected x,y,w,h)") from None
        if len(values) in (1, 4) and all(math.isnan(v) for v in values):
            continue  # unknown / absent: NaN row
        if len(values) != 4:
            raise AnnotationError(f"{path}, line {i + 1}: expected 4 values x,y,w,h, got {_describe(values)}: "
                                  f"{text[:80]!r}")
        rows[i] = values
    return rows


def read_boxes(path: PathLike, n_frames: Optional[int] = None, *, one_based: bool = False,
               first_only: bool = False, what: str = "ground-truth file") -> np.ndarray:
    """Read ``x, y, w, h`` boxes as ``(N, 4)`` float64 (NaN rows where unknown).

    Args:
        path: the annotation file.
        n_frames: when given, the number of boxes must equal it (else :class:`AnnotationError` naming the file),
            except with ``first_only``.
        one_based: subtract 1 from x and y (OTB's Matlab convention).
        first_only: the file publishes only the first box (test splits): the result has ``n_frames`` rows, all NaN
            but the first; extra lines raise.
        what: wording for error messages.
    """
    path = Path(path)
    boxes = read_box_lines(path, what)
    if len(boxes) == 0:
        raise AnnotationError(f"Empty {what}: {path}")
    if one_based:
        boxes[:, :2] -= 1.0
    if first_only:
        if len(boxes) != 1:
            raise AnnotationError(f"{path}: expected only the first-frame box, got {len(boxes)} lines")
        n = 1 if n_frames is None else n_frames
        out = np.full((n, 4), np.nan)
        out[0] = boxes[0]
        return out
    if n_frames is not None and len(boxes) != n_frames:
        raise AnnotationError(f"{path} has {len(boxes)} boxes but the sequence has {n_frames} frames")
    return boxes
