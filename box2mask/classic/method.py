"""The multi-frame box-to-mask method without learned weights ("classic"): the paper's spatio-temporal aggregation
on hand-crafted features, followed by a GrabCut refinement whose colour models are shared over the window.

Where it helps and where not (docs/benchmarks.md): where a single frame is ambiguous -- a look-alike of the target
inside its box that other frames show outside it -- it clearly beats single-frame GrabCut (generated distractor
videos: J 0.949 vs 0.907). On real DAVIS video it does not: +1.2 J over GrabCut on a 1.5x crop on the 5 dev
sequences, but -2.2 J on 20 other sequences (worse on 13 of them, most on small, fast or deforming targets whose
appearance changes between the window frames). So the box2mask default is crop GrabCut and this method an option.

For each target frame t (every valid frame; the window shifts one frame at a time, paper Sec. 3.5):

1. Window: T frames spaced by delta around t (:func:`box2mask.windows.window_frames`).
2. Aggregation (Eq. 2b, :mod:`box2mask.classic.aggregation`): per-pixel features (Lab colour, neighbourhood
   colour, texture; lifted by random Fourier features) of a ``ridge_scale`` x box crop of every window frame,
   labels 1 inside the box and 0 outside, confidence ``inside_weight`` inside (uncertain) and 1 outside (certain).
   The ridge regression over all T frames gives ``z``; ``x z`` scores the pixels: appearance that stays inside the
   boxes scores high, appearance also seen outside a box in some window frame scores low.
3. Refinement: one GrabCut run on a mosaic of the ``sample_scale`` x box crop of the target frame and, at
   ``context_scale`` size, the crops of the other window frames (:mod:`box2mask.classic.mosaic`). Outside the
   boxes is fixed background; inside, the lowest-scoring pixels (below ``score_threshold`` and in the lowest
   ``bg_quantile`` of the box) start as probable background, the rest as probable foreground. GrabCut's colour
   models are thus learned from all T frames; the target frame's part of the result is the mask. Finally, parts
   of the mask whose mean score is low compared to the whole mask are dropped (``filter_components``).

Why the score only *seeds* GrabCut: on real video the hand-crafted score separates object from background inside
the box only moderately (colour and neighbourhood colour cannot tell every object part from similar background), so
using it as a hard constraint or an aggressive threshold deletes object parts; as the probable-background start it
helps where it is right (e.g. a distractor seen outside the box in other frames) and GrabCut's own colour models
and smoothness correct it elsewhere. ``benchmarks/classic_speed.py`` measures the method against single-frame
GrabCut (whole frame and 1.5x crop) and its own T = 1 form.
"""
from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterator, List, Sequence, Tuple

import cv2
import numpy as np
import torch

from box2mask.boxes import box_to_rect, crop_rect
from box2mask.classic.aggregation import NormalTerms, frame_terms, solve_ridge
from box2mask.classic.base import grabcut
from box2mask.classic.features import NUM_PIXEL_FEATURES, RandomFourierFeatures, pixel_features
from box2mask.classic.mosaic import assemble, context_sizes, filter_components
from box2mask.video import VideoFrames
from box2mask.windows import window_frames

logger = logging.getLogger(__name__)

__all__ = ["ClassicMethod"]

Rect = Tuple[int, int, int, int]
RIDGE_SAMPLES = 20_000  # pixels per frame fed to the aggregation (subsampled evenly)
SCORE_SAMPLES = 25_000  # pixels per crop at which the score is evaluated (then resized)


@dataclass
class _Frame:
    """What the method keeps of one frame (cached: every frame serves up to T windows)."""

    crop: Rect            # sample crop in image coordinates
    image: np.ndarray     # RGB uint8 sample crop
    box: Rect             # the box inside the sample crop
    features: np.ndarray  # (h, w, F) pixel features of the sample crop
    terms: NormalTerms    # this frame's part of Eq. 2b


