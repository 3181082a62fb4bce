"""GOT-10k evaluation splits: ``val`` (full annotation, scored locally) and ``test`` (first box only, for the server)."""
from __future__ import annotations

from typing import Optional

from ltr.dataset.layouts import Got10kLayout

from .data import BoxLayoutDataset, PathLike


class Got10kDataset(BoxLayoutDataset):
    """GOT-10k ``val`` or ``test`` (root: the folder holding ``val/`` and ``test/``; default setting ``got10k_dir``)."""

    family = "got10k"
    env_key = "got10k_dir"

    def __init__(self, split: str = "val", root: Optional[PathLike] = None):
        if split not in ("val", "test", "train"):
            raise ValueError(f"GOT-10k split must be 'val', 'test' or 'train', got {split!r}")
        self.split = split
        self.name = f"got10k_{split}"
        super().__init__(root)

    def make_layout(self) -> Got10kLayout:
        return Got10kLayout(self.root, self.split)
