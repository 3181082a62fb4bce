"""LaSOT training set (boxes; ``full_occlusion.txt`` / ``out_of_view.txt`` give visibility).

Splits: ``'train'`` (the 1120 training sequences of protocol II, ``ltr/data_specs/lasot_train_split.txt``, from
pytracking), ``'test'`` (``testing_set.txt`` of the LaSOT toolkit, placed in the root) or ``'all'`` (every
``<class>/<class>-<n>`` folder with a ``groundtruth.txt``).
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, resolve_root
from ltr.dataset.box_dataset import LayoutBoxDataset
from ltr.dataset.layouts import LasotLayout
from ltr.dataset.layouts.common import require_dir
from ltr.dataset.splits import read_split_file, select_present

LASOT_SPLITS = ("train", "test", "all")
LASOT_TRAIN_SPLIT_FILE = "lasot_train_split.txt"


class Lasot(LayoutBoxDataset):
    """LaSOT sequences of ``split``.

    Args:
        root: LaSOT root holding ``<class>/<class>-<n>/`` (default: the ``lasot_dir`` setting).
        split: ``'train'``, ``'test'`` or ``'all'``.
        sequences: explicit sequence names (overrides ``split``).
        skip_missing: drop split sequences whose folder is absent with a warning instead of raising.
        cache_size: parsed sequences kept in memory.

    ``valid``/``visible`` are false in fully occluded and out-of-view frames.
    """

    name = "lasot"

    def __init__(self, root: Optional[Any] = None, split: str = "train", sequences: Optional[Sequence[str]] = None,
                 skip_missing: bool = False, cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        if sequences is None and split not in LASOT_SPLITS:
            raise ValueError(f"LaSOT split must be one of {LASOT_SPLITS}, got {split!r}")
        self.root = require_dir(resolve_root(root, "lasot_dir"), "LaSOT root")
        self.split = split if sequences is None else "custom"
        if sequences is not None:
            requested: List[str] = list(sequences)
        elif split == "train":
            requested = read_split_file(LASOT_TRAIN_SPLIT_FILE)
        else:
            requested = LasotLayout(self.root, split).sequence_names()
        layout = LasotLayout(self.root, "all")
        names = select_present(requested, lambda n: layout.sequence_dir(n).is_dir(), what=f"LaSOT split {self.split!r}",
                               where=self.root, skip_missing=skip_missing)
        super().__init__(layout, names, cache_size)
