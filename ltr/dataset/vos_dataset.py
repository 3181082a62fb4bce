"""Shared implementation of the multi-object VOS training datasets (YouTube-VOS, DAVIS).

Every (video, object) pair is one sequence named ``'<video>/<object id>'``; the exposed frames are the annotated
frames of the video, the object's mask is ``label == id`` and its box is the tight box of that mask. Frames where the
object is absent have ``valid`` and ``visible`` false and a zero box. The (video, object) index is built on first use
(subclasses say where the object ids come from); the annotations of a video are read when the info of one of its
objects is first requested, and the boxes of all its objects are cached together.
"""
from __future__ import annotations

import logging
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch

from ltr.data.image_io import read_mask
from ltr.dataset.base_video_dataset import (DEFAULT_SEQUENCE_CACHE, BaseVideoDataset, LruCache, info_from_boxes,
                                            mask_boxes, object_mask)
from ltr.dataset.layouts import VosLayout, VosSequence

logger = logging.getLogger(__name__)


@dataclass
class VosVideo:
    """A parsed video: the layout record and the indices (into ``sequence.frames``) of the exposed frames."""

    sequence: VosSequence
    exposed: List[int]

    def frame_paths(self) -> List[Path]:
        """Image files of the exposed frames."""
        return [self.sequence.frames[i] for i in self.exposed]

    def annotation(self, frame_id: int) -> Path:
        """Label PNG of exposed frame ``frame_id``."""
        return self.sequence.annotations[self.exposed[frame_id]]


class LayoutVosDataset(BaseVideoDataset):
    """Multi-object VOS dataset over ``videos`` of a :class:`~ltr.dataset.layouts.VosLayout`."""

    def __init__(self, layout: VosLayout, videos: List[str], cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        super().__init__()
        if not videos:
            raise ValueError(f"{self.get_name()}: no videos selected")
        self.layout = layout
        self.video_list: List[str] = list(videos)
        self._videos: LruCache[str, VosVideo] = LruCache(cache_size)
        self._index: Optional[List[Tuple[str, int]]] = None
        self._seq_ids_of: Dict[str, List[int]] = {}

    # ------------------------------------------------------------------------------------------------ index
    @abstractmethod
    def video_object_ids(self, video: str) -> List[int]:
        """Object ids of ``video`` (from an index file, or the first annotation)."""

    def _build_index(self) -> List[Tuple[str, int]]:
        if self._index is None:
            index: List[Tuple[str, int]] = []
            for video in self.video_list:
                ids = self.video_object_ids(video)
                if not ids:
                    logger.warning("%s: video %s has no objects; skipped", self.get_name(), video)
                self._seq_ids_of[video] = list(range(len(index), len(index) + len(ids)))
                index.extend((video, oid) for oid in ids)
            if not index:
                raise ValueError(f"{self.get_name()}: none of the {len(self.video_list)} videos has an object")
            self._index = index
        return self._index

    def get_num_sequences(self) -> int:
        return len(self._build_index())

    def sequence_key(self, seq_id: int) -> Tuple[str, int]:
        """``(video, object id)`` of a sequence."""
        return self._build_index()[self.check_seq_id(seq_id)]

    def get_sequence_name(self, seq_id: int) -> str:
        video, oid = self.sequence_key(seq_id)
        return f"{video}/{oid}"

    def has_mask(self) -> bool:
        return True

    # ------------------------------------------------------------------------------------------------ videos
    def video(self, video: str) -> VosVideo:
        """The parsed video (cached): frames and annotation files, exposed = annotated frames."""
        def make() -> VosVideo:
            seq = self.layout.sequence(video)
            return VosVideo(seq, sorted(seq.annotations))
        return self._videos.get(video, make)

    def _load_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        video_name, _ = self.sequence_key(seq_id)
        video = self.video(video_name)
        labels = [read_mask(video.sequence.annotations[i]) for i in video.exposed]
        sibling_ids = self._seq_ids_of[video_name]
        boxes = mask_boxes(labels, [self._index[s][1] for s in sibling_ids])
        result = None
        for sid in sibling_ids:
            info = info_from_boxes(boxes[self._index[sid][1]])
            if not bool(info["valid"].any()):
                logger.warning("%s: object %s never appears in its annotations", self.get_name(),
                               self.get_sequence_name(sid))
            if sid == seq_id:
                result = info
            elif sid not in self._info_cache:
                self._check_info(sid, info)
                self._info_cache[sid] = info
        assert result is not None
        return result

    def get_frame_paths(self, seq_id: int) -> List[Path]:
        return self.video(self.sequence_key(seq_id)[0]).frame_paths()

    def read_mask(self, seq_id: int, frame_id: int) -> torch.Tensor:
        video_name, oid = self.sequence_key(seq_id)
        return object_mask(self.video(video_name).annotation(frame_id), oid)

    def get_meta_info(self, seq_id: int) -> Dict[str, Any]:
        video_name, oid = self.sequence_key(seq_id)
        category = self.video(video_name).sequence.categories.get(oid)
        return {"object_class_name": category or None, "video": video_name, "object_id": oid}
