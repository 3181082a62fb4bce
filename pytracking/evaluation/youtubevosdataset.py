"""YouTube-VOS (2018/2019 layout): multi-object, objects may appear after the first frame."""
from __future__ import annotations

from typing import Optional

from ltr.dataset.layouts import YouTubeVosLayout

from .data import PathLike, VosLayoutDataset


class YouTubeVosDataset(VosLayoutDataset):
    """YouTube-VOS ``split`` (root default ``youtubevos_dir``); ``all_frames`` reads ``<split>_all_frames``."""

    family = "youtubevos"
    env_key = "youtubevos_dir"

    def __init__(self, split: str = "valid", root: Optional[PathLike] = None, all_frames: bool = False):
        self.split, self.all_frames = split, all_frames
        self.name = f"youtubevos_{split}" + ("_all" if all_frames else "")
        super().__init__(root)

    def make_layout(self) -> YouTubeVosLayout:
        return YouTubeVosLayout(self.root, self.split, all_frames=self.all_frames)
