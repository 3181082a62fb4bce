"""The contract every training dataset follows (the samplers in ``ltr/data`` rely on it), plus shared helpers.

One *sequence* is one object track of a video: a VOS video with ``k`` objects gives ``k`` sequences named
``'<video>/<object id>'``. Frame ids index the frames the dataset *exposes* (YouTube-VOS 2019 train: the annotated
frames; pseudo-mask datasets: the frames that have a mask file).

``get_sequence_info(seq_id)`` returns
    ``bbox``    FloatTensor ``(N, 4)`` ``[x, y, w, h]``, 0-based (mask datasets: the tight box of the mask); rows that
                are not valid are zero, never NaN;
    ``valid``   BoolTensor ``(N,)``: the box is usable (annotated, finite, ``w, h > 0``, target present);
    ``visible`` BoolTensor ``(N,)``: the target is visible in the frame;
and is computed on first request and cached (datasets never read every annotation at construction).

``get_frames(seq_id, frame_ids, anno=None)`` returns ``(frames, anno_frames, object_meta)``: RGB uint8 ``(H, W, 3)``
arrays, ``{'bbox': [FloatTensor(4)], 'valid': [...], 'visible': [...], 'mask': [FloatTensor(H, W) of 0/1]}``
(``mask`` only when :meth:`BaseVideoDataset.has_mask`) and a metadata dict.
"""
from __future__ import annotations

import collections
import logging
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Callable, Dict, Generic, List, Optional, Sequence, Tuple, TypeVar

import numpy as np
import torch

from ltr.admin.environment import env_settings
from ltr.data.image_io import read_image, read_mask

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

#: How many parsed sequences (frame lists, raw annotations) a dataset keeps in memory.
DEFAULT_SEQUENCE_CACHE = 64


class LruCache(Generic[K, V]):
    """A small least-recently-used cache (``maxsize=None``: unbounded)."""

    def __init__(self, maxsize: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        self.maxsize = maxsize
        self._data: "collections.OrderedDict[K, V]" = collections.OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        """The cached value of ``key``, made (and stored) with ``make()`` when absent."""
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        value = make()
        self.put(key, value)
        return value

    def put(self, key: K, value: V) -> None:
        """Store ``value``, evicting the least recently used entries beyond ``maxsize``."""
        self._data[key] = value
        self._data.move_to_end(key)
        if self.maxsize is not None:
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __contains__(self, key: K) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)