class ClassicMethod:
    """Multi-frame box-to-mask conversion with no learned weights (see the module docstring).

    Args:
        num_frames: T, frames per window (1: aggregation and GrabCut on the target frame alone).
        interval: delta, spacing of the window frames (5 suits DAVIS' fast motion; the paper uses 15 elsewhere).
        sample_scale: side of the GrabCut crop relative to the box.
        ridge_scale: side of the crop whose pixels feed the aggregation, relative to the box (more background).
        iterations: GrabCut iterations.
        ridge_lambda: lambda of Eq. 2b.
        inside_weight: confidence of the "inside the box = object" labels (outside-box labels have confidence 1).
        score_threshold, bg_quantile: inside the box, pixels scoring below ``score_threshold`` *and* in the lowest
            ``bg_quantile`` of the box start GrabCut as probable background.
        num_features, bandwidth: random Fourier features lifting the pixel features, and their kernel width.
        feature_weights: weights of the pixel colour, neighbourhood colour and texture features in the kernel.
        context_scale: size of the other window frames' cells in the mosaic, relative to the target cell.
        max_pixels: the target crop is downscaled to at most this many pixels for GrabCut (bounds the run time).
        use_score: seed GrabCut from the aggregation score (False: from the box alone; ablation switch).
        mosaic: learn GrabCut's colour models over the window (False: target frame alone; ablation switch).
        filter_components, component_ratio: drop mask parts whose mean score is below ``component_ratio`` times
            the mask's mean score.
        seed: seed of the random feature map (results are deterministic).
    """

    name = "classic"

    def __init__(self, num_frames: int = 5, interval: int = 5, sample_scale: float = 1.5, ridge_scale: float = 2.5,
                 iterations: int = 5, ridge_lambda: float = 1e-5, inside_weight: float = 0.5,
                 score_threshold: float = 0.2, bg_quantile: float = 0.25, num_features: int = 128,
                 bandwidth: float = 0.25, feature_weights: Tuple[float, float, float] = (1.0, 0.5, 0.0),
                 context_scale: float = 0.5, max_pixels: int = 200_000, use_score: bool = True,
                 mosaic: bool = True, filter_components: bool = True, component_ratio: float = 0.5,
                 seed: int = 0):
        if num_frames < 1 or interval < 1 or iterations < 1:
            raise ValueError("num_frames, interval and iterations must be >= 1")
        if sample_scale < 1.0:
            raise ValueError(f"sample_scale must be >= 1 (the crop must contain the box), got {sample_scale}")
        self.num_frames = int(num_frames)
        self.interval = int(interval)
        self.sample_scale = float(sample_scale)
        self.ridge_scale = max(float(ridge_scale), self.sample_scale)
        self.iterations = int(iterations)
        self.ridge_lambda = float(ridge_lambda)
        self.inside_weight = float(inside_weight)
        self.score_threshold = float(score_threshold)
        self.bg_quantile = float(bg_quantile)
        self.context_scale = float(context_scale)
        self.max_pixels = int(max_pixels)
        self.use_score = bool(use_score)
        self.mosaic = bool(mosaic)
        self.filter_components = bool(filter_components)
        self.component_ratio = float(component_ratio)
        weights = np.repeat(np.asarray(feature_weights, np.float32), 3)
        self.lift = RandomFourierFeatures(NUM_PIXEL_FEATURES, num_features, bandwidth, weights, seed=seed)
        # A frame is used by the windows of targets up to (T - 1) * delta frames away.
        self._cache_size = 2 * (self.num_frames - 1) * self.interval + 2

    # ---- MaskMethod ----------------------------------------------------------------------------------------
    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        """See :class:`box2mask.predictor.MaskMethod`."""
        cache: "OrderedDict[int, _Frame]" = OrderedDict()
        valid_idx = np.flatnonzero(valid).tolist()
        width, height = video.image_size
        for t in targets:
            window = window_frames(t, valid_idx, self.num_frames, self.interval)
            frames = {f: self._frame(video, boxes, f, cache) for f in window}
            out = np.zeros((height, width), np.uint8)
            x0, y0, x1, y1 = frames[t].crop
            out[y0:y1, x0:x1] = self._segment(frames, t)
            yield t, out

    # ---- per-frame data ------------------------------------------------------------------------------------
    def _frame(self, video: VideoFrames, boxes: np.ndarray, index: int, cache: "OrderedDict[int, _Frame]") -> _Frame:
        if index in cache:
            cache.move_to_end(index)
            return cache[index]
        image = video[index]
        height, width = image.shape[:2]
        box = boxes[index]
        bx0, by0, bx1, by1 = box_to_rect(box, (width, height))
        # Aggregation samples: the wide crop, subsampled evenly to about RIDGE_SAMPLES pixels.
        rx0, ry0, rx1, ry1 = crop_rect(box, self.ridge_scale, (width, height))
        step = max(1, int(math.sqrt((rx1 - rx0) * (ry1 - ry0) / RIDGE_SAMPLES)))
        wide = pixel_features(image[ry0:ry1, rx0:rx1])[::step, ::step]
        ys = np.arange(ry0, ry1, step)[:, None]
        xs = np.arange(rx0, rx1, step)[None, :]
        inside = ((ys >= by0) & (ys < by1) & (xs >= bx0) & (xs < bx1)).reshape(-1).astype(np.float32)
        confidence = np.where(inside > 0, self.inside_weight, 1.0)
        terms = frame_terms(self.lift(wide.reshape(-1, wide.shape[-1])), inside, confidence)
        cx0, cy0, cx1, cy1 = crop_rect(box, self.sample_scale, (width, height))
        crop = image[cy0:cy1, cx0:cx1]
        frame = _Frame(crop=(cx0, cy0, cx1, cy1), image=crop, box=(bx0 - cx0, by0 - cy0, bx1 - cx0, by1 - cy0),
                       features=pixel_features(crop), terms=terms)
        cache[index] = frame
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return frame

    def _score(self, frame: _Frame, z: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """Aggregation score ``x z`` in [0, 1] of the frame's sample crop at ``size = (w, h)``."""
        h, w = frame.features.shape[:2]
        step = max(1, int(math.sqrt(h * w / SCORE_SAMPLES)))
        feats = frame.features[::step, ::step]
        phi = torch.from_numpy(self.lift(feats.reshape(-1, feats.shape[-1])))
        s = (phi @ torch.from_numpy(z.astype(np.float32))).numpy().reshape(feats.shape[:2])
        return np.clip(cv2.resize(s.astype(np.float32), size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def _init(self, frame: _Frame, score: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """GrabCut start labels of the frame's crop at ``size = (w, h)``."""
        h0, w0 = frame.image.shape[:2]
        sx, sy = size[0] / w0, size[1] / h0
        bx0, by0, bx1, by1 = frame.box
        init = np.full((size[1], size[0]), cv2.GC_BGD, np.uint8)
        x0, y0 = int(math.floor(bx0 * sx)), int(math.floor(by0 * sy))
        x1, y1 = max(int(math.ceil(bx1 * sx)), x0 + 1), max(int(math.ceil(by1 * sy)), y0 + 1)
        region = init[y0:y1, x0:x1]
        region[...] = cv2.GC_PR_FGD
        if self.use_score:
            inside = score[y0:y1, x0:x1]
            low = (inside < self.score_threshold) & (inside <= np.quantile(inside, self.bg_quantile))
            if not low.all():  # (ties on tiny boxes) keep some probable foreground
                region[low] = cv2.GC_PR_BGD
        return init

    # ---- one window ----------------------------------------------------------------------------------------
    def _segment(self, frames: Dict[int, _Frame], t: int) -> np.ndarray:
        """0/1 mask of the target frame's sample crop."""
        target = frames[t]
        z = solve_ridge([f.terms for f in frames.values()], self.ridge_lambda)
        h0, w0 = target.image.shape[:2]
        s = min(1.0, math.sqrt(self.max_pixels / float(h0 * w0)))
        tw, th = max(int(round(w0 * s)), 1), max(int(round(h0 * s)), 1)
        others = [f for f in frames if f != t] if self.mosaic else []
        cells = [(t, (tw, th))] + list(zip(others, context_sizes(len(others), tw, th, self.context_scale)))
        images: List[np.ndarray] = []
        inits: List[np.ndarray] = []
        target_score = None
        for f, size in cells:
            fr = frames[f]
            same = size == (fr.image.shape[1], fr.image.shape[0])
            images.append(fr.image if same else cv2.resize(fr.image, size, interpolation=cv2.INTER_AREA))
            score = self._score(fr, z, size)
            target_score = score if f == t else target_score
            inits.append(self._init(fr, score, size))
        fg = grabcut(assemble(images), assemble(inits), self.iterations)[:th, :tw]
        if self.filter_components:
            fg = filter_components(fg, target_score, self.component_ratio)
        if (tw, th) != (w0, h0):
            fg = (cv2.resize(fg.astype(np.float32), (w0, h0), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.uint8)
        if not fg.any():  # a box always holds some object: never return an empty mask for a valid box
            bx0, by0, bx1, by1 = target.box
            fg[by0:by1, bx0:bx1] = 1
        return fg
