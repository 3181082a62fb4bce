"""What the training samplers share: the dataset mixture, visible-frame selection, frame loading, epoch keys.

A sampler is a map-style dataset of ``samples_per_epoch`` items; each item is one training sample drawn at random
from a mixture of :class:`~ltr.dataset.base_video_dataset.BaseVideoDataset` objects (one entry = one object track),
passed through a processing callable. Random draws use the global ``random`` / ``numpy`` / ``torch`` generators
inside ``__getitem__``, which :class:`~ltr.data.loader.LTRLoader` seeds per epoch and worker and the trainer saves in
its checkpoints (so ``--resume`` is exact).

Samplers that plan a whole epoch at once (sequences without replacement) also implement ``set_epoch(epoch, seed)``;
:class:`EpochLTRLoader` forwards the trainer's per-epoch call to them.
"""
from __future__ import annotations

import logging
import random
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import Dataset

from ltr.data.loader import LTRLoader

logger = logging.getLogger(__name__)

Processing = Optional[Callable[[Dict[str, Any]], Any]]


def normalise_weights(datasets: Sequence[Any], weights: Optional[Sequence[float]]) -> List[float]:
    """Probabilities of the datasets (``None``: proportional to their number of sequences)."""
    if not datasets:
        raise ValueError("A sampler needs at least one dataset")
    if weights is None:
        weights = [d.get_num_sequences() for d in datasets]
    weights = [float(w) for w in weights]
    if len(weights) != len(datasets):
        raise ValueError(f"{len(datasets)} datasets but {len(weights)} weights")
    if any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError(f"Dataset weights must be >= 0 with a positive sum, got {weights}")
    total = sum(weights)
    return [w / total for w in weights]


def visible_ids(visible: torch.Tensor, lo: Optional[int] = None, hi: Optional[int] = None) -> List[int]:
    """Frame indices in ``[lo, hi)`` (clipped to the sequence) whose ``visible`` flag is set."""
    n = len(visible)
    lo = 0 if lo is None else max(0, int(lo))
    hi = n if hi is None else min(n, int(hi))
    if hi <= lo:
        return []
    flags = visible[lo:hi].to(torch.bool)
    return [lo + int(i) for i in torch.nonzero(flags, as_tuple=False).flatten().tolist()]


class SequenceSampler(Dataset):
    """Base of the samplers: dataset mixture, length, frame loading (see the module docstring).

    Args:
        datasets: the video / image datasets.
        p_datasets: relative probabilities (None = proportional to their sizes).
        samples_per_epoch: length of the dataset (items per epoch).
        processing: called on the raw sample dict (None = return it unprocessed).
    """

    def __init__(self, datasets: Sequence[Any], p_datasets: Optional[Sequence[float]], samples_per_epoch: int,
                 processing: Processing = None):
        self.datasets = list(datasets)
        self.p_datasets = normalise_weights(self.datasets, p_datasets)
        for d in self.datasets:
            if d.get_num_sequences() < 1:
                raise ValueError(f"Dataset {d.get_name()} has no sequences")
            if not d.has_mask():
                raise ValueError(f"Dataset {d.get_name()} has no masks; segmentation training needs them")
        if int(samples_per_epoch) < 1:
            raise ValueError(f"samples_per_epoch must be >= 1, got {samples_per_epoch}")
        self.samples_per_epoch = int(samples_per_epoch)
        self.processing = processing

    def __len__(self) -> int:
        return self.samples_per_epoch

    def choose_dataset(self) -> int:
        """Index of a dataset drawn by weight (global ``random``)."""
        return random.choices(range(len(self.datasets)), weights=self.p_datasets)[0]

    @staticmethod
    def load_frames(dataset: Any, seq_id: int, frame_ids: Sequence[int],
                    info: Dict[str, Any]) -> Tuple[List[Any], List[Any], List[Any]]:
        """(images, masks, boxes) of ``frame_ids``; errors name the dataset, sequence and frames."""
        frame_ids = [int(i) for i in frame_ids]
        images, anno, _meta = dataset.get_frames(seq_id, frame_ids, info)
        where = f"{dataset.get_name()} sequence {dataset.get_sequence_name(seq_id)!r} frames {frame_ids}"
        masks = anno.get("mask") if isinstance(anno, dict) else None
        boxes = anno.get("bbox") if isinstance(anno, dict) else None
        if masks is None:
            raise ValueError(f"{where}: get_frames returned no 'mask' annotation")
        for name, items in (("images", images), ("masks", masks), ("boxes", boxes)):
            if items is not None and len(items) != len(frame_ids):
                raise ValueError(f"{where}: get_frames returned {len(items)} {name}")
        return list(images), list(masks), None if boxes is None else list(boxes)

    def finish(self, sample: Dict[str, Any]) -> Any:
        """Apply the processing (if any)."""
        return sample if self.processing is None else self.processing(sample)


class EpochLTRLoader(LTRLoader):
    """An :class:`LTRLoader` that also calls ``dataset.set_epoch(epoch, seed)`` when the trainer starts an epoch
    (samplers that plan an epoch, e.g. :class:`~ltr.data.sampler_box2mask.Box2MaskSampler`)."""

    def set_epoch(self, epoch: int, seed: int = 0) -> None:
        super().set_epoch(epoch, seed)
        hook = getattr(self.dataset, "set_epoch", None)
        if callable(hook):
            hook(epoch, seed)
