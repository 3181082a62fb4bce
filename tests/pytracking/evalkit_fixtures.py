"""Test helpers for the evaluation tool chain: tiny datasets written in the official layouts, and small trackers.

Frames are tiny JPEGs (black, with the target drawn as a white rectangle) so that :class:`BrightBoxTracker` can find
the target exactly; :class:`ConstantTracker` repeats the initial box (scores computable by hand).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np
from PIL import Image

from ltr.data.image_io import davis_palette
from pytracking.tracker.base.basetracker import BaseTracker
from pytracking.utils.params import TrackerParams

W, H = 64, 48


# ------------------------------------------------------------------------------------------------------ images
def frame_with_box(box: Optional[Sequence[float]], w: int = W, h: int = H) -> np.ndarray:
    """RGB uint8 black frame with ``box`` (x, y, w, h) filled white (no box: all black)."""
    im = np.zeros((h, w, 3), np.uint8)
    if box is not None and np.all(np.isfinite(box)):
        x, y, bw, bh = [int(round(v)) for v in box]
        im[max(y, 0):max(y + bh, 0), max(x, 0):max(x + bw, 0)] = 255
    return im


def write_jpg(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 100])


def write_palette_png(path: Path, labels: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(labels.astype(np.uint8), mode="P")
    im.putpalette(davis_palette().reshape(-1).tolist())
    im.save(path)


def moving_boxes(n: int, start=(10, 8), size=(12, 10), step=(2, 1)) -> np.ndarray:
    """``n`` boxes of a target moving by ``step`` per frame."""
    return np.array([[start[0] + i * step[0], start[1] + i * step[1], size[0], size[1]] for i in range(n)], float)


def write_boxes(path: Path, boxes: np.ndarray, sep: str = ",", fmt: str = "%g") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(sep.join(fmt % v for v in b) + "\n" for b in boxes))


# ------------------------------------------------------------------------------------------------------ datasets
def make_got10k(root: Path, split: str, seqs: Dict[str, np.ndarray], absence: Optional[Dict[str, List[int]]] = None,
                cover: Optional[Dict[str, List[int]]] = None) -> Path:
    """GOT-10k ``<root>/<split>`` with every file the official toolkit needs (val) or a test split."""
    d = root / split
    d.mkdir(parents=True, exist_ok=True)
    (d / "list.txt").write_text("\n".join(seqs) + "\n")
    for name, boxes in seqs.items():
        s = d / name
        n = len(boxes)
        ab = np.array((absence or {}).get(name, [0] * n))
        cv = np.array((cover or {}).get(name, [8] * n))
        for i, b in enumerate(boxes):
            write_jpg(s / f"{i + 1:08d}.jpg", frame_with_box(None if ab[i] else b))
        write_boxes(s / "groundtruth.txt", boxes[:1] if split == "test" else boxes, fmt="%.4f")
        if split != "test":
            (s / "absence.label").write_text("".join(f"{v}\n" for v in ab))
            (s / "cover.label").write_text("".join(f"{v}\n" for v in cv))
            (s / "cut_by_image.label").write_text("0\n" * n)
            (s / "meta_info.ini").write_text(f"[METAINFO]\nurl: https://example.org/{name}\nresolution: ({W}, {H})\n"
                                             f"object_class: thing\n")
    return root


def make_trackingnet(root: Path, split: str, seqs: Dict[str, np.ndarray]) -> Path:
    """TrackingNet ``<root>/<split>/{anno,frames}``; TEST keeps only the first box."""
    for name, boxes in seqs.items():
        for i, b in enumerate(boxes):
            write_jpg(root / split / "frames" / name / f"{i}.jpg", frame_with_box(b))
        write_boxes(root / split / "anno" / f"{name}.txt", boxes[:1] if split == "TEST" else boxes, fmt="%.2f")
    return root


def make_lasot(root: Path, seqs: Dict[str, np.ndarray], test: Sequence[str] = (),
               occlusion: Optional[Dict[str, List[int]]] = None) -> Path:
    for name, boxes in seqs.items():
        s = root / name.rsplit("-", 1)[0] / name
        n = len(boxes)
        for i, b in enumerate(boxes):
            write_jpg(s / "img" / f"{i + 1:08d}.jpg", frame_with_box(b))
        write_boxes(s / "groundtruth.txt", boxes, fmt="%d")
        occ = (occlusion or {}).get(name, [0] * n)
        (s / "full_occlusion.txt").write_text(",".join(str(v) for v in occ))
        (s / "out_of_view.txt").write_text(",".join("0" for _ in range(n)))
        (s / "nlp.txt").write_text("a white box\n")
    (root / "testing_set.txt").write_text("\n".join(test) + "\n")
    return root


def make_otb(root: Path, seqs: Dict[str, np.ndarray], sep: str = ",") -> Path:
    """OTB folders; boxes are written 1-based."""
    for name, boxes in seqs.items():
        for i, b in enumerate(boxes):
            write_jpg(root / name / "img" / f"{i + 1:04d}.jpg", frame_with_box(b))
        one_based = boxes.copy()
        one_based[:, :2] += 1
        write_boxes(root / name / "groundtruth_rect.txt", one_based, sep=sep, fmt="%d")
    return root


def make_vot(root: Path, seqs: Dict[str, List[str]], legacy: Sequence[str] = ()) -> Path:
    """VOT folder from region lines per frame; sequences in ``legacy`` have no ``sequence`` file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "list.txt").write_text("\n".join(seqs) + "\n")
    for name, lines in seqs.items():
        s = root / name
        for i in range(len(lines)):
            sub = s if name in legacy else s / "color"
            write_jpg(sub / f"{i + 1:08d}.jpg", frame_with_box(None))
        if name not in legacy:
            (s / "sequence").write_text(f"channels.color=color/%08d.jpg\nfps=30\nformat=default\nname={name}\n")
        (s / "groundtruth.txt").write_text("\n".join(lines) + "\n")
    return root


