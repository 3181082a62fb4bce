"""Box2Mask (STANet) training sampler, paper Sec. 3.4: T-frame sub-sequences within a window of frames.

**Which sequence** (planned per epoch): slot ``i`` of the epoch gets a dataset drawn by weight (YouTube-VOS 6x more
likely than DAVIS in the paper) and the next sequence of that dataset's shuffled order, so within an epoch every
dataset is sampled *without replacement*; a dataset whose order runs out mid-epoch starts a new shuffled pass. The
plan is a function of ``(seed, epoch)`` given by :meth:`Box2MaskSampler.set_epoch` (called by
:class:`~ltr.data.sampler_base.EpochLTRLoader` at each epoch start), so it is the same in every DataLoader worker and
on every rank -- the loader's index sharding then hands disjoint slots to the ranks -- and a resumed run replans
the same epoch. Without ``set_epoch`` the key is the DataLoader's per-epoch base seed in a worker, or a number drawn
from the global torch RNG whenever a main-process plan has been used up.

**Which frames** (global ``random``, per item): an anchor among the visible frames, a window of ``max_window``
frames containing it at a random position, then ``num_frames`` distinct visible frames of that window, sorted
(repeated frames only if the window has fewer visible frames). Image datasets repeat their image. A sequence with
fewer than ``min_visible`` visible frames is replaced by a random sequence of the same dataset.
"""
from __future__ import annotations

import logging
import random
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ltr.data.loader import derive_seed
from ltr.data.sampler_base import Processing, SequenceSampler, visible_ids

logger = logging.getLogger(__name__)

MAX_SEQUENCE_TRIES = 100


def epoch_plan(sizes: Sequence[int], probabilities: Sequence[float], length: int, key: int) -> List[Tuple[int, int]]:
    """``length`` (dataset index, sequence id) slots: datasets drawn by ``probabilities``, sequences of each dataset
    in shuffled passes without replacement. A pure function of ``key``."""
    rng = np.random.default_rng(int(key))
    choice = rng.choice(len(sizes), size=length, p=np.asarray(probabilities, dtype=np.float64))
    orders = [np.empty(0, dtype=np.int64) for _ in sizes]
    used = [0 for _ in sizes]
    plan = []
    for d in choice.tolist():
        if used[d] == len(orders[d]):
            orders[d], used[d] = rng.permutation(int(sizes[d])), 0
        plan.append((d, int(orders[d][used[d]])))
        used[d] += 1
    return plan


def choose_window_frames(visible: torch.Tensor, num_frames: int, max_window: int) -> List[int]:
    """``num_frames`` sorted frame ids inside one window of ``max_window`` frames (global ``random``; see the
    module docstring). Raises if no frame is visible."""
    ids = visible_ids(visible)
    if not ids:
        raise ValueError("No visible frame")
    n = len(visible)
    anchor = random.choice(ids)
    if n > max_window:
        start = random.randint(max(0, anchor - max_window + 1), min(anchor, n - max_window))
    else:
        start = 0
    candidates = visible_ids(visible, start, start + max_window)
    if len(candidates) >= num_frames:
        chosen = random.sample(candidates, num_frames)
    else:
        chosen = candidates + random.choices(candidates, k=num_frames - len(candidates))
    return sorted(chosen)


class Box2MaskSampler(SequenceSampler):
    """Sub-sequences of ``num_frames`` frames within ``max_window`` frames (see the module docstring).

    Args:
        datasets, p_datasets, samples_per_epoch, processing: see :class:`~ltr.data.sampler_base.SequenceSampler`.
        num_frames: frames per sample (T, paper: 3).
        max_window: window length in frames (paper: 100).
        min_visible: sequences with fewer visible frames are skipped (default 1).
    """

    def __init__(self, datasets: Sequence[Any], p_datasets: Optional[Sequence[float]], samples_per_epoch: int,
                 num_frames: int = 3, max_window: int = 100, processing: Processing = None, min_visible: int = 1):
        super().__init__(datasets, p_datasets, samples_per_epoch, processing)
        if num_frames < 1 or max_window < 1 or min_visible < 1:
            raise ValueError(f"num_frames, max_window and min_visible must be >= 1, got {num_frames}, {max_window}, "
                             f"{min_visible}")
        self.num_frames, self.max_window, self.min_visible = int(num_frames), int(max_window), int(min_visible)
        self._epoch_key: Optional[int] = None
        self._plan: Optional[List[Tuple[int, int]]] = None
        self._plan_key: Optional[int] = None
        self._main_calls = 0

    # ------------------------------------------------------------------------------------------------- the plan
    def set_epoch(self, epoch: int, seed: int = 0) -> None:
        """Fix the sequence plan of the coming epoch to a function of ``(seed, epoch)``."""
        self._epoch_key = derive_seed(int(seed), int(epoch), 0xB2)

    def _current_key(self) -> int:
        if self._epoch_key is not None:
            return self._epoch_key
        info = torch.utils.data.get_worker_info()
        if info is not None:  # the base seed of this epoch's workers (worker w is seeded base + w)
            return int(info.seed) - int(info.id)
        if self._plan is None or self._main_calls >= self.samples_per_epoch:
            self._main_calls = 0
            return int(torch.randint(0, 2 ** 62, (), dtype=torch.int64))
        return self._plan_key

    def plan(self) -> List[Tuple[int, int]]:
        """This epoch's (dataset index, sequence id) for every index."""
        key = self._current_key()
        if self._plan is None or key != self._plan_key:
            sizes = [d.get_num_sequences() for d in self.datasets]
            self._plan, self._plan_key = epoch_plan(sizes, self.p_datasets, self.samples_per_epoch, key), key
        return self._plan

    # ------------------------------------------------------------------------------------------------ an item
    def _usable(self, dataset: Any, seq_id: int) -> Optional[Tuple[dict, torch.Tensor]]:
        info = dataset.get_sequence_info(seq_id)
        visible = info["visible"].to(torch.bool) & info.get("valid", info["visible"]).to(torch.bool)
        if not dataset.is_video_sequence() or int(visible.sum()) >= self.min_visible:
            return info, visible
        return None

    def __getitem__(self, index: int) -> Any:
        """The processed sample of slot ``index`` (frames drawn from the global ``random``)."""
        d_idx, seq_id = self.plan()[int(index) % self.samples_per_epoch]
        self._main_calls += 1
        dataset = self.datasets[d_idx]
        found = self._usable(dataset, seq_id)
        tries = 0
        while found is None:
            tries += 1
            if tries > MAX_SEQUENCE_TRIES:
                raise RuntimeError(f"{dataset.get_name()}: no sequence with >= {self.min_visible} visible frames "
                                   f"found in {MAX_SEQUENCE_TRIES} random tries")
            logger.debug("%s sequence %s has too few visible frames; drawing another", dataset.get_name(), seq_id)
            seq_id = random.randint(0, dataset.get_num_sequences() - 1)
            found = self._usable(dataset, seq_id)
        info, visible = found
        if dataset.is_video_sequence():
            frame_ids = choose_window_frames(visible, self.num_frames, self.max_window)
        else:
            frame_ids = [0] * self.num_frames
        images, masks, boxes = self.load_frames(dataset, seq_id, frame_ids, info)
        return self.finish({"images": images, "masks": masks, "bbox": boxes, "frame_ids": frame_ids,
                            "dataset": dataset.get_name(), "sequence": dataset.get_sequence_name(seq_id)})
