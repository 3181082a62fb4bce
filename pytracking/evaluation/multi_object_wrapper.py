"""Run one single-object tracker per object and merge their outputs (VOS datasets: DAVIS, YouTube-VOS).

``info`` keys (pytracking's): ``init_object_ids`` (objects starting in this frame), ``object_ids`` (all objects
known at the first frame), ``sequence_object_ids``, ``init_bbox`` / ``init_mask`` (dicts keyed by object id for boxes;
one label map for masks). Objects may start in later frames (YouTube-VOS). The merge is the tracker class's
``merge_results(out_all, trackers=...)`` when it has one (LWL: soft aggregation), else a per-pixel argmax of the objects' masks.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Dict, Optional

import numpy as np


class MultiObjectWrapper:
    """Same ``initialize`` / ``track`` contract as a tracker; outputs are merged over objects."""

    def __init__(self, base_tracker_class, params, fast_load: bool = False):
        self.base_tracker_class = base_tracker_class
        self.params = params
        self.trackers: "OrderedDict[str, Any]" = OrderedDict()
        self.initialized_ids: list = []

    def create_tracker(self):
        """A fresh single-object tracker sharing the parameters (and so the loaded network)."""
        return self.base_tracker_class(self.params)

    @staticmethod
    def _split_info(info: Dict[str, Any]) -> "OrderedDict[str, Dict[str, Any]]":
        split, init_other = OrderedDict(), OrderedDict()
        for obj_id in info["init_object_ids"]:
            split[obj_id] = {"object_ids": [obj_id], "sequence_object_ids": info.get("sequence_object_ids")}
            if "sequence_name" in info:
                split[obj_id]["sequence_name"] = info["sequence_name"]
            init_other[obj_id] = {}
            if "init_bbox" in info:
                split[obj_id]["init_bbox"] = init_other[obj_id]["init_bbox"] = info["init_bbox"][obj_id]
            if "init_mask" in info:
                mask = (np.asarray(info["init_mask"]) == int(obj_id)).astype(np.uint8)
                split[obj_id]["init_mask"] = init_other[obj_id]["init_mask"] = mask
        for obj_info in split.values():
            obj_info["init_other"] = init_other
        return split

    def _init_objects(self, image, split, out_all) -> None:
        for obj_id, obj_info in split.items():
            if obj_id not in self.trackers:
                self.trackers[obj_id] = self.create_tracker()
            tic = time.time()
            out = self.trackers[obj_id].initialize(image, obj_info) or {}
            defaults = {"target_bbox": obj_info.get("init_bbox"), "time": time.time() - tic,
                        "segmentation": obj_info.get("init_mask")}
            out_all[obj_id] = {**defaults, **{k: v for k, v in out.items() if v is not None}}

    def default_merge(self, out_all: Dict[str, Dict[str, Any]]) -> "OrderedDict[str, Any]":
        """Label map = argmax over the objects' (soft) masks above ``segmentation_threshold``; other keys per object."""
        merged = OrderedDict()
        first = next(iter(out_all.values()))
        if first.get("segmentation") is not None:
            maps = np.stack([np.asarray(o.get("segmentation_soft", o["segmentation"]), dtype=np.float32)
                             for o in out_all.values()])
            ids = np.array([0, *map(int, out_all)], dtype=np.uint8)
            thr = getattr(self.params, "segmentation_threshold", 0.5)
            merged["segmentation"] = ids[np.where(maps.max(axis=0) > thr, maps.argmax(axis=0) + 1, 0)]
        for key in first:
            if key != "segmentation":
                merged[key] = OrderedDict((k, o.get(key)) for k, o in out_all.items())
        return merged

    def merge_outputs(self, out_all: Dict[str, Dict[str, Any]]) -> "OrderedDict[str, Any]":
        """The tracker's own ``merge_results`` when available."""
        if hasattr(self.base_tracker_class, "merge_results"):
            return self.base_tracker_class.merge_results(out_all, trackers=self.trackers)
        return self.default_merge(out_all)

    def initialize(self, image: np.ndarray, info: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """First frame: start a tracker for every object in ``init_object_ids``."""
        self.trackers, self.initialized_ids = OrderedDict(), []
        if not info.get("init_object_ids"):
            return None
        out_all = OrderedDict()
        self._init_objects(image, self._split_info(info), out_all)
        self.initialized_ids = list(info["init_object_ids"])
        return self.merge_outputs(out_all)

    def track(self, image: np.ndarray, info: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Track the started objects, start objects appearing in this frame, merge."""
        info = {} if info is None else info
        prev = info.get("previous_output", OrderedDict())
        split = self._split_info(info) if info.get("init_object_ids") else OrderedDict()
        for obj_info in split.values():
            obj_info["previous_output"] = prev
        out_all = OrderedDict()
        for obj_id in self.initialized_ids:
            tic = time.time()
            out = self.trackers[obj_id].track(image, info)
            out_all[obj_id] = {"time": time.time() - tic, **out}
        if split:
            self._init_objects(image, split, out_all)
            self.initialized_ids.extend(info["init_object_ids"])
        if not out_all:
            return {}
        return self.merge_outputs(out_all)