def label_map_with_boxes(boxes: Dict[int, Optional[Sequence[int]]], w: int = W, h: int = H) -> np.ndarray:
    lab = np.zeros((h, w), np.uint8)
    for oid, b in boxes.items():
        if b is not None:
            x, y, bw, bh = b
            lab[y:y + bh, x:x + bw] = oid
    return lab


def make_davis(root: Path, seqs: Dict[str, List[Dict[int, Optional[Sequence[int]]]]], year: str = "2017",
               split: str = "val") -> Path:
    """DAVIS layout: per sequence a list (per frame) of object id -> box drawn as that object's mask."""
    for name, frames in seqs.items():
        for i, objs in enumerate(frames):
            lab = label_map_with_boxes(objs)
            rgb = np.stack([lab * 80] * 3, -1).astype(np.uint8)
            write_jpg(root / "JPEGImages" / "480p" / name / f"{i:05d}.jpg", rgb)
            write_palette_png(root / "Annotations" / "480p" / name / f"{i:05d}.png", lab)
    sets = root / "ImageSets" / year
    sets.mkdir(parents=True, exist_ok=True)
    (sets / f"{split}.txt").write_text("\n".join(seqs) + "\n")
    return root


def make_ytvos(root: Path, seqs: Dict[str, List[Dict[int, Optional[Sequence[int]]]]], split: str = "valid",
               step: int = 5) -> Path:
    """YouTube-VOS layout; frames named ``i*step``; annotations only where an object first appears (valid)."""
    videos = {}
    for name, frames in seqs.items():
        first: Dict[int, int] = {}
        present: Dict[int, List[str]] = {}
        for i, objs in enumerate(frames):
            stem = f"{i * step:05d}"
            lab = label_map_with_boxes(objs)
            write_jpg(root / split / "JPEGImages" / name / f"{stem}.jpg", np.stack([lab * 80] * 3, -1).astype(np.uint8))
            for oid, b in objs.items():
                if b is not None:
                    first.setdefault(oid, i)
                    present.setdefault(oid, []).append(stem)
        for i, objs in enumerate(frames):
            new = {o: b for o, b in objs.items() if b is not None and first[o] == i}
            if new or split == "train":
                write_palette_png(root / split / "Annotations" / name / f"{i * step:05d}.png",
                                  label_map_with_boxes(objs if split == "train" else new))
        videos[name] = {"objects": {str(o): {"category": "thing", "frames": present[o]} for o in sorted(first)}}
    (root / split / "meta.json").write_text(json.dumps({"videos": videos}))
    return root


# ------------------------------------------------------------------------------------------------------ trackers
def make_params(**kw) -> TrackerParams:
    """Parameters of the test trackers (a sequence whose initial x equals ``fail_if_x`` raises at ``fail_frame``)."""
    base = dict(fail_if_x=-1.0, fail_frame=2, sleep=0.0, marker="", debug=0)
    base.update(kw)
    return TrackerParams(**base)


