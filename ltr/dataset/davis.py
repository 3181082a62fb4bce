"""DAVIS 2017 train / val (palette PNGs, several objects per video), and DAVIS-layout folders in general.

Also reads what ``box2mask.synthetic.write_davis_layout`` writes (``version='2016'``, ``split='val'`` by default; one
object, index 1). The objects of a video are the labels of its first annotation (0 = background and 255 = void are
not objects); they are read when the dataset is first indexed, not at construction.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

from ltr.data.image_io import read_mask
from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, resolve_root
from ltr.dataset.layouts import DavisLayout
from ltr.dataset.layouts.common import require_dir
from ltr.dataset.splits import select_present
from ltr.dataset.vos_dataset import LayoutVosDataset

#: Labels that are never objects.
NON_OBJECT_LABELS = (0, 255)


class Davis(LayoutVosDataset):
    """DAVIS videos of ``ImageSets/<version>/<split>.txt``, one sequence per (video, object).

    Args:
        root: DAVIS root holding ``JPEGImages/<resolution>``, ``Annotations/<resolution>``, ``ImageSets``
            (default: the ``davis_dir`` setting).
        version: ``'2017'`` or ``'2016'`` (the ImageSets folder; 2016 masks are 0/255 and give object 1).
        split: ``'train'``, ``'val'``, ... (the split file name).
        resolution: ``'480p'`` or ``'Full-Resolution'``.
        sequences: explicit video names (overrides the split file).
        skip_missing: drop listed videos without a frame folder, with a warning, instead of raising.
        cache_size: parsed videos kept in memory.
    """

    def __init__(self, root: Optional[Any] = None, version: str = "2017", split: str = "train",
                 resolution: str = "480p", sequences: Optional[Sequence[str]] = None, skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        self.root = require_dir(resolve_root(root, "davis_dir"), "DAVIS root")
        self.version, self.split, self.resolution = str(version), split, resolution
        self.name = f"davis{self.version}_{split}" if sequences is None else f"davis{self.version}_custom"
        layout = DavisLayout(self.root, self.version, split, resolution)
        requested = list(sequences) if sequences is not None else layout.sequence_names()
        frame_root = self.root / "JPEGImages" / resolution
        videos = select_present(requested, lambda v: (frame_root / v).is_dir(), what=f"DAVIS {self.name}",
                                where=frame_root, skip_missing=skip_missing)
        super().__init__(layout, videos, cache_size)

    def video_object_ids(self, video: str) -> List[int]:
        first = self.video(video)
        labels = np.unique(read_mask(first.sequence.annotations[first.exposed[0]]))
        return [int(v) for v in labels if int(v) not in NON_OBJECT_LABELS]
