"""LWL training sampler (docs/reference-notes.md, "Training defaults"): train frames followed by test frames of one object track.

Per item (global ``random``): a dataset by weight (LWL stage 2: YouTube-VOS : DAVIS = 6 : 1); a random sequence
with more than ``2 * (num_train_frames + num_test_frames)`` visible frames (image datasets always qualify); a base
frame uniformly among the visible frames in ``[num_train_frames - 1, len - num_test_frames)``; the other
``num_train_frames - 1`` train frames among the visible frames of ``[base - max_gap, base)``; the test frames drawn
*with replacement* among the visible frames of ``[base + 1, base + max_gap)``. When a range has no visible frame
the gap is widened by 5 and the frames are drawn again. Both lists are sorted. Image datasets repeat their image.

Difference from the reference: with one train frame no earlier frame is needed, so the base frame may be the first
visible frame (the reference rejects it because its empty "previous frames" range counts as not found).
"""
from __future__ import annotations

import random
from typing import Any, List, Optional, Sequence, Tuple

import torch

from ltr.data.sampler_base import Processing, SequenceSampler, visible_ids

MAX_SEQUENCE_TRIES = 100
MAX_GAP_INCREASE = 1000


class LWLSampler(SequenceSampler):
    """Train/test frames for LWL (see the module docstring).

    Args:
        datasets, p_datasets, samples_per_epoch, processing: see :class:`~ltr.data.sampler_base.SequenceSampler`.
        max_gap: frame distance range for the other train frames and the test frames (100).
        num_train_frames, num_test_frames: LWL stage 1/2: 1 and 3; box-init: 1 and 1.
    """

    def __init__(self, datasets: Sequence[Any], p_datasets: Optional[Sequence[float]], samples_per_epoch: int,
                 max_gap: int = 100, num_train_frames: int = 1, num_test_frames: int = 3,
                 processing: Processing = None):
        super().__init__(datasets, p_datasets, samples_per_epoch, processing)
        if num_train_frames < 1 or num_test_frames < 1 or max_gap < 1:
            raise ValueError(f"num_train_frames, num_test_frames and max_gap must be >= 1, got {num_train_frames}, "
                             f"{num_test_frames}, {max_gap}")
        self.max_gap, self.num_train_frames, self.num_test_frames = int(max_gap), int(num_train_frames), \
            int(num_test_frames)

    def _choose_sequence(self, dataset: Any) -> Tuple[int, dict, torch.Tensor]:
        needed = 2 * (self.num_train_frames + self.num_test_frames)
        for _ in range(MAX_SEQUENCE_TRIES):
            seq_id = random.randint(0, dataset.get_num_sequences() - 1)
            info = dataset.get_sequence_info(seq_id)
            visible = info["visible"].to(torch.bool)
            if not dataset.is_video_sequence() or int(visible.sum()) > needed:
                return seq_id, info, visible
        raise RuntimeError(f"{dataset.get_name()}: no sequence with more than {needed} visible frames found in "
                           f"{MAX_SEQUENCE_TRIES} random tries")

    def choose_frames(self, visible: torch.Tensor, where: str = "") -> Tuple[List[int], List[int]]:
        """(train ids, test ids), sorted (see the module docstring)."""
        n = len(visible)
        gap_increase = 0
        while gap_increase <= MAX_GAP_INCREASE:
            bases = visible_ids(visible, self.num_train_frames - 1, n - self.num_test_frames)
            if not bases:
                break
            base = random.choice(bases)
            gap = self.max_gap + gap_increase
            gap_increase += 5
            previous = []
            if self.num_train_frames > 1:
                earlier = visible_ids(visible, base - gap, base)
                if not earlier:
                    continue
                previous = random.choices(earlier, k=self.num_train_frames - 1)
            later = visible_ids(visible, base + 1, base + gap)
            if not later:
                continue
            return sorted([base] + previous), sorted(random.choices(later, k=self.num_test_frames))
        raise RuntimeError(f"No train/test frames found{where} ({int(visible.sum())} visible of {n} frames)")

    def __getitem__(self, index: int) -> Any:
        """A processed sample (``index`` is ignored: everything is drawn at random)."""
        dataset = self.datasets[self.choose_dataset()]
        seq_id, info, visible = self._choose_sequence(dataset)
        if dataset.is_video_sequence():
            where = f" in {dataset.get_name()} sequence {dataset.get_sequence_name(seq_id)!r}"
            train_ids, test_ids = self.choose_frames(visible, where)
        else:
            train_ids, test_ids = [0] * self.num_train_frames, [0] * self.num_test_frames
        images, masks, boxes = self.load_frames(dataset, seq_id, train_ids + test_ids, info)
        k = len(train_ids)
        sample = {"train_images": images[:k], "train_masks": masks[:k], "train_bbox": None if boxes is None else
                  boxes[:k], "test_images": images[k:], "test_masks": masks[k:],
                  "test_bbox": None if boxes is None else boxes[k:], "train_frame_ids": train_ids,
                  "test_frame_ids": test_ids, "dataset": dataset.get_name(),
                  "sequence": dataset.get_sequence_name(seq_id)}
        return self.finish(sample)
