"""TrackingNet layout: ``<root>/<split>/anno/<seq>.txt`` and ``<root>/<split>/frames/<seq>/<n>.jpg``.

Splits are ``TRAIN_0`` ... ``TRAIN_11`` (full comma ``x,y,w,h`` annotation, one line per frame) and ``TEST`` (first
box only). Frames are named ``0.jpg, 1.jpg, ...`` and are sorted **numerically** (``10.jpg`` after ``9.jpg``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from .boxfile import read_boxes
from .common import (AnnotationError, BoxLayout, BoxSequence, MissingFileError, PathLike, require_dir)
from .frames import list_frames

TRACKINGNET_TRAIN_SPLITS = tuple(f"TRAIN_{i}" for i in range(12))
TRACKINGNET_SPLITS = TRACKINGNET_TRAIN_SPLITS + ("TEST",)


def trackingnet_split_names(root: PathLike, split: str) -> List[str]:
    """Sequence names of one split (stems of ``<root>/<split>/anno/*.txt``, sorted)."""
    anno = require_dir(Path(root) / split / "anno", f"TrackingNet {split}/anno folder")
    names = sorted(p.stem for p in anno.glob("*.txt"))
    if not names:
        raise MissingFileError(f"No annotation files in {anno}")
    return names


class TrackingNetLayout(BoxLayout):
    """Sequences of one or more TrackingNet splits (``'TEST'``, ``'TRAIN_0'``, ... or a list of them)."""

    dataset = "trackingnet"

    def __init__(self, root: PathLike, splits: Union[str, Sequence[str]] = "TEST"):
        self.root = Path(root)
        self.splits = [splits] if isinstance(splits, str) else list(splits)
        bad = [s for s in self.splits if s not in TRACKINGNET_SPLITS]
        if bad or not self.splits:
            raise ValueError(f"Unknown TrackingNet split(s) {bad}; known: {TRACKINGNET_SPLITS}")
        self._split_of: Optional[Dict[str, str]] = None

    def _index(self) -> Dict[str, str]:
        if self._split_of is None:
            split_of: Dict[str, str] = {}
            for split in self.splits:
                for name in trackingnet_split_names(self.root, split):
                    if name in split_of:
                        raise AnnotationError(f"TrackingNet sequence {name} appears in {split_of[name]} and {split}")
                    split_of[name] = split
            self._split_of = split_of
        return self._split_of

    def sequence_names(self) -> List[str]:
        return list(self._index())

    def split_of(self, name: str) -> str:
        """The split holding sequence ``name``."""
        try:
            return self._index()[name]
        except KeyError:
            raise KeyError(f"No TrackingNet sequence {name!r} in splits {self.splits}") from None

    def sequence(self, name: str) -> BoxSequence:
        split = self.split_of(name)
        base = self.root / split
        frames = list_frames(base / "frames" / name, (".jpg",), "TrackingNet frame folder")
        boxes = read_boxes(base / "anno" / f"{name}.txt", len(frames), first_only=split == "TEST",
                           what="TrackingNet annotation")
        return BoxSequence(name=name, frames=frames, boxes=boxes, meta={"split": split}, dataset=self.dataset)
