"""DAVIS 2016 (single object: all labels merged) and DAVIS 2017 (multi-object) validation sets."""
from __future__ import annotations

from typing import List, Optional

from ltr.dataset.layouts import DavisLayout

from .data import PathLike, VosLayoutDataset


class DavisDataset(VosLayoutDataset):
    """DAVIS ``year`` / ``split`` (root default ``davis_dir``; ``sequences`` bypasses ``ImageSets``)."""

    family = "davis"
    env_key = "davis_dir"

    def __init__(self, year: str = "2017", split: str = "val", root: Optional[PathLike] = None,
                 sequences: Optional[List[str]] = None):
        if str(year) not in ("2016", "2017"):
            raise ValueError(f"DAVIS year must be 2016 or 2017, got {year!r}")
        self.year, self.split, self.sequences = str(year), split, sequences
        self.name = f"davis{self.year}_{split}"
        self.multiobj = self.year == "2017"
        super().__init__(root)

    def make_layout(self) -> DavisLayout:
        return DavisLayout(self.root, self.year, self.split, sequences=self.sequences)
