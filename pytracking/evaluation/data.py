"""Evaluation sequences and the shared dataset bases (pytracking's ``Sequence`` / ``SequenceList`` / ``BaseDataset``).

A :class:`Sequence` carries everything a run and its analysis need: frame paths, ground-truth boxes (``(N, 4)``
0-based ``x, y, w, h``; NaN where unknown, e.g. all but the first frame of the GOT-10k / TrackingNet test splits),
visibility, annotation PNGs for VOS datasets, and the initialisation data of every frame where a target starts
(frame 0, or a later frame when a YouTube-VOS object appears later). :meth:`Sequence.frame_info` builds the ``info``
dict of the tracker contract from it, reading masks only when asked.

Dataset classes are thin: :class:`BoxLayoutDataset` and :class:`VosLayoutDataset` turn the records of
:mod:`ltr.dataset.layouts` into sequences; one small module per dataset only names its layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence as Seq, Union

import numpy as np

from ltr.admin.environment import env_settings
from ltr.data.image_io import image_size, read_mask
from ltr.dataset.layouts import BoxLayout, BoxSequence, VosLayout, VosSequence, VotMask, mask_bbox

PathLike = Union[str, Path]
MaskSource = Union[str, Path, VotMask, np.ndarray]


@dataclass
class Sequence:
    """One evaluation sequence.

    Attributes:
        name: sequence name (result files are named after it).
        frames: frame paths in temporal order.
        dataset: registered dataset name (``got10k_val``, ``davis2017_val``, ...): results go to a folder of that name.
        family: benchmark family (``got10k``, ``trackingnet``, ``lasot``, ``otb``, ``vot``, ``davis``,
            ``youtubevos``); the analysis picks its protocol from it.
        ground_truth_rect: ``(N, 4)`` boxes, NaN rows where unknown.
        init_data: frame index -> ``{'object_ids': [...], 'bbox': box or {id: box}, 'mask': source or
            {id: source}}``; mask sources are annotation PNG paths (a label map: the object's label is selected),
            :class:`VotMask` regions or arrays.
        object_ids: object ids (strings) of a multi-object sequence, None for single-object ones.
        ground_truth_seg: annotation PNG per frame (None where not annotated), VOS datasets only.
        target_visible: ``(N,)`` bool, None when the dataset has no visibility flags.
        meta: dataset metadata strings (GOT-10k ``resolution``, TrackingNet ``split``, ...).
    """

    name: str
    frames: List[str]
    dataset: str
    family: str
    ground_truth_rect: np.ndarray
    init_data: Dict[int, Dict[str, Any]] = field(default_factory=dict)
    object_ids: Optional[List[str]] = None
    ground_truth_seg: Optional[List[Optional[str]]] = None
    target_visible: Optional[np.ndarray] = None
    meta: Dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def multiobj_mode(self) -> bool:
        """True for multi-object (DAVIS-2017, YouTube-VOS) sequences."""
        return self.object_ids is not None

    def frame_names(self) -> List[str]:
        """Frame file stems, used to name the result PNGs."""
        return [Path(f).stem for f in self.frames]

    def image_size(self) -> tuple:
        """``(width, height)`` of the first frame as it is decoded (header read only; EXIF orientation applied)."""
        return image_size(self.frames[0])

    def _load_mask(self, source: MaskSource, obj_id: Optional[str]) -> np.ndarray:
        if isinstance(source, VotMask):
            return source.to_full(*self.image_size())
        if isinstance(source, np.ndarray):
            labels = source
        else:
            labels = read_mask(source)
        if obj_id is None:
            return (labels > 0).astype(np.uint8)
        return (labels == int(obj_id)).astype(np.uint8)

    def init_info(self) -> Dict[str, Any]:
        """The ``info`` for ``tracker.initialize`` on frame 0."""
        return self.frame_info(0)

    def frame_info(self, frame: int) -> Dict[str, Any]:
        """Initialisation data of the targets starting at ``frame`` ({} when none does).

        Single object: ``init_bbox`` (list of 4 floats) and, when the dataset has one, ``init_mask`` (uint8 0/1).
        Multi-object (pytracking's ``MultiObjectWrapper`` convention): ``init_object_ids`` (objects starting here),
        ``object_ids`` (all objects started so far), ``sequence_object_ids``, ``init_bbox`` (dict keyed by object id,
        strings) and ``init_mask``: one uint8 label map holding the starting objects (pixel value = object id).
        """
        data = self.init_data.get(frame)
        if not data:
            return {}
        if not self.multiobj_mode:
            info: Dict[str, Any] = {}
            if data.get("mask") is not None:
                info["init_mask"] = self._load_mask(data["mask"], None)
            box = data.get("bbox")
            if box is None and "init_mask" in info:
                box = mask_bbox(info["init_mask"])
            info["init_bbox"] = [float(v) for v in box]
            return info
        new_ids = list(data["object_ids"])
        masks = {oid: self._load_mask(src, oid) for oid, src in (data.get("mask") or {}).items()}
        boxes = {oid: [float(v) for v in (data.get("bbox") or {}).get(oid, mask_bbox(masks[oid]))] for oid in new_ids}
        started = [oid for f in sorted(self.init_data) if f <= frame for oid in self.init_data[f]["object_ids"]]
        info = {"init_object_ids": new_ids, "object_ids": started, "sequence_object_ids": list(self.object_ids),
                "init_bbox": boxes}
        if masks:
            labels = np.zeros(next(iter(masks.values())).shape, dtype=np.uint8)
            for oid in new_ids:
                labels[masks[oid] > 0] = int(oid)
            info["init_mask"] = labels
        return info


class SequenceList(list):
    """A list of sequences that can also be indexed by name (``seqs['GOT-10k_Val_000001']``)."""

    def __getitem__(self, item):
        if isinstance(item, str):
            for seq in self:
                if seq.name == item:
                    return seq
            raise KeyError(f"No sequence named {item!r}")
        if isinstance(item, slice):
            return SequenceList(super().__getitem__(item))
        if isinstance(item, (list, tuple)):
            return SequenceList([self[i] for i in item])
        return super().__getitem__(item)

    def names(self) -> List[str]:
        """Sequence names in order."""
        return [s.name for s in self]


class BaseDataset:
    """A named dataset whose root defaults to the ``env_key`` setting (``env_settings()``)."""

    #: registered name, also the results sub-folder
    name: str = ""
    #: benchmark family (see :class:`Sequence`)
    family: str = ""
    #: settings key of the default root
    env_key: str = ""

    def __init__(self, root: Optional[PathLike] = None):
        self.root = Path(root) if root is not None else env_settings().path(self.env_key)

    def sequence_names(self) -> List[str]:
        """Names of all sequences (cheap: no sequence is read)."""
        raise NotImplementedError

    def get_sequence(self, name: str) -> Sequence:
        """Read one sequence."""
        raise NotImplementedError

    def get_sequence_list(self, names: Optional[Seq[str]] = None) -> SequenceList:
        """All (or the named) sequences; an unknown name raises listing a few known ones."""
        known = self.sequence_names()
        if names is None:
            names = known
        else:
            missing = [n for n in names if n not in set(known)]
            if missing:
                raise KeyError(f"Sequences {missing} not in dataset {self.name} (e.g. {known[:5]})")
        return SequenceList(self.get_sequence(n) for n in names)

    def __iter__(self) -> Iterator[Sequence]:
        return iter(self.get_sequence_list())

    def __len__(self) -> int:
        return len(self.sequence_names())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, root={str(self.root)!r})"


class BoxLayoutDataset(BaseDataset):
    """A box-annotated dataset read through a :class:`ltr.dataset.layouts.BoxLayout` (``make_layout``)."""

    def __init__(self, root: Optional[PathLike] = None):
        super().__init__(root)
        self.layout: BoxLayout = self.make_layout()

    def make_layout(self) -> BoxLayout:
        """The layout reader for ``self.root``."""
        raise NotImplementedError

    def sequence_names(self) -> List[str]:
        return self.layout.sequence_names()

    def get_sequence(self, name: str) -> Sequence:
        rec: BoxSequence = self.layout.sequence(name)
        init: Dict[str, Any] = {"bbox": rec.boxes[0]}
        if rec.regions is not None and isinstance(rec.regions[0], VotMask):
            init["mask"] = rec.regions[0]
        if not np.all(np.isfinite(rec.boxes[0])):
            raise ValueError(f"{self.name}/{name}: the first-frame box is unknown ({rec.boxes[0]})")
        return Sequence(name=rec.name, frames=[str(p) for p in rec.frames], dataset=self.name, family=self.family,
                        ground_truth_rect=rec.boxes, init_data={0: init}, target_visible=rec.visible, meta=rec.meta)


class VosLayoutDataset(BaseDataset):
    """A VOS dataset read through a :class:`ltr.dataset.layouts.VosLayout`.

    ``multiobj=False`` merges all objects into one target (DAVIS-2016 protocol).
    """

    multiobj: bool = True

    def __init__(self, root: Optional[PathLike] = None):
        super().__init__(root)
        self.layout: VosLayout = self.make_layout()

    def make_layout(self) -> VosLayout:
        """The layout reader for ``self.root``."""
        raise NotImplementedError

    def sequence_names(self) -> List[str]:
        return self.layout.sequence_names()

    def get_sequence(self, name: str) -> Sequence:
        rec: VosSequence = self.layout.sequence(name)
        n = len(rec.frames)
        seg = [str(rec.annotations[i]) if i in rec.annotations else None for i in range(n)]
        gt = np.full((n, 4), np.nan)
        common = dict(name=rec.name, frames=[str(p) for p in rec.frames], dataset=self.name, family=self.family,
                      ground_truth_seg=seg)
        if not self.multiobj:
            first = read_mask(rec.annotations[0]) > 0
            gt[0] = mask_bbox(first)
            return Sequence(ground_truth_rect=gt, init_data={0: {"mask": rec.annotations[0], "bbox": gt[0]}},
                            **common)
        if rec.object_ids is None:  # DAVIS: the objects are the labels of the first annotation
            labels = read_mask(rec.annotations[0])
            ids = [int(v) for v in np.unique(labels) if v != 0]
            first_frames = {oid: 0 for oid in ids}
        else:
            ids, first_frames = rec.object_ids, rec.first_frames
        if not ids:
            raise ValueError(f"{self.name}/{name}: no objects in {rec.annotations.get(0)}")
        init: Dict[int, Dict[str, Any]] = {}
        for oid in ids:
            f = first_frames[oid]
            entry = init.setdefault(f, {"object_ids": [], "mask": {}})
            entry["object_ids"].append(str(oid))
            entry["mask"][str(oid)] = rec.annotations[f]
        return Sequence(ground_truth_rect=gt, init_data=dict(sorted(init.items())),
                        object_ids=[str(i) for i in ids], **common)
