"""The default box-to-mask method without learned weights ("classic"): the paper's spatio-temporal aggregation on
hand-crafted features, followed by a GrabCut boundary refinement that shares its colour models over the window.

For each target frame t (every valid frame, the window shifting one frame at a time, paper Sec. 3.5):

1. Window: T frames spaced by delta around t (:func:`box2mask.windows.window_frames`).
2. Aggregation (Eq. 2b): per-pixel features of a ``ridge_scale`` x box crop of every window frame, labels 1 inside
   the box and 0 outside, confidences ``inside_weight`` inside (uncertain) and 1 outside (certain); the ridge
   regression over all T frames gives ``z``, and ``x_t z`` scores every pixel of the target crop: appearance that
   stays inside the boxes scores high, appearance also seen outside a box in any window frame scores low.
3. Refinement: GrabCut on a mosaic of the ``sample_scale`` x box crop of the target frame and (at reduced size)
   the crops of the other window frames. Outside the boxes is fixed background; inside, pixels scoring below
   ``score_threshold`` start as probable background, the rest as probable foreground. The colour models are thus
   learned from all T frames, and the target frame's part of the result is the mask.
"""
from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from box2mask.boxes import box_to_rect, crop_rect
from box2mask.classic.aggregation import NormalTerms, frame_terms, solve_ridge
from box2mask.classic.base import grabcut
from box2mask.classic.features import NUM_PIXEL_FEATURES, RandomFourierFeatures, pixel_features
from box2mask.video import VideoFrames
from box2mask.windows import window_frames

logger = logging.getLogger(__name__)

__all__ = ["ClassicMethod"]

Rect = Tuple[int, int, int, int]


@dataclass
class _Frame:
    """What the method keeps of one frame (cached: every frame serves up to T windows)."""

    crop: Rect            # sample crop in image coordinates
    image: np.ndarray     # RGB uint8 sample crop
    box: Rect             # box inside the sample crop
    features: np.ndarray  # (h, w, F) pixel features of the sample crop
    terms: NormalTerms    # this frame's part of Eq. 2b


