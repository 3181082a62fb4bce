"""OTB layout: ``<root>/<Seq>/img/0001.jpg ...`` and ``<root>/<Seq>/groundtruth_rect.txt``.

Boxes are 1-based ``x,y,w,h`` separated by commas, tabs or spaces (all three occur in OTB-100) and are converted to
0-based. Folders with two targets carry ``groundtruth_rect.1.txt`` / ``groundtruth_rect.2.txt`` and give the
sequences ``<Seq>_1`` / ``<Seq>_2`` (pytracking's names, e.g. ``Jogging_1``). A few OTB-100 sequences annotate only
a range of their images (the benchmark's configSeqs): the table below maps them to their first/last image number;
any other sequence must have exactly one box per image.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .boxfile import read_boxes
from .common import (AnnotationError, BoxLayout, BoxSequence, MissingFileError, PathLike, require_dir)
from .frames import list_frames

#: OTB-100 sequences whose annotation covers images ``first..last`` (image file numbers) only.
OTB_FRAME_RANGES: Dict[str, Tuple[int, int]] = {
    "David": (300, 770), "BlurCar1": (247, 988), "BlurCar3": (3, 359), "BlurCar4": (18, 397),
    "Diving": (1, 215), "Football1": (1, 74), "Freeman3": (1, 460), "Freeman4": (1, 283),
}
#: Sequences whose first annotated frames are skipped by the benchmark (Tiger1 starts at image 6).
OTB_INIT_OMIT: Dict[str, int] = {"Tiger1": 5}

_GT_RE = re.compile(r"^groundtruth_rect(?:\.(\d+))?\.txt$")


def otb_ground_truth_files(seq_dir: Path) -> Dict[Optional[str], Path]:
    """Target index (None for the single-target file) -> ground-truth file of one OTB folder."""
    out: Dict[Optional[str], Path] = {}
    for p in sorted(seq_dir.iterdir()):
        m = _GT_RE.match(p.name)
        if m and p.is_file():
            out[m.group(1)] = p
    return out


class OtbLayout(BoxLayout):
    """All OTB sequences under ``root`` (folders with ``img/`` and ``groundtruth_rect*.txt``), sorted by name."""

    dataset = "otb"

    def __init__(self, root: PathLike):
        self.root = Path(root)
        self._index: Optional[Dict[str, Tuple[Path, Path]]] = None

    def _build_index(self) -> Dict[str, Tuple[Path, Path]]:
        if self._index is None:
            require_dir(self.root, "OTB root")
            index: Dict[str, Tuple[Path, Path]] = {}
            for seq_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
                if not (seq_dir / "img").is_dir():
                    continue
                for k, gt in otb_ground_truth_files(seq_dir).items():
                    index[seq_dir.name if k is None else f"{seq_dir.name}_{k}"] = (seq_dir, gt)
            if not index:
                raise MissingFileError(f"No OTB sequences (<Seq>/img + groundtruth_rect.txt) under {self.root}")
            self._index = index
        return self._index

    def sequence_names(self) -> List[str]:
        return list(self._build_index())

    def sequence(self, name: str) -> BoxSequence:
        try:
            seq_dir, gt_file = self._build_index()[name]
        except KeyError:
            raise KeyError(f"No OTB sequence {name!r} under {self.root}") from None
        return otb_sequence(seq_dir, gt_file, name)


def otb_sequence(seq_dir: PathLike, gt_file: PathLike, name: str, dataset: str = "otb") -> BoxSequence:
    """One OTB sequence folder (``img/`` + the ground-truth file ``gt_file``): 1-based boxes made 0-based, the
    annotated frame range of :data:`OTB_FRAME_RANGES`, the first frames of :data:`OTB_INIT_OMIT` dropped."""
    seq_dir, gt_file = Path(seq_dir), Path(gt_file)
    frames = list_frames(seq_dir / "img", (".jpg", ".png"), "OTB img folder")
    base = seq_dir.name
    boxes = read_boxes(gt_file, one_based=True, what="OTB ground-truth file")
    if base in OTB_FRAME_RANGES:
        first, last = OTB_FRAME_RANGES[base]
        numbers = {int(p.stem): p for p in frames if p.stem.isdigit()}
        missing = [i for i in range(first, last + 1) if i not in numbers]
        if missing:
            raise MissingFileError(f"{seq_dir / 'img'}: images {missing[:5]}... of the annotated range "
                                   f"{first}..{last} are missing")
        frames = [numbers[i] for i in range(first, last + 1)]
    if len(boxes) != len(frames):
        raise AnnotationError(f"{gt_file} has {len(boxes)} boxes but {seq_dir / 'img'} has {len(frames)} "
                              f"frames" + (" in the annotated range" if base in OTB_FRAME_RANGES else ""))
    omit = OTB_INIT_OMIT.get(base, 0)
    return BoxSequence(name=name, frames=frames[omit:], boxes=boxes[omit:], meta={"folder": base}, dataset=dataset)
