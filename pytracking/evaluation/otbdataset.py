"""OTB (every ``<Seq>/img`` + ``groundtruth_rect*.txt`` folder under the root; OTB-100 when the root holds it)."""
from __future__ import annotations

from ltr.dataset.layouts import OtbLayout

from .data import BoxLayoutDataset


class OtbDataset(BoxLayoutDataset):
    """OTB sequences under the root (default setting ``otb_dir``)."""

    name = "otb"
    family = "otb"
    env_key = "otb_dir"

    def make_layout(self) -> OtbLayout:
        return OtbLayout(self.root)
