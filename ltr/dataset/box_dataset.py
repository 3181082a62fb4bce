"""Shared implementation of the box-annotated training datasets (GOT-10k, LaSOT, TrackingNet).

Each dataset is a list of sequence names read through a layout reader (``ltr.dataset.layouts``); a sequence is
parsed (frame list, boxes, flags) only when it is first needed and kept in a small LRU cache, and its info tensors
are cached for the lifetime of the dataset.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, BaseVideoDataset, LruCache, info_from_boxes
from ltr.dataset.layouts import BoxLayout, BoxSequence


class LayoutBoxDataset(BaseVideoDataset):
    """Box-only video dataset over ``names`` of a :class:`~ltr.dataset.layouts.BoxLayout` (one object each)."""

    def __init__(self, layout: BoxLayout, names: List[str], cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        super().__init__()
        if not names:
            raise ValueError(f"{self.get_name()}: no sequences selected")
        self.layout = layout
        self.sequence_list: List[str] = list(names)
        self._sequences: LruCache[int, BoxSequence] = LruCache(cache_size)

    def get_num_sequences(self) -> int:
        return len(self.sequence_list)

    def get_sequence_name(self, seq_id: int) -> str:
        return self.sequence_list[self.check_seq_id(seq_id)]

    def layout_name(self, seq_id: int) -> str:
        """The name the layout reader uses for sequence ``seq_id``."""
        return self.sequence_list[seq_id]

    def layout_sequence(self, seq_id: int) -> BoxSequence:
        """The parsed sequence (frames, boxes, flags, meta), cached."""
        seq_id = self.check_seq_id(seq_id)
        return self._sequences.get(seq_id, lambda: self.layout.sequence(self.layout_name(seq_id)))

    def _load_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        seq = self.layout_sequence(seq_id)
        return info_from_boxes(seq.boxes, seq.visible)

    def get_frame_paths(self, seq_id: int) -> List[Path]:
        return list(self.layout_sequence(seq_id).frames)

    def get_meta_info(self, seq_id: int) -> Dict[str, Any]:
        seq = self.layout_sequence(seq_id)
        return {"object_class_name": seq.meta.get("class") or None, "sequence": self.get_sequence_name(seq_id)}
