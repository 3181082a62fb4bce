"""TrackingNet training set (boxes only, no visibility flags).

Sequences are named ``'<TRAIN_k>/<name>'`` (the chunk folder and the video), the names the pseudo-mask annotator
uses. By default every ``TRAIN_k`` chunk found under the root is used.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, resolve_root
from ltr.dataset.box_dataset import LayoutBoxDataset
from ltr.dataset.layouts import TRACKINGNET_TRAIN_SPLITS, MissingFileError, TrackingNetLayout
from ltr.dataset.layouts.common import require_dir
from ltr.dataset.splits import select_present


class TrackingNet(LayoutBoxDataset):
    """TrackingNet sequences of the given ``TRAIN_k`` chunks.

    Args:
        root: TrackingNet root holding ``TRAIN_k/{anno,frames}`` (default: the ``trackingnet_dir`` setting).
        splits: chunk names (``'TRAIN_0'`` ... ``'TRAIN_11'``); None = every chunk present under the root.
        sequences: only these sequences, named ``'<TRAIN_k>/<name>'`` or ``'<name>'`` (looked up in ``splits``).
        skip_missing: drop requested sequences that are absent with a warning instead of raising.
        cache_size: parsed sequences kept in memory.
    """

    name = "trackingnet"

    def __init__(self, root: Optional[Any] = None, splits: Optional[Sequence[str]] = None,
                 sequences: Optional[Sequence[str]] = None, skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        self.root = require_dir(resolve_root(root, "trackingnet_dir"), "TrackingNet root")
        if splits is None:
            splits = [s for s in TRACKINGNET_TRAIN_SPLITS if (self.root / s / "anno").is_dir()]
            if not splits:
                raise MissingFileError(f"No TrackingNet training chunks (TRAIN_k/anno) under {self.root}")
        bad = [s for s in splits if s not in TRACKINGNET_TRAIN_SPLITS]
        if bad:
            raise ValueError(f"Unknown TrackingNet training chunk(s) {bad}; known: {TRACKINGNET_TRAIN_SPLITS}")
        self.splits = list(splits)
        layout = TrackingNetLayout(self.root, self.splits)
        on_disk = [f"{layout.split_of(n)}/{n}" for n in layout.sequence_names()]
        if sequences is None:
            names = on_disk
        else:
            bare = {n.split("/", 1)[1]: n for n in on_disk}
            requested: List[str] = [bare.get(n, n) if "/" not in n else n for n in sequences]
            names = select_present(requested, on_disk, what=f"TrackingNet sequences of {self.splits}",
                                   where=self.root, skip_missing=skip_missing)
        super().__init__(layout, names, cache_size)

    def layout_name(self, seq_id: int) -> str:
        return self.sequence_list[seq_id].split("/", 1)[1]
