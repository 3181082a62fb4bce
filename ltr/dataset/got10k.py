"""GOT-10k training set (boxes; ``absence.label`` / ``cover.label`` give visibility).

Splits: ``'all'`` (every sequence of ``<root>/train/list.txt``) or one of pytracking's index splits of the train
folder, stored in ``ltr/data_specs``: ``'ltrtrain'`` (7934 sequences), ``'ltrval'`` (1401; disjoint from ltrtrain,
together all 9335) and ``'vottrain'`` (7086, a subset of ltrtrain without the sequences that overlap VOT). Index
``i`` names ``GOT-10k_Train_{i+1:06d}`` (the ``i``-th line of the official, sorted ``list.txt``).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch

from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, resolve_root
from ltr.dataset.box_dataset import LayoutBoxDataset
from ltr.dataset.layouts import Got10kLayout
from ltr.dataset.splits import read_index_split, select_present

GOT10K_SPLIT_FILES = {
    "ltrtrain": "got10k_train_split.txt",
    "ltrval": "got10k_val_split.txt",
    "vottrain": "got10k_vot_train_split.txt",
}
GOT10K_SPLITS = ("all",) + tuple(GOT10K_SPLIT_FILES)


def got10k_train_name(index: int) -> str:
    """Name of the train sequence with 0-based ``index`` (``0`` -> ``GOT-10k_Train_000001``)."""
    return f"GOT-10k_Train_{index + 1:06d}"


class Got10k(LayoutBoxDataset):
    """GOT-10k train sequences of ``split`` (see the module docstring).

    Args:
        root: GOT-10k root holding ``train/`` (default: the ``got10k_dir`` setting).
        split: ``'all'``, ``'ltrtrain'``, ``'ltrval'`` or ``'vottrain'``.
        sequences: explicit sequence names (overrides ``split``).
        skip_missing: drop split sequences absent from ``train/list.txt`` with a warning instead of raising.
        cache_size: parsed sequences kept in memory.

    ``valid``/``visible`` are false where ``absence.label`` is 1 or ``cover.label`` is 0; the info also holds
    ``visible_ratio`` (cover / 8).
    """

    name = "got10k"

    def __init__(self, root: Optional[Any] = None, split: str = "all", sequences: Optional[Sequence[str]] = None,
                 skip_missing: bool = False, cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        if sequences is None and split not in GOT10K_SPLITS:
            raise ValueError(f"GOT-10k split must be one of {GOT10K_SPLITS}, got {split!r}")
        self.root = resolve_root(root, "got10k_dir")
        self.split = split if sequences is None else "custom"
        layout = Got10kLayout(self.root, "train", require_flags=True)
        on_disk = layout.sequence_names()
        if sequences is not None:
            requested: List[str] = list(sequences)
        elif split == "all":
            requested = on_disk
        else:
            requested = read_index_split(GOT10K_SPLIT_FILES[split], got10k_train_name)
        names = select_present(requested, on_disk, what=f"GOT-10k split {self.split!r}",
                               where=layout.split_dir / "list.txt", skip_missing=skip_missing)
        super().__init__(layout, names, cache_size)

    def _load_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        info = super()._load_sequence_info(seq_id)
        cover = self.layout_sequence(seq_id).flags.get("cover")
        if cover is not None:
            info["visible_ratio"] = torch.from_numpy(np.clip(cover / 8.0, 0.0, 1.0).astype(np.float32))
        return info

    def get_meta_info(self, seq_id: int) -> Dict[str, Any]:
        meta = self.layout_sequence(seq_id).meta
        out = {"object_class_name": meta.get("object_class") or None, "sequence": self.get_sequence_name(seq_id)}
        for key in ("motion_class", "major_class", "root_class", "motion_adverb"):
            out[key] = meta.get(key) or None
        return out
