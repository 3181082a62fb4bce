"""LaSOT test split (280 sequences listed in ``testing_set.txt`` of the LaSOT toolkit, placed in the root)."""
from __future__ import annotations

from typing import Optional

from ltr.dataset.layouts import LasotLayout

from .data import BoxLayoutDataset, PathLike


class LasotDataset(BoxLayoutDataset):
    """LaSOT ``test`` (root default ``lasot_dir``; ``split_file`` overrides ``<root>/testing_set.txt``)."""

    name = "lasot"
    family = "lasot"
    env_key = "lasot_dir"

    def __init__(self, root: Optional[PathLike] = None, split_file: Optional[PathLike] = None):
        self.split_file = split_file
        super().__init__(root)

    def make_layout(self) -> LasotLayout:
        return LasotLayout(self.root, "test", split_file=self.split_file)