def info_from_boxes(boxes: np.ndarray, visible: Optional[np.ndarray] = None,
                    annotated: Optional[np.ndarray] = None) -> Dict[str, torch.Tensor]:
    """Sequence info from ``(N, 4)`` boxes (NaN = unknown) and optional per-frame visibility / annotation flags.

    A box is usable when annotated, finite and ``w, h > 0``. ``visible`` = the dataset's visibility flag (default:
    true) and a usable box -- a frame flagged visible without a usable box cannot be cropped, so it counts as not
    visible; ``valid`` = usable and visible. Rows of ``bbox`` that are not valid are zero.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    with np.errstate(invalid="ignore"):
        usable = np.isfinite(boxes).all(axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)
    if annotated is not None:
        usable &= np.asarray(annotated, dtype=bool).reshape(n)
    flag = np.ones(n, dtype=bool) if visible is None else np.asarray(visible, dtype=bool).reshape(n)
    vis = usable & flag
    clean = np.where(vis[:, None], boxes, 0.0)
    return {"bbox": torch.from_numpy(clean.astype(np.float32)), "valid": torch.from_numpy(vis.copy()),
            "visible": torch.from_numpy(vis)}


def mask_boxes(label_maps: Sequence[np.ndarray], object_ids: Sequence[int]) -> Dict[int, np.ndarray]:
    """Tight ``[x, y, w, h]`` box of every object in every label map: ``{id: (N, 4)}``, NaN where absent."""
    out = {oid: np.full((len(label_maps), 4), np.nan) for oid in object_ids}
    for t, labels in enumerate(label_maps):
        for oid in object_ids:
            m = labels == oid
            rows = np.flatnonzero(m.any(axis=1))
            if len(rows) == 0:
                continue
            cols = np.flatnonzero(m.any(axis=0))
            out[oid][t] = (cols[0], rows[0], cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1)
    return out


class BaseVideoDataset(ABC):
    """Base class of the training video datasets (see the module docstring for the contract)."""

    #: Short dataset name (``get_name``).
    name: str = "video_dataset"

    def __init__(self) -> None:
        self._info_cache: Dict[int, Dict[str, torch.Tensor]] = {}

    # ------------------------------------------------------------------------------------------------ identity
    def get_name(self) -> str:
        """Short name of the dataset (used in logs and error messages)."""
        return self.name

    def __len__(self) -> int:
        return self.get_num_sequences()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.get_name()!r})"

    @abstractmethod
    def get_num_sequences(self) -> int:
        """Number of sequences (object tracks)."""

    @abstractmethod
    def get_sequence_name(self, seq_id: int) -> str:
        """``'<video>'`` or ``'<video>/<object id>'``."""

    def has_mask(self) -> bool:
        """True for VOS and pseudo-mask datasets (``get_frames`` then returns ``'mask'``)."""
        return False

    def is_video_sequence(self) -> bool:
        """True: these are videos (image datasets repeat one frame)."""
        return True

    # ---------------------------------------------------------------------------------------------- sequences
    def get_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        """``{'bbox', 'valid', 'visible'}`` of the exposed frames; computed on first request, then cached."""
        seq_id = self.check_seq_id(seq_id)
        info = self._info_cache.get(seq_id)
        if info is None:
            info = self._load_sequence_info(seq_id)
            self._check_info(seq_id, info)
            self._info_cache[seq_id] = info
        return info

    @abstractmethod
    def _load_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        """Compute the info of one sequence (called once per sequence)."""

    @abstractmethod
    def get_frame_paths(self, seq_id: int) -> List[Path]:
        """Image files of the exposed frames, in temporal order."""

    def get_frame_stems(self, seq_id: int) -> List[str]:
        """File stems of the exposed frames (the names mask files use)."""
        return [p.stem for p in self.get_frame_paths(seq_id)]

    def get_meta_info(self, seq_id: int) -> Dict[str, Any]:
        """Free-form metadata of a sequence (``object_class_name`` at least)."""
        return {"object_class_name": None}

    def read_mask(self, seq_id: int, frame_id: int) -> torch.Tensor:
        """0/1 FloatTensor ``(H, W)`` of the target in one exposed frame (mask datasets only)."""
        raise NotImplementedError(f"{self.get_name()} has no masks")

    def get_frames(self, seq_id: int, frame_ids: Sequence[int], anno: Optional[Dict[str, torch.Tensor]] = None
                   ) -> Tuple[List[np.ndarray], Dict[str, List[torch.Tensor]], Dict[str, Any]]:
        """Frames, per-frame annotations and metadata of ``frame_ids`` (ids may repeat)."""
        seq_id = self.check_seq_id(seq_id)
        paths = self.get_frame_paths(seq_id)
        ids = self.check_frame_ids(seq_id, frame_ids, len(paths))
        where = f"{self.get_name()} sequence {self.get_sequence_name(seq_id)!r}"
        frames = [read_image(paths[i], context=f"{where}, frame {i}") for i in ids]
        if anno is None:
            anno = self.get_sequence_info(seq_id)
        anno_frames: Dict[str, List[torch.Tensor]] = {key: [value[i] for i in ids] for key, value in anno.items()}
        if self.has_mask():
            masks = []
            for i, frame in zip(ids, frames):
                mask = self.read_mask(seq_id, i)
                if tuple(mask.shape) != frame.shape[:2]:
                    raise ValueError(f"{self.get_name()} sequence {self.get_sequence_name(seq_id)!r}: mask of frame "
                                     f"{i} is {tuple(mask.shape)} but the image {paths[i]} is {frame.shape[:2]}")
                masks.append(mask)
            anno_frames["mask"] = masks
        return frames, anno_frames, self.get_meta_info(seq_id)

    # ------------------------------------------------------------------------------------------------ checks
    def check_seq_id(self, seq_id: int) -> int:
        """``seq_id`` as an int; raises IndexError naming the dataset when out of range."""
        n = self.get_num_sequences()
        if isinstance(seq_id, bool) or not isinstance(seq_id, (int, np.integer)) or not 0 <= int(seq_id) < n:
            raise IndexError(f"{self.get_name()}: sequence id {seq_id!r} out of range (0..{n - 1})")
        return int(seq_id)

    def check_frame_ids(self, seq_id: int, frame_ids: Sequence[int], n: int) -> List[int]:
        """Frame ids as ints; raises IndexError naming the sequence when one is out of range."""
        ids = [int(i) for i in frame_ids]
        bad = [i for i in ids if not 0 <= i < n]
        if bad:
            raise IndexError(f"{self.get_name()} sequence {self.get_sequence_name(seq_id)!r}: frame ids {bad} out "
                             f"of range (it exposes {n} frames)")
        return ids

    def _check_info(self, seq_id: int, info: Dict[str, torch.Tensor]) -> None:
        n = len(info["bbox"])
        ok = (info["bbox"].shape == (n, 4) and info["valid"].shape == (n,) and info["visible"].shape == (n,)
              and info["valid"].dtype == torch.bool and info["visible"].dtype == torch.bool)
        if not ok:
            raise AssertionError(f"{self.get_name()}: malformed info for {self.get_sequence_name(seq_id)!r}")


def object_mask(label_path: Path, object_id: int) -> torch.Tensor:
    """0/1 FloatTensor of ``label == object_id`` in the label PNG ``label_path`` (errors name the file)."""
    return torch.from_numpy((read_mask(label_path) == object_id).astype(np.float32))


def resolve_root(root: Optional[Any], setting: str) -> Path:
    """``root`` as a Path, or the path setting ``setting`` (e.g. ``got10k_dir``) when ``root`` is None."""
    if root is not None:
        return Path(root).expanduser()
    return env_settings().path(setting)
