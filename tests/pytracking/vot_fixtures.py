"""Helpers for the VOT integration tests: tiny trackers (run inside the toolkit's tracker process through
``--tracker-class vot_fixtures:Class`` with ``paths`` = this folder) and a synthetic VOT2020-style dataset."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import numpy as np

from pytracking.tracker.base.basetracker import BaseTracker
from pytracking.vot_integration.regions import box_to_mask, tight_box
from pytracking.vot_integration.sequences import write_sequence

HERE = Path(__file__).resolve().parent
VOT_EXE = Path(sys.executable).parent / "vot"


class _Echo(BaseTracker):
    """Reports the initial region on every frame; optional params: ``record`` (jsonl path, one line per
    initialize), ``fail_at`` (raise RuntimeError at that frame index, 0 = in initialize), ``chatter`` (print to
    stdout on every frame), ``shift`` (report the region moved right by that many pixels)."""

    def initialize(self, image, info):
        h, w = image.shape[:2]
        self.box = [float(v) for v in info["init_bbox"]]
        self.mask = info["init_mask"].copy() if "init_mask" in info else box_to_mask(self.box, w, h)
        self.frame_num = 0
        record = self.params.get("record", None)
        if record:
            line = {"pid": os.getpid(), "instance": id(self), "shape": list(image.shape), "init_bbox": self.box,
                    "has_mask": "init_mask" in info, "mask_sum": int(self.mask.sum()),
                    "mask_box": tight_box(self.mask)}
            with open(record, "a") as f:
                f.write(json.dumps(line) + "\n")
        self._maybe_fail()

    def _maybe_fail(self):
        fail_at = self.params.get("fail_at", None)
        if fail_at is not None and self.frame_num >= int(fail_at):
            raise RuntimeError(f"synthetic tracker failure at frame {self.frame_num}")

    def track(self, image, info=None):
        self.frame_num += 1
        self._maybe_fail()
        if self.params.get("chatter", False):
            print("a stray print from the tracker")  # must not corrupt the TraX channel
        shift = int(self.params.get("shift", 0))
        mask = np.zeros_like(self.mask)
        mask[:, shift:] = self.mask[:, :mask.shape[1] - shift]
        return {"target_bbox": [self.box[0] + shift] + self.box[1:], "segmentation": mask}


class EchoMaskTracker(_Echo):
    predicts_segmentation_mask = True


class SlowLoadingTracker(EchoMaskTracker):
    """Its first construction in a process sleeps ``load_seconds`` (like loading a network once)."""

    _loaded = False

    def __init__(self, params):
        super().__init__(params)
        if not SlowLoadingTracker._loaded:
            time.sleep(float(params.get("load_seconds", 0)))
            SlowLoadingTracker._loaded = True


class EchoBoxTracker(_Echo):
    predicts_segmentation_mask = False

    def track(self, image, info=None):
        out = super().track(image, info)
        return {"target_bbox": out["target_bbox"]}


SIDE = 10  # target square side (pixels)


def square_mask(width: int, height: int, x: int, y: int, side: int = SIDE) -> np.ndarray:
    m = np.zeros((height, width), dtype=np.uint8)
    m[y:y + side, x:x + side] = 1
    return m


def make_dataset(root: Path, n_frames: int = 15, width: int = 48, height: int = 40,
                 anchor_spacing: int = 7) -> Dict[str, List[np.ndarray]]:
    """Two sequences: 'static' (square at (8, 9) in every frame) and 'moving' (square moving +1 px/frame in x
    from (5, 12)); textured frames, mask ground truth, anchors every ``anchor_spacing`` frames."""
    rng = np.random.default_rng(0)
    gts = {}
    for name, (x0, y0, dx) in {"static": (8, 9, 0), "moving": (5, 12, 1)}.items():
        frames, masks = [], []
        for t in range(n_frames):
            m = square_mask(width, height, x0 + dx * t, y0)
            img = rng.integers(0, 60, size=(height, width, 3), dtype=np.uint8)
            img[m > 0] = (220, 40, 40)
            frames.append(img)
            masks.append(m)
        write_sequence(root, name, frames, masks=masks, anchor_spacing=anchor_spacing)
        gts[name] = masks
    return gts


def expected_echo_accuracy(n_frames: int = 15) -> float:
    """Hand-computed unsupervised accuracy of an echo tracker (burn-in 1) on :func:`make_dataset`: 'static' gives
    IoU 1 on every frame; on 'moving' the square of side s shifted by t px overlaps (s - t) * s pixels, so
    IoU = (s - t) / (s + t) for t < s, else 0. Both sequences have equal length: plain mean of the two."""
    moving = [max(0, SIDE - t) / (SIDE + t) for t in range(1, n_frames)]
    return (1.0 + float(np.mean(moving))) / 2


def run_vot(args: List[str], cwd: Path, timeout: float = 240, launcher: bool = True) -> subprocess.CompletedProcess:
    """Run the project's vot launcher (or the plain ``vot`` executable) in ``cwd`` with HOME there."""
    env = dict(os.environ, HOME=str(cwd), MPLBACKEND="Agg")
    env.pop("VOT_PERSISTENT_CACHE", None)
    cmd = [sys.executable, "-m", "pytracking.vot_integration.vot_cli"] if launcher else [str(VOT_EXE)]
    return subprocess.run(cmd + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