class ConstantTracker(BaseTracker):
    """Repeats the initial box; raises at ``params.fail_frame`` when the initial x equals ``params.fail_if_x``."""

    def initialize(self, image, info):
        self.box = list(map(float, info["init_bbox"]))
        self.frame_num = 1
        self.fail = self.box[0] == self.params.fail_if_x
        return {"target_bbox": self.box}

    def track(self, image, info=None):
        self.frame_num += 1
        if self.params.marker:  # lets a test see how far the run got
            with open(self.params.marker, "a") as f:
                f.write(f"{self.frame_num}\n")
        if self.params.sleep:
            time.sleep(self.params.sleep)
        if self.fail and self.frame_num >= self.params.fail_frame:
            raise RuntimeError(f"test failure at frame {self.frame_num}")
        return {"target_bbox": list(self.box)}


class BrightBoxTracker(BaseTracker):
    """Finds the white rectangle (threshold 128) in every frame; keeps the last box when it disappears."""

    predicts_segmentation_mask = True

    def initialize(self, image, info):
        self.box = list(map(float, info["init_bbox"]))
        self.pid = os.getpid()
        return {"target_bbox": self.box}

    def track(self, image, info=None):
        m = image[..., 0] > 128
        ys, xs = np.nonzero(m)
        if len(xs):
            self.box = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
        return {"target_bbox": list(self.box), "segmentation": m.astype(np.uint8)}


class PidTracker(ConstantTracker):
    """Constant tracker whose output width encodes the worker's process id (to check multi-process runs)."""

    def initialize(self, image, info):
        out = super().initialize(image, info)
        self.box = [float(os.getpid() % 100000), 0.0, 1.0, 1.0]
        return out


def parameters_for_tests() -> TrackerParams:
    return make_params()


class IntensityTracker(BaseTracker):
    """VOS test tracker: segments the pixels whose grey level is close to the initial mask's median level."""

    predicts_segmentation_mask = True

    def initialize(self, image, info):
        mask = np.asarray(info["init_mask"]) > 0
        self.level = float(np.median(image[..., 0][mask]))
        return {"target_bbox": list(info["init_bbox"]), "segmentation": mask.astype(np.uint8)}

    def track(self, image, info=None):
        seg = (np.abs(image[..., 0].astype(float) - self.level) < 30).astype(np.uint8)
        ys, xs = np.nonzero(seg)
        box = [float(xs.min()), float(ys.min()), float(np.ptp(xs) + 1), float(np.ptp(ys) + 1)] if len(xs) else \
            [float("nan")] * 4
        return {"target_bbox": box, "segmentation": seg}


class StandInMultiObjectWrapper:
    """Minimal stand-in for pytracking's MultiObjectWrapper: one tracker per object, label maps merged by id
    (``info['init_mask']`` is a label map of the starting objects, ``info['init_bbox']`` a dict by object id)."""

    def __init__(self, tracker_class, params):
        self.tracker_class, self.params = tracker_class, params
        self.trackers = {}
        self.init_calls = []  # (frame, object ids) for the tests

    def _start(self, image, info, frame):
        for oid in info.get("init_object_ids", []):
            t = self.tracker_class(self.params)
            mask = (info["init_mask"] == int(oid)).astype(np.uint8)
            t.initialize(image, {"init_bbox": info["init_bbox"][oid], "init_mask": mask})
            self.trackers[oid] = t
        self.init_calls.append((frame, list(info.get("init_object_ids", []))))

    def initialize(self, image, info):
        self.frame = 0
        self._start(image, info, 0)
        return None

    def track(self, image, info):
        self.frame += 1
        new = set(info.get("init_object_ids", []))
        if new:
            self._start(image, info, self.frame)
        lab = np.zeros(image.shape[:2], np.uint8)
        boxes = {}
        for oid, t in self.trackers.items():
            if oid in new:
                m = info["init_mask"] == int(oid)
                boxes[oid] = info["init_bbox"][oid]
            else:
                out = t.track(image, {})
                m, boxes[oid] = out["segmentation"], out["target_bbox"]
            lab[np.asarray(m) > 0] = int(oid)
        return {"segmentation": lab, "target_bbox": boxes}


def slow_params_short() -> TrackerParams:
    """0.15 s per frame (keeps two worker processes busy)."""
    return make_params(sleep=0.15)


class BadIdsWrapper(StandInMultiObjectWrapper):
    """Reports a box for an object id the sequence does not have."""

    def track(self, image, info):
        out = super().track(image, info)
        out["target_bbox"]["7"] = [0.0, 0.0, 1.0, 1.0]
        return out


class NoBoxWrapper(StandInMultiObjectWrapper):
    """Reports no box (None) for object 1 after frame 0: the runner takes the label map's extent."""

    def track(self, image, info):
        out = super().track(image, info)
        out["target_bbox"]["1"] = None
        return out
