"""GOT-10k layout: ``<root>/{train,val,test}/list.txt`` and one folder per sequence.

Per sequence: ``00000001.jpg ...``, ``groundtruth.txt`` (comma ``x,y,w,h``; the test split holds the first box
only), ``absence.label`` (1 = target absent), ``cover.label`` (0..8 visible eighths), ``cut_by_image.label`` and
``meta_info.ini`` (a ``[METAINFO]`` header then ``key: value`` lines, e.g. ``resolution: (1920, 1080)``).
The label files are required for train/val (the official toolkit's report needs them) and absent for test.
"""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from .boxfile import read_boxes
from .common import (AnnotationError, BoxLayout, BoxSequence, PathLike, read_flags, read_key_values, read_list_file,
                     require_dir)
from .frames import list_frames

GOT10K_SPLITS = ("train", "val", "test")
GOT10K_FLAGS = ("absence", "cover", "cut_by_image")


def read_got10k_meta(path: PathLike) -> Dict[str, str]:
    """``meta_info.ini`` as a dict (``key: value`` lines; the ``[METAINFO]`` header skipped)."""
    return read_key_values(path, sep=":", what="GOT-10k meta_info.ini")


def got10k_resolution(meta: Dict[str, str], path: Optional[PathLike] = None) -> Optional[Tuple[int, int]]:
    """``(width, height)`` from the ``resolution`` meta key, None when absent."""
    if "resolution" not in meta:
        return None
    try:
        w, h = ast.literal_eval(meta["resolution"])
        return int(w), int(h)
    except (ValueError, SyntaxError, TypeError) as e:
        raise AnnotationError(f"{path or 'meta_info.ini'}: bad resolution {meta['resolution']!r}") from e


class Got10kLayout(BoxLayout):
    """One GOT-10k split. ``require_flags`` makes the three ``.label`` files mandatory (default: not for test)."""

    dataset = "got10k"

    def __init__(self, root: PathLike, split: str = "val", require_flags: Optional[bool] = None):
        if split not in GOT10K_SPLITS:
            raise ValueError(f"GOT-10k split must be one of {GOT10K_SPLITS}, got {split!r}")
        self.root = Path(root)
        self.split = split
        self.split_dir = self.root / split
        self.require_flags = split != "test" if require_flags is None else require_flags
        self._names: Optional[List[str]] = None

    def sequence_names(self) -> List[str]:
        if self._names is None:
            require_dir(self.split_dir, f"GOT-10k {self.split} folder")
            self._names = read_list_file(self.split_dir / "list.txt", "GOT-10k list.txt")
        return list(self._names)

    def sequence_dir(self, name: str) -> Path:
        """Folder of sequence ``name``."""
        return self.split_dir / name

    def sequence(self, name: str) -> BoxSequence:
        seq_dir = require_dir(self.sequence_dir(name), "GOT-10k sequence folder")
        frames = list_frames(seq_dir, (".jpg",), "GOT-10k sequence folder")
        n = len(frames)
        boxes = read_boxes(seq_dir / "groundtruth.txt", n, first_only=self.split == "test",
                           what="GOT-10k groundtruth.txt")
        flags: Dict[str, np.ndarray] = {}
        for key in GOT10K_FLAGS:
            path = seq_dir / f"{key}.label"
            if path.is_file() or self.require_flags:
                flags[key] = read_flags(path, n, what=f"GOT-10k {key}.label")
        visible = None
        if "absence" in flags:
            visible = flags["absence"] == 0
            if "cover" in flags:
                visible &= flags["cover"] > 0
        meta_path = seq_dir / "meta_info.ini"
        meta = read_got10k_meta(meta_path) if meta_path.is_file() else {}
        got10k_resolution(meta, meta_path)  # validate early, naming the file
        return BoxSequence(name=name, frames=frames, boxes=boxes, visible=visible, flags=flags, meta=meta,
                           dataset=self.dataset)
