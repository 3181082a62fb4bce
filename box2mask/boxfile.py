"""Box files and absent-flag files of ``box2mask predict``, read by the project's one box-file reader.

The box format and its rules (BOM, CRLF, separators, ``nan`` rows, errors naming file and line) are those of
:mod:`ltr.dataset.layouts.boxfile`, which every dataset layout and command uses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple, Union

import numpy as np

from ltr.dataset.layouts import AnnotationError, read_box_lines, read_text

__all__ = ["read_box_file", "read_flag_file", "BoxFileError"]

#: A box or flag file cannot be parsed (the message names the file and the line).
BoxFileError = AnnotationError


def read_box_file(path: Union[str, Path]) -> Tuple[np.ndarray, np.ndarray]:
    """Boxes ``(N, 4)`` float64 and absent flags ``(N,)`` (True where the line is ``nan``) from a box file with
    one ``x,y,w,h`` per line; an empty file is an error."""
    boxes = read_box_lines(path, what="box file")
    if len(boxes) == 0:
        raise BoxFileError(f"Empty box file: {path}")
    return boxes, np.isnan(boxes).all(axis=1)


def read_flag_file(path: Union[str, Path], expected: Optional[int] = None) -> np.ndarray:
    """Per-frame flags ``(N,)`` bool from a file with one ``0``/``1`` (or ``true``/``false``) per line; with
    ``expected`` the count must match."""
    lines = read_text(path, "flag file").splitlines()
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
