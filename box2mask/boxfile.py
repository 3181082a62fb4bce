"""Reading per-frame box files (``x,y,w,h`` per line) and absent-flag files, with errors naming file and line."""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

__all__ = ["read_box_file", "read_flag_file", "BoxFileError"]

_SPLIT = re.compile(r"[,\s;]+")


class BoxFileError(ValueError):
    """A box or flag file cannot be parsed (the message names the file and the line)."""


def read_box_file(path: Union[str, Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes ``(N, 4)`` float64 and absent flags ``(N,)`` from a text file with one ``x,y,w,h`` per line
    (separated by commas, semicolons or whitespace; GOT-10k / LaSOT / OTB style).

    A line of only ``nan`` values (one or four of them, e.g. ``nan`` or ``nan,nan,nan,nan``) marks the frame as
    absent. Other lines must hold exactly four numbers. Trailing empty lines are ignored; an empty line between
    boxes is an error.
    """
    path = Path(path)
    if not path.is_file():
        raise BoxFileError(f"Box file not found: {path}")
    lines = path.read_text().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    boxes = np.full((len(lines), 4), np.nan)
    absent = np.zeros(len(lines), dtype=bool)
    for i, line in enumerate(lines):
        tokens = [t for t in _SPLIT.split(line.strip()) if t]
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise BoxFileError(f"{path}, line {i + 1}: not numbers: {line!r}") from None
        if values and all(math.isnan(v) for v in values) and len(values) in (1, 4):
            absent[i] = True
            continue
        if len(values) != 4:
            raise BoxFileError(f"{path}, line {i + 1}: expected 4 values x,y,w,h, got {len(values)}: {line!r}")
        boxes[i] = values
    return boxes, absent


def read_flag_file(path: Union[str, Path], expected: Optional[int] = None) -> np.ndarray:
    """Per-frame flags ``(N,)`` bool from a file with one ``0``/``1`` (or ``true``/``false``) per line; with
    ``expected`` the count must match."""
    path = Path(path)
    if not path.is_file():
        raise BoxFileError(f"Flag file not found: {path}")
    lines = path.read_text().splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    flags = []
    for i, line in enumerate(lines):
        token = line.strip().lower()
        if token in ("1", "true", "yes"):
            flags.append(True)
        elif token in ("0", "false", "no"):
            flags.append(False)
        else:
            raise BoxFileError(f"{path}, line {i + 1}: expected 0/1, got {line!r}")
    if expected is not None and len(flags) != expected:
        raise BoxFileError(f"{path}: {len(flags)} flags for {expected} frames")
    return np.asarray(flags, dtype=bool)
