"""TrackingNet: the ``TEST`` split (first box only, for the server) and ``TRAIN_k`` chunks (scored locally)."""
from __future__ import annotations

from typing import Optional

from ltr.dataset.layouts import TRACKINGNET_SPLITS, TrackingNetLayout

from .data import BoxLayoutDataset, PathLike


class TrackingNetDataset(BoxLayoutDataset):
    """One TrackingNet split (root: the folder holding ``TEST/``, ``TRAIN_0/``...; default ``trackingnet_dir``).

    Registered names: ``trackingnet`` (TEST) and ``trackingnet_train_<k>``.
    """

    family = "trackingnet"
    env_key = "trackingnet_dir"

    def __init__(self, split: str = "TEST", root: Optional[PathLike] = None):
        if split not in TRACKINGNET_SPLITS:
            raise ValueError(f"Unknown TrackingNet split {split!r}; known: {TRACKINGNET_SPLITS}")
        self.split = split
        self.name = "trackingnet" if split == "TEST" else f"trackingnet_{split.lower()}"
        super().__init__(root)

    def make_layout(self) -> TrackingNetLayout:
        return TrackingNetLayout(self.root, self.split)