class ClassicMethod:
    """Multi-frame box-to-mask conversion with no learned weights (see the module docstring).

    Args:
        num_frames: T, frames per window (1 = single-frame: aggregation and GrabCut on the target alone).
        interval: delta, spacing of the window frames (5 suits DAVIS' fast motion, the paper uses 15 elsewhere).
        sample_scale: side of the GrabCut crop relative to the box.
        ridge_scale: side of the crop whose pixels feed the aggregation, relative to the box (more background).
        iterations: GrabCut iterations.
        ridge_lambda: lambda of Eq. 2b.
        inside_weight: confidence of the "inside the box = object" labels (outside-box labels have confidence 1).
        score_threshold: inside the box, pixels scoring below it start GrabCut as probable background.
        num_features: random Fourier features lifting the pixel features; bandwidth: their kernel width.
        context_scale: size of the other window frames' crops in the GrabCut mosaic, relative to the target's.
        max_pixels: the target crop is downscaled to at most this many pixels for the refinement (speed bound).
        feature_weights: relative weights of the pixel colour, neighbourhood colour and texture features.
        seed: seed of the random feature map (results are deterministic).
    """

    name = "classic"

    def __init__(self, num_frames: int = 5, interval: int = 5, sample_scale: float = 1.5, ridge_scale: float = 2.5,
                 iterations: int = 5, ridge_lambda: float = 1e-5, inside_weight: float = 0.5,
                 score_threshold: float = 0.2, num_features: int = 128, bandwidth: float = 0.25,
                 context_scale: float = 0.5, max_pixels: int = 200_000, use_score: bool = True,
                 mosaic: bool = True, bg_quantile: float = 0.25, filter_components: bool = True,
                 component_ratio: float = 0.5, hard_bg_quantile: float = 0.0, hard_fg_quantile: float = 0.0, feature_weights: Tuple[float, float, float] = (1.0, 0.5, 0.0), seed: int = 0):
        if num_frames < 1 or interval < 1:
            raise ValueError("num_frames and interval must be >= 1")
        self.num_frames = int(num_frames)
        self.interval = int(interval)
        self.sample_scale = float(sample_scale)
        self.ridge_scale = max(float(ridge_scale), self.sample_scale)
        self.iterations = int(iterations)
        self.ridge_lambda = float(ridge_lambda)
        self.inside_weight = float(inside_weight)
        self.score_threshold = float(score_threshold)
        self.context_scale = float(context_scale)
        self.max_pixels = int(max_pixels)
        self.use_score = bool(use_score)
        self.mosaic = bool(mosaic)
        self.bg_quantile = float(bg_quantile)
        self.filter_components = bool(filter_components)
        self.component_ratio = float(component_ratio)
        self.hard_bg_quantile = float(hard_bg_quantile)
        self.hard_fg_quantile = float(hard_fg_quantile)
        weights = np.repeat(np.asarray(feature_weights, np.float32), 3)
        self.lift = RandomFourierFeatures(NUM_PIXEL_FEATURES, num_features, bandwidth, weights, seed=seed)
        self._cache_size = 2 * (self.num_frames - 1) * self.interval + 2

    # ---- per-frame data -------------------------------------------------------------------------------------
    def _frame(self, video: VideoFrames, boxes: np.ndarray, index: int, cache: "OrderedDict[int, _Frame]") -> _Frame:
        if index in cache:
            cache.move_to_end(index)
            return cache[index]
        image = video[index]
        height, width = image.shape[:2]
        box = boxes[index]
        # Aggregation samples: a wide crop at reduced resolution (about 20k pixels).
        rx0, ry0, rx1, ry1 = crop_rect(box, self.ridge_scale, (width, height))
        step = max(1, int(math.sqrt((rx1 - rx0) * (ry1 - ry0) / 20_000)))
        wide = pixel_features(image[ry0:ry1, rx0:rx1])[::step, ::step]
        bx0, by0, bx1, by1 = box_to_rect(box, (width, height))
        ys = np.arange(ry0, ry1, step)[:, None]
        xs = np.arange(rx0, rx1, step)[None, :]
        inside = ((ys >= by0) & (ys < by1) & (xs >= bx0) & (xs < bx1)).reshape(-1).astype(np.float64)
        weights = np.where(inside > 0, self.inside_weight, 1.0)
        terms = frame_terms(self.lift(wide.reshape(-1, wide.shape[-1])), inside, weights)
        # GrabCut sample crop, downscaled to at most max_pixels.
        cx0, cy0, cx1, cy1 = crop_rect(box, self.sample_scale, (width, height))
        crop = image[cy0:cy1, cx0:cx1]
        frame = _Frame(crop=(cx0, cy0, cx1, cy1), image=crop, box=(bx0 - cx0, by0 - cy0, bx1 - cx0, by1 - cy0),
                       features=pixel_features(crop), terms=terms)
        cache[index] = frame
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return frame

    def _score(self, frame: _Frame, z: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        """Aggregation score ``x z`` of the frame's sample crop, at ``size = (w, h)`` (computed on a grid of at
        most ~25k pixels and resized)."""
        h, w = frame.features.shape[:2]
        step = max(1, int(math.sqrt(h * w / 25_000)))
        feats = frame.features[::step, ::step]
        s = (self.lift(feats.reshape(-1, feats.shape[-1])) @ z.astype(np.float32)).reshape(feats.shape[:2])
        return np.clip(cv2.resize(s.astype(np.float32), size, interpolation=cv2.INTER_LINEAR), 0.0, 1.0)

    def _init(self, frame: _Frame, score: Optional[np.ndarray], size: Tuple[int, int]) -> np.ndarray:
        """GrabCut init of the frame's crop at ``size = (w, h)``."""
        h0, w0 = frame.image.shape[:2]
        sx, sy = size[0] / w0, size[1] / h0
        bx0, by0, bx1, by1 = frame.box
        init = np.full((size[1], size[0]), cv2.GC_BGD, np.uint8)
        x0, y0 = int(math.floor(bx0 * sx)), int(math.floor(by0 * sy))
        x1, y1 = max(int(math.ceil(bx1 * sx)), x0 + 1), max(int(math.ceil(by1 * sy)), y0 + 1)
        region = init[y0:y1, x0:x1]
        region[...] = cv2.GC_PR_FGD
        if score is not None and self.use_score:
            inside = score[y0:y1, x0:x1]
            low = (inside < self.score_threshold) & (inside <= np.quantile(inside, self.bg_quantile))
            region[low] = cv2.GC_PR_BGD
            if self.hard_bg_quantile > 0:
                region[(inside < self.score_threshold / 2) & (inside <= np.quantile(inside, self.hard_bg_quantile))] = cv2.GC_BGD
            if self.hard_fg_quantile > 0:
                region[inside >= np.quantile(inside, 1 - self.hard_fg_quantile)] = cv2.GC_FGD
        return init

    # ---- MaskMethod ----------------------------------------------------------------------------------------
    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        """See :class:`box2mask.predictor.MaskMethod`."""
        cache: "OrderedDict[int, _Frame]" = OrderedDict()
        valid_idx = np.flatnonzero(valid).tolist()
        height, width = video.image_size[1], video.image_size[0]
        for t in targets:
            window = window_frames(t, valid_idx, self.num_frames, self.interval)
            frames = {f: self._frame(video, boxes, f, cache) for f in window}
            mask = self._segment(frames, t)
            out = np.zeros((height, width), np.uint8)
            x0, y0, x1, y1 = frames[t].crop
            out[y0:y1, x0:x1] = mask
            yield t, out

    def _segment(self, frames: Dict[int, _Frame], t: int) -> np.ndarray:
        target = frames[t]
        z = solve_ridge([f.terms for f in frames.values()], self.ridge_lambda)
        h0, w0 = target.image.shape[:2]
        s = min(1.0, math.sqrt(self.max_pixels / float(h0 * w0)))
        tw, th = max(int(round(w0 * s)), 1), max(int(round(h0 * s)), 1)
        others = [f for f in frames if f != t] if self.mosaic else []
        cells = [(t, (tw, th))] + list(zip(others, _context_sizes(len(others), tw, th, self.context_scale)))
        images, inits = [], []
        for f, size in cells:
            fr = frames[f]
            same = size == (fr.image.shape[1], fr.image.shape[0])
            images.append(fr.image if same else cv2.resize(fr.image, size, interpolation=cv2.INTER_AREA))
            score = self._score(fr, z, size)
            if f == t:
                target_score = score
            inits.append(self._init(fr, score, size))
        image, init = _mosaic(images), _mosaic(inits)
        fg = grabcut(image, init, self.iterations)[:th, :tw]
        if self.filter_components:
            fg = _filter_components(fg, target_score, self.component_ratio)
        if (tw, th) != (w0, h0):
            fg = (cv2.resize(fg.astype(np.float32), (w0, h0), interpolation=cv2.INTER_LINEAR) >= 0.5).astype(np.uint8)
        return fg


def _filter_components(mask: np.ndarray, score: np.ndarray, ratio: float) -> np.ndarray:
    """Drop connected parts of ``mask`` whose mean aggregation score is below ``ratio`` times the mean score of
    the whole mask (pieces of background that GrabCut's colour models took for the object but whose appearance
    also occurs outside the boxes). The part with the largest total score is always kept."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    sums = np.bincount(labels.reshape(-1), weights=score.reshape(-1), minlength=count)[1:]
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    means = sums / np.maximum(areas, 1)
    overall = sums.sum() / max(areas.sum(), 1)
    keep = means >= ratio * overall
    keep[int(np.argmax(sums))] = True
    lut = np.concatenate([[0], keep.astype(np.uint8)])
    return lut[labels].astype(np.uint8)


def _context_sizes(count: int, tw: int, th: int, scale: float) -> List[Tuple[int, int]]:
    """Cell sizes ``(w, h)`` of the context frames: columns of ``scale * tw`` pixels to the right of the target
    cell, holding two cells each (the last column one cell if ``count`` is odd), so the mosaic is a full
    rectangle without padding."""
    cw = max(int(round(tw * scale)), 1)
    sizes = []
    for k in range(0, count, 2):
        if k + 1 < count:
            sizes += [(cw, max(th // 2, 1)), (cw, max(th - th // 2, 1))]
        else:
            sizes.append((cw, th))
    return sizes


def _mosaic(cells: List[np.ndarray]) -> np.ndarray:
    """Arrange arrays laid out by :func:`_context_sizes`: the target cell, then columns of (up to) two cells."""
    cols = [cells[0]]
    for k in range(1, len(cells), 2):
        cols.append(np.concatenate(cells[k:k + 2], axis=0))
    return np.ascontiguousarray(np.concatenate(cols, axis=1))
