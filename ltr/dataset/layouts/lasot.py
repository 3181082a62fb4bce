"""LaSOT layout: ``<root>/<class>/<class>-<n>/{img/00000001.jpg, groundtruth.txt, full_occlusion.txt,
out_of_view.txt, nlp.txt}``.

``groundtruth.txt`` is comma ``x,y,w,h`` (one line per frame); ``full_occlusion.txt`` and ``out_of_view.txt`` hold one
comma-separated line of 0/1 per frame. Splits come from the split files of the LaSOT toolkit placed in the root
(``testing_set.txt`` / ``training_set.txt``, one sequence name per line) or from an explicit file.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from .boxfile import read_boxes
from .common import (BoxLayout, BoxSequence, MissingFileError, PathLike, read_flags, read_list_file, read_text,
                     require_dir)
from .frames import list_frames

LASOT_SPLIT_FILES = {"test": "testing_set.txt", "train": "training_set.txt"}


def lasot_class(name: str) -> str:
    """Class folder of a sequence name (``airplane-1`` -> ``airplane``)."""
    return name.rsplit("-", 1)[0]


class LasotLayout(BoxLayout):
    """LaSOT sequences of a split (``test``/``train`` via the split files, ``all`` = every ``<class>/<seq>`` folder).

    ``split_file`` overrides the split file's location.
    """

    dataset = "lasot"

    def __init__(self, root: PathLike, split: str = "test", split_file: Optional[PathLike] = None):
        if split not in ("test", "train", "all"):
            raise ValueError(f"LaSOT split must be 'test', 'train' or 'all', got {split!r}")
        self.root = Path(root)
        self.split = split
        self.split_file = Path(split_file) if split_file else (
            self.root / LASOT_SPLIT_FILES[split] if split != "all" else None)
        self._names: Optional[List[str]] = None

    def sequence_names(self) -> List[str]:
        if self._names is None:
            require_dir(self.root, "LaSOT root")
            if self.split_file is not None:
                if not self.split_file.is_file():
                    raise MissingFileError(
                        f"Missing LaSOT split file {self.split_file} (from the LaSOT toolkit; or pass split_file=)")
                self._names = read_list_file(self.split_file, "LaSOT split file")
            else:
                self._names = sorted(p.parent.name for p in self.root.glob("*/*/groundtruth.txt"))
                if not self._names:
                    raise MissingFileError(f"No LaSOT sequences (<class>/<seq>/groundtruth.txt) under {self.root}")
        return list(self._names)

    def sequence_dir(self, name: str) -> Path:
        """Folder of sequence ``name``."""
        return self.root / lasot_class(name) / name

    def sequence(self, name: str) -> BoxSequence:
        seq_dir = require_dir(self.sequence_dir(name), "LaSOT sequence folder")
        frames = list_frames(seq_dir / "img", (".jpg",), "LaSOT img folder")
        n = len(frames)
        boxes = read_boxes(seq_dir / "groundtruth.txt", n, what="LaSOT groundtruth.txt")
        occ = read_flags(seq_dir / "full_occlusion.txt", n, what="LaSOT full_occlusion.txt")
        oov = read_flags(seq_dir / "out_of_view.txt", n, what="LaSOT out_of_view.txt")
        meta = {"class": lasot_class(name)}
        nlp = seq_dir / "nlp.txt"
        if nlp.is_file():
            meta["nlp"] = read_text(nlp).strip()
        return BoxSequence(name=name, frames=frames, boxes=boxes, visible=(occ == 0) & (oov == 0),
                           flags={"full_occlusion": occ, "out_of_view": oov}, meta=meta, dataset=self.dataset)
