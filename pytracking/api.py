"""Tracking from your own code: any of our trackers on a video, a frame folder or a list of images.

Example::

    from pytracking.api import track

    for r in track("lwl", "lwl_box2mask", "video.mp4", init_boxes=[[120, 80, 60, 90]], device="cuda"):
        print(r.index, r.boxes["1"], r.labels.sum())     # [x, y, w, h] per object; label map (object ids)

One object runs the bare tracker, several objects (several boxes, or a label map with several ids) run it under the
multi-object wrapper (one tracker per object, outputs merged) -- exactly as ``pytracking run`` does for single-object
and VOS datasets, so the results are the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import numpy as np

from ltr.dataset.layouts import mask_bbox
from pytracking.evaluation.tracker import Tracker
from pytracking.evaluation.tracking_loop import tracker_outputs
from pytracking.utils.frame_source import FrameSource, open_frames
from pytracking.utils.params import use_device

Box = Sequence[float]
BoxesArg = Union[Box, Sequence[Box], Mapping[Union[int, str], Box]]

__all__ = ["FrameResult", "track", "init_objects", "build_tracker", "first_frame_info", "frame_result"]


@dataclass
class FrameResult:
    """One frame's result.

    Attributes:
        index: frame index (0 = the initial frame).
        name: frame name (file stem for folders, 00000... otherwise).
        boxes: object id (``'1'``, ``'2'``, ...) -> ``[x, y, w, h]`` (None when the tracker gave none).
        labels: uint8 label map (pixel value = object id), or None for box-only trackers.
        seconds: time of this frame's tracker call.
        output: the tracker's own output dict (merged over objects when there are several).
    """

    index: int
    name: str
    boxes: Dict[str, Optional[List[float]]]
    labels: Optional[np.ndarray]
    seconds: float
    output: Dict[str, Any]


def _as_box(box: Box, what: str) -> List[float]:
    values = [float(v) for v in np.asarray(box, dtype=np.float64).reshape(-1)]
    if len(values) != 4 or not np.all(np.isfinite(values)):
        raise ValueError(f"{what}: a box is 4 finite numbers x, y, w, h, got {box!r}")
    if values[2] <= 0 or values[3] <= 0:
        raise ValueError(f"{what}: box width and height must be positive, got {values}")
    return values


def init_objects(init_boxes: Optional[BoxesArg] = None, init_mask: Optional[np.ndarray] = None,
                 frame_size: Optional[Sequence[int]] = None) -> Dict[str, Dict[str, Any]]:
    """Object id -> ``{'bbox': [x, y, w, h], 'mask': uint8 0/1 or None}`` from boxes and/or a label map.

    Boxes: one box, a list (ids 1, 2, ...) or a dict keyed by object id. A label map gives one object per non-zero
    id (its box is the mask's tight box unless a box for that id is given). ``frame_size`` = ``(width, height)``
    checks that every box overlaps the first frame and that the mask has the frame's size."""
    boxes: Dict[str, List[float]] = {}
    if init_boxes is not None:
        if isinstance(init_boxes, Mapping):
            items = [(str(k), v) for k, v in init_boxes.items()]
        else:
            arr = np.asarray(init_boxes, dtype=np.float64)
            items = [("1", arr)] if arr.ndim == 1 else [(str(i + 1), b) for i, b in enumerate(arr)]
        boxes = {k: _as_box(b, f"box of object {k}") for k, b in items}
    masks: Dict[str, np.ndarray] = {}
    if init_mask is not None:
        labels = np.asarray(init_mask)
        if labels.ndim != 2:
            raise ValueError(f"init_mask must be a 2-D label map, got shape {labels.shape}")
        if frame_size is not None and labels.shape != (frame_size[1], frame_size[0]):
            raise ValueError(f"init_mask is {labels.shape[1]}x{labels.shape[0]} but the first frame is "
                             f"{frame_size[0]}x{frame_size[1]}")
        for obj in (int(v) for v in np.unique(labels) if v != 0):
            masks[str(obj)] = (labels == obj).astype(np.uint8)
        if not masks:
            raise ValueError("init_mask has no object (all pixels are 0)")
        unknown = sorted(set(boxes) - set(masks))
        if unknown:
            raise ValueError(f"box(es) for object(s) {unknown} that the init mask does not contain")
    if not boxes and not masks:
        raise ValueError("give init_boxes and/or init_mask")
    objects = {}
    for obj in (sorted(masks, key=int) if masks else list(boxes)):
        box = boxes.get(obj) or [float(v) for v in mask_bbox(masks[obj])]
        if frame_size is not None:
            x, y, w, h = box
            if x >= frame_size[0] or y >= frame_size[1] or x + w <= 0 or y + h <= 0:
                raise ValueError(f"box {box} of object {obj} lies outside the first frame "
                                 f"({frame_size[0]}x{frame_size[1]})")
        objects[obj] = {"bbox": box, "mask": masks.get(obj)}
    return objects


def build_tracker(tracker: Tracker, num_objects: int, device: Optional[str] = None,
                  overrides: Optional[Mapping[str, Any]] = None):
    """A tracker instance for ``num_objects`` objects: the bare tracker, or the multi-object wrapper."""
    params = use_device(tracker.get_parameters(**dict(overrides or {})), device)
    if num_objects == 1:
        return tracker.create_tracker(params)
    from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper

    return MultiObjectWrapper(tracker.tracker_class(), params)


def first_frame_info(objects: Dict[str, Dict[str, Any]], name: str) -> Dict[str, Any]:
    """The first frame's ``info`` for the tracker: single-object keys for one object, the multi-object wrapper's
    keys (``init_object_ids``, one label map ...) for several."""
    ids = list(objects)
    if len(ids) == 1:
        obj = objects[ids[0]]
        info: Dict[str, Any] = {"init_bbox": obj["bbox"], "sequence_name": name}
        if obj["mask"] is not None:
            info["init_mask"] = obj["mask"]
        return info
    info = {"init_object_ids": ids, "object_ids": ids, "sequence_object_ids": ids, "sequence_name": name,
            "init_bbox": {k: o["bbox"] for k, o in objects.items()}}
    if any(o["mask"] is not None for o in objects.values()):
        labels = np.zeros(next(o["mask"] for o in objects.values() if o["mask"] is not None).shape, np.uint8)
        for k, o in objects.items():
            if o["mask"] is not None:
                labels[o["mask"] > 0] = int(k)
        info["init_mask"] = labels
    return info


def frame_result(index: int, name: str, out: Dict[str, Any], objects: Dict[str, Dict[str, Any]],
                 seconds: float) -> FrameResult:
    """A tracker output as a :class:`FrameResult` (frame 0 falls back to the given box / mask, as ``pytracking run``
    does)."""
    ids = list(objects)
    seg = out.get("segmentation")
    box = out.get("target_bbox")
    if len(ids) == 1:
        if box is None and index == 0:
            box = objects[ids[0]]["bbox"]
        boxes = {ids[0]: None if box is None else [float(v) for v in box]}
        if seg is None and index == 0 and objects[ids[0]]["mask"] is not None:
            seg = objects[ids[0]]["mask"]
        labels = None if seg is None else (np.asarray(seg) > 0).astype(np.uint8) * np.uint8(int(ids[0]))
    else:
        box = box or {}
        boxes = {k: None if box.get(k) is None else [float(v) for v in box[k]] for k in ids}
        labels = None if seg is None else np.asarray(seg).astype(np.uint8)
    return FrameResult(index, name, boxes, labels, seconds, out)


def track(tracker_name: str, param_name: str, frames: Union[str, Sequence[Any], FrameSource],
          init_boxes: Optional[BoxesArg] = None, init_mask: Optional[np.ndarray] = None,
          device: Optional[str] = None, overrides: Optional[Mapping[str, Any]] = None,
          max_frames: Optional[int] = None) -> Iterator[FrameResult]:
    """Track the objects given on the first frame through ``frames``; yields one :class:`FrameResult` per frame.

    Args:
        tracker_name, param_name: e.g. ``'lwl', 'lwl_box2mask'`` (or ``module:Class``, ``module:function``).
        frames: a video file, a frame folder, a list of RGB arrays / image paths, or a :class:`FrameSource`.
        init_boxes: box-initialised trackers: ``[x, y, w, h]`` of one object, a list of them, or ``{id: box}``.
        init_mask: mask-initialised trackers: a label map of the first frame (pixel value = object id).
        device: 'cpu', 'cuda', 'cuda:N' (None: the parameter file's choice, CUDA when available).
        overrides: tracker parameter overrides (unknown names raise).
        max_frames: stop after this many frames.
    """
    from pytracking.commands.run import make_tracker

    source = open_frames(frames, max_frames)
    objects = init_objects(init_boxes, init_mask, source.size)
    tracker = build_tracker(make_tracker(tracker_name, param_name), len(objects), device, overrides)
    first = first_frame_info(objects, source.name)
    for index, _, _, out, seconds in tracker_outputs(tracker, source, lambda i: first if i == 0 else {}):
        yield frame_result(index, source.names[index], out, objects, seconds)
