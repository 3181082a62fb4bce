"""The one frame-listing rule of the project: which files of a folder are frames, and in which order.

Every reader of frame folders (``box2mask predict`` / ``annotate`` / ``evaluate``, the dataset layouts used for
training and evaluation, the VOT sequence converter) calls :func:`list_frames`, so a folder gives the same frames in
the same order everywhere:

* frames are the files whose extension (case-insensitive) is one of ``exts``; hidden files (``.*``, e.g. macOS
  ``._00001.jpg``) and other files are ignored;
* order is *natural*: the digit runs of a name compare as numbers, the rest as lower-case text, so ``0.jpg, 1.jpg,
  ..., 10.jpg`` (TrackingNet), ``00001.jpg ...`` (GOT-10k, DAVIS) and ``frame_2.png < frame_10.png`` all come out in
  temporal order;
* ambiguous folders are an error naming the files: two files for one frame (``00005.jpg`` and ``00005.png``, or
  ``1.jpg`` and ``01.jpg``), or several image types in one folder (``.jpg`` and ``.png``).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

from .common import AnnotationError, MissingFileError, require_dir

__all__ = ["IMAGE_EXTS", "list_frames", "natural_key"]

#: Image types a frame folder may hold (one of them per folder).
IMAGE_EXTS: Tuple[str, ...] = (".jpg", ".jpeg", ".png", ".bmp")

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> Tuple[Union[str, int], ...]:
    """Sort key of a file stem: text runs lower-cased, digit runs as integers (``'f10'`` -> ``('f', 10, '')``)."""
    parts = _DIGITS.split(name.lower())
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def _show(names: Sequence[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def list_frames(folder: Union[str, Path], exts: Sequence[str] = IMAGE_EXTS, what: str = "frame folder") -> List[Path]:
    """Frame files of ``folder`` in natural (temporal) order.

    Raises :class:`MissingFileError` for a missing folder or one without frames, and :class:`AnnotationError`
    (naming the files) when two files map to one frame or the folder mixes image types.
    """
    folder = require_dir(folder, what)
    lower = tuple(e.lower() for e in exts)
    files = [p for p in folder.iterdir()
             if p.suffix.lower() in lower and not p.name.startswith(".") and p.is_file()]
    if not files:
        raise MissingFileError(f"No frames ({', '.join(exts)}) in {what} {folder}")
    by_key: Dict[tuple, List[str]] = defaultdict(list)
    for p in files:
        by_key[natural_key(p.stem)].append(p.name)
    clashes = [sorted(names) for names in by_key.values() if len(names) > 1]
    if clashes:
        listed = "; ".join(" and ".join(names) for names in sorted(clashes)[:3])
        raise AnnotationError(f"{what} {folder} has several files for one frame ({listed}"
                              f"{'; ...' if len(clashes) > 3 else ''}): keep one image per frame")
    types = Counter(p.suffix.lower() for p in files)
    if len(types) > 1:
        main_type = types.most_common(1)[0][0]
        odd = sorted(p.name for p in files if p.suffix.lower() != main_type)
        counts = ", ".join(f"{n} {ext}" for ext, n in types.most_common())
        raise AnnotationError(f"{what} {folder} mixes image types ({counts}; not {main_type}: {_show(odd)}): keep "
                              f"one image type per frame folder")
    return sorted(files, key=lambda p: natural_key(p.stem))
