"""Plain sequence folders (``box2mask annotate --dataset folder``): whatever box-annotated folders a user has.

A *sequence folder* is one of

* ``<seq>/groundtruth.txt`` (0-based ``x,y,w,h`` per frame, ``nan`` = no box) with the frames in ``<seq>/img/``
  when that folder exists, else in ``<seq>/`` itself (also LaSOT / GOT-10k sequence folders);
* OTB: ``<seq>/img/`` and ``<seq>/groundtruth_rect.txt`` (1-based boxes, converted to 0-based; two targets in
  ``groundtruth_rect.1.txt`` / ``.2.txt`` give the sequences ``<seq>_1`` / ``<seq>_2``).

The root is either a folder of sequence folders (sequences named after their folders) or itself one sequence folder
(named after the root). Frames are listed with :func:`~ltr.dataset.layouts.frames.list_frames` (natural order).
A root with no sequence folder is an error that names the layouts looked for.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .boxfile import read_boxes
from .common import BoxLayout, BoxSequence, MissingFileError, PathLike, require_dir
from .frames import list_frames
from .otb import otb_ground_truth_files, otb_sequence

LAYOUTS_LOOKED_FOR = ("<seq>/groundtruth.txt with the frames in <seq>/img/ or <seq>/ (0-based x,y,w,h)",
                      "OTB: <seq>/img/ + <seq>/groundtruth_rect.txt (1-based)")

# (kind, sequence folder, ground-truth file); kind is "plain" or "otb"
_Entry = Tuple[str, Path, Path]


def folder_entries(seq_dir: Path, name: str) -> Dict[str, _Entry]:
    """The sequences a single folder holds (``{}`` when it is not a sequence folder)."""
    if (seq_dir / "groundtruth.txt").is_file():
        return {name: ("plain", seq_dir, seq_dir / "groundtruth.txt")}
    if (seq_dir / "img").is_dir():
        files = otb_ground_truth_files(seq_dir)
        return {name if k is None else f"{name}_{k}": ("otb", seq_dir, gt) for k, gt in files.items()}
    return {}


class FolderLayout(BoxLayout):
    """Sequence folders under ``root``, or ``root`` itself as one sequence (see the module docstring)."""

    dataset = "folder"

    def __init__(self, root: PathLike):
        self.root = Path(root)
        self._index: Optional[Dict[str, _Entry]] = None

    def _entries(self) -> Dict[str, _Entry]:
        if self._index is None:
            require_dir(self.root, "sequence root")
            index = folder_entries(self.root, self.root.resolve().name)
            if not index:
                for sub in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
                    index.update(folder_entries(sub, sub.name))
            if not index:
                raise MissingFileError(f"No sequences found in {self.root}: looked for "
                                       f"{'; '.join(LAYOUTS_LOOKED_FOR)}, under the root and in the root itself")
            self._index = index
        return self._index

    def sequence_names(self) -> List[str]:
        return list(self._entries())

    def sequence(self, name: str) -> BoxSequence:
        try:
            kind, seq_dir, gt = self._entries()[name]
        except KeyError:
            raise KeyError(f"No sequence {name!r} in {self.root}") from None
        if kind == "otb":
            return otb_sequence(seq_dir, gt, name, dataset=self.dataset)
        frame_dir = seq_dir / "img" if (seq_dir / "img").is_dir() else seq_dir
        frames = list_frames(frame_dir, what="frame folder")
        boxes = read_boxes(gt, len(frames), what="groundtruth.txt")
        return BoxSequence(name=name, frames=frames, boxes=boxes, dataset=self.dataset)
