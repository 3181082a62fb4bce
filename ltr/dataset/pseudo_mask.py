"""Pseudo-mask variants of box datasets: the frames of a base dataset plus the PNG masks ``box2mask annotate`` wrote.

Mask layout: ``<mask_root>/<sequence name>/<frame file stem>.png``, an indexed PNG (DAVIS palette) with 0 =
background and 1 = the object, where the sequence name is the base dataset's (GOT-10k ``GOT-10k_Train_000001``,
LaSOT ``airplane-1``, TrackingNet ``TRAIN_0/<name>`` -- or the bare ``<name>``, which is what ``box2mask annotate``
writes --, YouTube-VOS ``<video>/<object id>``). Only annotated frames
have a file (GOT-10k: every frame where the target is present; LaSOT: every 5th frame, at most 200, skipping fully
occluded / out-of-view frames), and the pseudo dataset exposes exactly those frames. Masks are ``label == 1``.

The box of a frame is the tight box of its mask (``bbox_source='mask'``, read once per sequence when its info is
first requested) or the base dataset's box annotation (``bbox_source='annotation'``, no mask reads).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ltr.data.image_io import read_mask
from ltr.dataset.base_video_dataset import (DEFAULT_SEQUENCE_CACHE, BaseVideoDataset, LruCache, info_from_boxes,
                                            mask_boxes, object_mask)
from ltr.dataset.davis import Davis
from ltr.dataset.got10k import Got10k
from ltr.dataset.lasot import Lasot
from ltr.dataset.layouts import AnnotationError, MissingFileError
from ltr.dataset.layouts.common import require_dir
from ltr.dataset.splits import select_present
from ltr.dataset.trackingnet import TrackingNet
from ltr.dataset.youtubevos import YouTubeVOS

BBOX_SOURCES = ("mask", "annotation")
PSEUDO_LABEL = 1


class PseudoMaskDataset(BaseVideoDataset):
    """A base video dataset with pseudo masks from ``mask_root`` (see the module docstring).

    Args:
        base: the dataset providing frames, sequence names and (for ``bbox_source='annotation'``) boxes.
        mask_root: folder holding one sub-folder of PNG masks per sequence.
        bbox_source: ``'mask'`` (tight box of the pseudo mask) or ``'annotation'`` (the base dataset's box).
        skip_missing: drop base sequences without a mask folder, with a warning, instead of raising.
        name: dataset name (default ``<base name>_pseudo``).
        cache_size: per-sequence frame/mask lists kept in memory.
    """

    def __init__(self, base: BaseVideoDataset, mask_root: Any, *, bbox_source: str = "mask",
                 skip_missing: bool = False, name: Optional[str] = None,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        super().__init__()
        if bbox_source not in BBOX_SOURCES:
            raise ValueError(f"bbox_source must be one of {BBOX_SOURCES}, got {bbox_source!r}")
        self.base = base
        self.bbox_source = bbox_source
        self.name = name or f"{base.get_name()}_pseudo"
        self.mask_root = require_dir(Path(mask_root).expanduser(), f"pseudo-mask root of {base.get_name()}")
        names = [base.get_sequence_name(i) for i in range(base.get_num_sequences())]
        present = set(select_present(names, lambda n: self.mask_dir(n).is_dir(),
                                     what=f"pseudo masks of {base.get_name()}", where=self.mask_root,
                                     skip_missing=skip_missing))
        self._base_ids = [i for i, n in enumerate(names) if n in present]
        self._frames: LruCache[int, Tuple[List[int], List[Path]]] = LruCache(cache_size)

    def mask_dir(self, name: str) -> Path:
        """Folder of the masks of sequence ``name``."""
        return self.mask_root / name

    def get_num_sequences(self) -> int:
        return len(self._base_ids)

    def base_id(self, seq_id: int) -> int:
        """Id of the sequence in the base dataset."""
        return self._base_ids[self.check_seq_id(seq_id)]

    def get_sequence_name(self, seq_id: int) -> str:
        return self.base.get_sequence_name(self.base_id(seq_id))

    def has_mask(self) -> bool:
        return True

    def mask_frames(self, seq_id: int) -> Tuple[List[int], List[Path]]:
        """(base frame ids, mask files) of the exposed frames, in temporal order (cached)."""
        seq_id = self.check_seq_id(seq_id)
        return self._frames.get(seq_id, lambda: self._list_masks(seq_id))

    def _list_masks(self, seq_id: int) -> Tuple[List[int], List[Path]]:
        bid = self.base_id(seq_id)
        folder = self.mask_dir(self.base.get_sequence_name(bid))
        index = {stem: i for i, stem in enumerate(self.base.get_frame_stems(bid))}
        pairs = []
        for png in folder.glob("*.png"):
            if png.stem not in index:
                raise AnnotationError(f"Pseudo mask {png} matches no frame of {self.base.get_name()} sequence "
                                      f"{self.base.get_sequence_name(bid)!r}")
            pairs.append((index[png.stem], png))
        if not pairs:
            raise MissingFileError(f"No pseudo-mask PNGs in {folder}")
        pairs.sort()
        return [i for i, _ in pairs], [p for _, p in pairs]

    def _load_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        frame_ids, pngs = self.mask_frames(seq_id)
        if self.bbox_source == "mask":
            boxes = mask_boxes([read_mask(p) for p in pngs], [PSEUDO_LABEL])[PSEUDO_LABEL]
            return info_from_boxes(boxes)
        base_info = self.base.get_sequence_info(self.base_id(seq_id))
        return {key: value[frame_ids].clone() for key, value in base_info.items()}

    def get_frame_paths(self, seq_id: int) -> List[Path]:
        frame_ids, _ = self.mask_frames(seq_id)
        paths = self.base.get_frame_paths(self.base_id(seq_id))
        return [paths[i] for i in frame_ids]

    def read_mask(self, seq_id: int, frame_id: int) -> torch.Tensor:
        return object_mask(self.mask_frames(seq_id)[1][frame_id], PSEUDO_LABEL)

    def get_meta_info(self, seq_id: int) -> Dict[str, Any]:
        return self.base.get_meta_info(self.base_id(seq_id))

    def mask_coverage(self, seq_id: int) -> np.ndarray:
        """Bool ``(N_base,)``: which frames of the base sequence have a pseudo mask."""
        frame_ids, _ = self.mask_frames(seq_id)
        out = np.zeros(len(self.base.get_frame_paths(self.base_id(seq_id))), dtype=bool)
        out[frame_ids] = True
        return out


class Got10kPseudoMask(PseudoMaskDataset):
    """GOT-10k train sequences of ``split`` with pseudo masks (``Got10k`` arguments, then the pseudo-mask ones)."""

    def __init__(self, mask_root: Any, root: Optional[Any] = None, split: str = "all",
                 sequences: Optional[Sequence[str]] = None, *, bbox_source: str = "mask", skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        base = Got10k(root, split, sequences, skip_missing=skip_missing, cache_size=cache_size)
        super().__init__(base, mask_root, bbox_source=bbox_source, skip_missing=skip_missing,
                         name="got10k_pseudo", cache_size=cache_size)


class LasotPseudoMask(PseudoMaskDataset):
    """LaSOT sequences of ``split`` with pseudo masks (``Lasot`` arguments, then the pseudo-mask ones)."""

    def __init__(self, mask_root: Any, root: Optional[Any] = None, split: str = "train",
                 sequences: Optional[Sequence[str]] = None, *, bbox_source: str = "mask", skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        base = Lasot(root, split, sequences, skip_missing=skip_missing, cache_size=cache_size)
        super().__init__(base, mask_root, bbox_source=bbox_source, skip_missing=skip_missing,
                         name="lasot_pseudo", cache_size=cache_size)


class TrackingNetPseudoMask(PseudoMaskDataset):
    """TrackingNet chunks with pseudo masks (``TrackingNet`` arguments, then the pseudo-mask ones).

    A sequence's masks are looked up in ``<mask_root>/<TRAIN_k>/<name>``, else in ``<mask_root>/<name>`` (the
    folder ``box2mask annotate`` writes; names are unique across chunks).
    """

    def __init__(self, mask_root: Any, root: Optional[Any] = None, splits: Optional[Sequence[str]] = None,
                 sequences: Optional[Sequence[str]] = None, *, bbox_source: str = "mask", skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        base = TrackingNet(root, splits, sequences, skip_missing=skip_missing, cache_size=cache_size)
        super().__init__(base, mask_root, bbox_source=bbox_source, skip_missing=skip_missing,
                         name="trackingnet_pseudo", cache_size=cache_size)

    def mask_dir(self, name: str) -> Path:
        nested = self.mask_root / name
        return nested if nested.is_dir() else self.mask_root / name.split("/", 1)[-1]


PSEUDO_SOURCES = ("got10k", "lasot", "trackingnet", "youtubevos", "davis")


def pseudo_mask_dataset(source: str, mask_root: Any, root: Optional[Any] = None, *, bbox_source: str = "mask",
                        skip_missing: bool = False, **base_kwargs: Any) -> PseudoMaskDataset:
    """The pseudo-mask variant of dataset ``source`` (one of :data:`PSEUDO_SOURCES`).

    ``base_kwargs`` go to the base dataset's constructor (``split``, ``sequences``, ``version``, ...), e.g.
    ``pseudo_mask_dataset('youtubevos', masks, yt_root, split='weak_b')`` for set B of the paper's Sec. 4.2 with
    masks in ``<masks>/<video>/<object id>/<frame>.png``.
    """
    classes = {"got10k": Got10k, "lasot": Lasot, "youtubevos": YouTubeVOS, "davis": Davis}
    if source == "trackingnet":
        return TrackingNetPseudoMask(mask_root, root, bbox_source=bbox_source, skip_missing=skip_missing,
                                     **base_kwargs)
    if source not in classes:
        raise ValueError(f"Unknown pseudo-mask source {source!r}; choose one of {PSEUDO_SOURCES}")
    base = classes[source](root, skip_missing=skip_missing, **base_kwargs)
    return PseudoMaskDataset(base, mask_root, bbox_source=bbox_source, skip_missing=skip_missing,
                             name=f"{source}_pseudo")
