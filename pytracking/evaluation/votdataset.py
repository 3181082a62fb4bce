"""A VOT sequences folder (``list.txt``); mask ground truth gives the tracker an ``init_mask`` as well as a box."""
from __future__ import annotations

from ltr.dataset.layouts import VotLayout

from .data import BoxLayoutDataset


class VotDataset(BoxLayoutDataset):
    """VOT folder (default setting ``vot_dir``). Boxes of mask/polygon regions are their axis-aligned extents."""

    name = "vot"
    family = "vot"
    env_key = "vot_dir"

    def make_layout(self) -> VotLayout:
        return VotLayout(self.root)
