"""Seeded synthetic videos for box-to-mask conversion: the paper's Fig. 1 case in miniature.

Each video has a static background texture (smooth, low-saturation clutter), one moving *target* with its own stripe
texture and blob shape, and distractors of the *same* texture family (saturated stripes, their own colours and
shapes, and hues at least a third of the colour circle away from the target's) that either stay still or move
differently. Every distractor lies inside the target's box in some frames and outside it in others: from one frame
a box cannot tell target from distractor, across frames it can, because only the target stays inside the box.
The target is drawn in front of the distractors and is always fully visible, so its tight box exists in every frame.

Everything is determined by the seed (numpy ``default_rng``); a 24-frame 160x120 video takes a few milliseconds.

:func:`make_ambiguous_video` (``generator='ambiguous'`` of :func:`make_videos`) removes the single-frame cues that
remain above (the target is the biggest object, touches all four sides of its box, is drawn in front): target and
distractors are drawn from the same shape, size and texture distributions and the target is picked at random among
them; each distractor passes through the target's box and, for a few frames, lies exactly inside it, touching all four
of its sides. In those frames one frame cannot tell which of the two is the target (:func:`box_twins` counts them);
only over several frames does the target stand out as the one that never leaves the box.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from box2mask.boxes import mask_to_box
from ltr.admin.fileio import atomic_write_text
from ltr.data.image_io import write_image, write_indexed_png

__all__ = ["SyntheticVideo", "make_video", "make_ambiguous_video", "make_videos", "box_twins", "write_davis_layout",
           "MOTIONS", "GENERATORS"]

MOTIONS = ("linear", "wobble", "random_walk")


@dataclass
class SyntheticVideo:
    """One generated video. ``frames`` RGB uint8 ``(N, H, W, 3)``; ``masks`` target 0/1 uint8 ``(N, H, W)``;
    ``boxes`` tight target boxes ``[x, y, w, h]`` float64 ``(N, 4)``; ``distractor_masks`` the visible pixels of
    each distractor, uint8 ``(D, N, H, W)``."""

    name: str
    frames: np.ndarray
    masks: np.ndarray
    boxes: np.ndarray
    distractor_masks: np.ndarray
    seed: int = 0
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.frames.shape[0])


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Low-frequency noise in [0, 1], ``(h, w)``: random values on a coarse grid, bicubically enlarged."""
    gh, gw = max(2, int(round(cells * h / max(h, w)))), max(2, int(round(cells * w / max(h, w))))
    grid = rng.random((gh, gw)).astype(np.float32)
    up = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    return np.clip(up, 0.0, 1.0)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """HSV in [0, 1] (any shape ``(..., 3)``) to RGB float in [0, 255]."""
    hsv8 = np.clip(hsv * np.array([179.0, 255.0, 255.0]), 0, 255).astype(np.uint8).reshape(-1, 1, 3)
    return cv2.cvtColor(hsv8, cv2.COLOR_HSV2RGB).reshape(hsv.shape).astype(np.float32)


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Texture family A: smooth, low-saturation clutter at two scales."""
    hue = (rng.random() + 0.25 * _smooth_noise(rng, h, w, 5)) % 1.0
    sat = 0.05 + 0.3 * _smooth_noise(rng, h, w, 6)
    val = 0.25 + 0.45 * _smooth_noise(rng, h, w, 7) + 0.2 * _smooth_noise(rng, h, w, 24)
    return _hsv_to_rgb(np.stack([hue, sat, val], axis=-1))


def _object_texture(rng: np.random.Generator, h: int, w: int, hue: float) -> np.ndarray:
    """Texture family B: saturated two-colour stripes of random orientation and frequency, colours around ``hue``."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = rng.uniform(0, math.pi)
    period = rng.uniform(5.0, 12.0)
    phase = rng.uniform(0, 2 * math.pi)
    wave = np.sin(2 * math.pi * (xx * math.cos(theta) + yy * math.sin(theta)) / period + phase)
    t = (0.5 + 0.5 * np.tanh(2.5 * wave))[..., None]
    c1 = _hsv_to_rgb(np.array([hue, rng.uniform(0.65, 1.0), rng.uniform(0.6, 1.0)], dtype=np.float32))
    hue2 = (hue + rng.choice([-1.0, 1.0]) * rng.uniform(0.06, 0.14)) % 1.0
    c2 = _hsv_to_rgb(np.array([hue2, rng.uniform(0.65, 1.0), rng.uniform(0.4, 0.9)], dtype=np.float32))
    return t * c1 + (1.0 - t) * c2


def _blob_shape(rng: np.random.Generator, h: int, w: int, parts: int) -> np.ndarray:
    """A 0/1 blob of exactly ``h x w`` touching all four sides: the largest connected part of the union of ``parts``
    random ellipses, cropped to its extent and resized. Several parts give irregular, partly concave shapes whose
    box holds background."""
    big = 64
    canvas = np.zeros((big, big), dtype=np.uint8)
    for _ in range(parts):
        cx, cy = rng.uniform(0.2, 0.8, size=2) * big
        ax, ay = rng.uniform(0.08, 0.28, size=2) * big
        cv2.ellipse(canvas, (int(cx), int(cy)), (max(int(ax), 2), max(int(ay), 2)), float(rng.uniform(0, 180)),
                    0, 360, 1, -1)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(canvas, connectivity=8)
    if count > 2:  # keep one connected object: the largest part
        canvas = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
    canvas = canvas[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_NEAREST)


def _empty_spot(shape: np.ndarray) -> Tuple[float, float, float]:
    """Centre (x, y) and radius of the largest disk inside the shape's box that avoids the shape."""
    free = np.pad(1 - shape, 1).astype(np.uint8)  # the box border counts as an obstacle
    dist = cv2.distanceTransform(free, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return float(x), float(y), float(dist[y, x])


def _paste(frame: np.ndarray, visible: np.ndarray, tex: np.ndarray, shape: np.ndarray, top: int, left: int) -> None:
    """Draw ``tex`` where ``shape`` is 1 with its top-left corner at (top, left), clipping at the image border;
    ``visible`` (bool ``(H, W)``) receives the drawn pixels."""
    H, W = frame.shape[:2]
    h, w = shape.shape
    y0, x0, y1, x1 = max(top, 0), max(left, 0), min(top + h, H), min(left + w, W)
    if y1 <= y0 or x1 <= x0:
        return
    sel = shape[y0 - top:y1 - top, x0 - left:x1 - left].astype(bool)
    frame[y0:y1, x0:x1][sel] = tex[y0 - top:y1 - top, x0 - left:x1 - left][sel]
    visible[y0:y1, x0:x1] |= sel


def _trajectory(rng: np.random.Generator, n: int, size: Tuple[int, int], obj: Tuple[int, int], motion: str,
                travel: float) -> np.ndarray:
    """Centres ``(n, 2)`` (x, y) of an object of size ``obj = (w, h)`` that stays fully inside the image."""
    W, H = size
    lo = np.array([obj[0] / 2 + 1, obj[1] / 2 + 1])
    hi = np.array([W - obj[0] / 2 - 1, H - obj[1] / 2 - 1])
    span = np.maximum(hi - lo, 0)
    if motion == "random_walk":
        vel = rng.normal(0, 1, (n, 2))
        vel = cv2.GaussianBlur(vel.astype(np.float32).reshape(n, 1, 2), (1, 9), 3).reshape(n, 2)
        path = np.cumsum(vel, axis=0)
        path -= path.min(axis=0)
        path /= max(path.max(), 1e-6)
        return lo + path * span
    angle = rng.uniform(-0.35, 0.35) + (math.pi if rng.random() < 0.5 else 0.0)
    direction = np.array([math.cos(angle), math.sin(angle)])
    dist = travel * np.linalg.norm(span)
    along = np.linspace(-dist / 2, dist / 2, n)[:, None] * direction
    if motion == "wobble":
        normal = np.array([-direction[1], direction[0]])
        wave = 0.12 * span.min() * np.sin(np.linspace(0, 2 * math.pi, n) * rng.uniform(1, 2))
        along = along + wave[:, None] * normal
    centre = lo + span / 2
    path = centre + along
    shift_lo = np.maximum(lo - path.min(axis=0), 0)
    shift_hi = np.minimum(hi - path.max(axis=0), 0)
    path = path + shift_lo + shift_hi
    return np.clip(path, lo, hi)


def make_video(seed: int, name: Optional[str] = None, size: Tuple[int, int] = (160, 120), num_frames: int = 24,
               num_distractors: int = 1, motion: str = "linear", distractor_motion: str = "static",
               target_scale: float = 0.4, travel: float = 0.75, noise: float = 3.0) -> SyntheticVideo:
    """Generate one video.

    Args:
        seed: everything follows from it.
        size: ``(width, height)`` of the frames.
        num_frames: N.
        num_distractors: distractors of the target's texture family (0 gives a plain single-object video).
        motion: target motion, one of ``'linear'``, ``'wobble'`` (linear plus a sideways sine),
            ``'random_walk'`` (smoothed random velocity).
        distractor_motion: ``'static'``, ``'moving'`` (own constant velocity) or ``'mixed'`` (alternating).
        target_scale: target extent relative to the shorter image side.
        travel: fraction of the free image diagonal the target crosses over the video (linear/wobble).
        noise: standard deviation of the per-frame Gaussian pixel noise (grey levels).
    """
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {MOTIONS}, got {motion!r}")
    if distractor_motion not in ("static", "moving", "mixed"):
        raise ValueError(f"distractor_motion must be 'static', 'moving' or 'mixed', got {distractor_motion!r}")
    if num_frames < 2:
        raise ValueError("num_frames must be >= 2")
    rng = np.random.default_rng(seed)
    W, H = int(size[0]), int(size[1])
    base = target_scale * min(W, H)
    tw, th = int(base * rng.uniform(0.8, 1.25)), int(base * rng.uniform(0.8, 1.25))
    tw, th = max(min(tw, W - 4), 6), max(min(th, H - 4), 6)
    background = _background(rng, H, W)
    # The target shape with the largest empty part of its box out of a few tries: room for a distractor.
    t_shape, (ex, ey, er) = max(((shape, _empty_spot(shape)) for shape in
                                 (_blob_shape(rng, th, tw, int(rng.integers(3, 6))) for _ in range(8))),
                                key=lambda item: item[1][2])
    t_hue = rng.random()
    t_tex = _object_texture(rng, th, tw, t_hue)
    centres = _trajectory(rng, num_frames, (W, H), (tw, th), motion, travel)
    t_tops = np.round(centres - np.array([tw, th]) / 2).astype(int)

    distractors = []
    for k in range(num_distractors):
        # An ellipse that fits the largest empty part of the target's box at frame t_star (fully inside the box,
        # beside the target): static there, or crossing that spot with its own velocity.
        t_star = int(rng.integers(int(0.25 * num_frames), max(int(0.75 * num_frames), int(0.25 * num_frames) + 1)))
        side = max(1.9 * er, 4.0)
        dw, dh = max(int(side * rng.uniform(0.75, 1.0)), 3), max(int(side * rng.uniform(0.75, 1.0)), 3)
        spot = t_tops[t_star] + np.array([ex, ey])
        moving = distractor_motion == "moving" or (distractor_motion == "mixed" and k % 2 == 1)
        if moving:
            speed = np.linalg.norm(centres[-1] - centres[0]) / num_frames
            ang = rng.uniform(0, 2 * math.pi)
            vel = max(speed, 1.0) * rng.uniform(0.7, 1.5) * np.array([math.cos(ang), math.sin(ang)])
        else:
            vel = np.zeros(2)
        d_centres = spot + (np.arange(num_frames) - t_star)[:, None] * vel
        d_tex = _object_texture(rng, dh, dw, (t_hue + rng.uniform(0.33, 0.67)) % 1.0)
        distractors.append((_blob_shape(rng, dh, dw, 1), d_tex,
                            np.round(d_centres - np.array([dw, dh]) / 2).astype(int)))

    frames = np.empty((num_frames, H, W, 3), dtype=np.uint8)
    masks = np.zeros((num_frames, H, W), dtype=np.uint8)
    d_masks = np.zeros((num_distractors, num_frames, H, W), dtype=np.uint8)
    for i in range(num_frames):
        img = background.copy()
        vis = np.zeros((num_distractors + 1, H, W), dtype=bool)
        for k, (shape, tex, tops) in enumerate(distractors):
            _paste(img, vis[k], tex, shape, int(tops[i, 1]), int(tops[i, 0]))
        _paste(img, vis[-1], t_tex, t_shape, int(t_tops[i, 1]), int(t_tops[i, 0]))
        for k in range(num_distractors):  # occluded by the target or a later distractor -> not visible
            vis[k] &= ~vis[k + 1:].any(axis=0)
        if noise > 0:
            img = img + rng.normal(0.0, noise, img.shape).astype(np.float32)
        frames[i] = np.clip(img, 0, 255).astype(np.uint8)
        masks[i] = vis[-1]
        d_masks[:, i] = vis[:-1]
    boxes = np.stack([mask_to_box(m) for m in masks])
    return SyntheticVideo(name=name or f"synth{seed:05d}", frames=frames, masks=masks, boxes=boxes,
                          distractor_masks=d_masks, seed=seed,
                          info={"motion": motion, "distractor_motion": distractor_motion, "size": (W, H),
                                "target_tops": t_tops, "distractor_tops": [d[2] for d in distractors]})


def _stroke_shape(rng: np.random.Generator, h: int, w: int, thickness: float) -> np.ndarray:
    """A 0/1 bent bar of exactly ``h x w`` touching all four sides: a smooth curve from near one corner through a
    random middle point to near the opposite corner (either diagonal), ``thickness`` times its extent wide, cropped to
    its extent and resized."""
    big, pad = 128, 32
    pts = np.array([rng.uniform(0.0, 0.15, 2), rng.uniform(0.25, 0.75, 2), rng.uniform(0.85, 1.0, 2)]) * big
    if rng.random() < 0.5:  # the other diagonal
        pts[:, 0] = big - pts[:, 0]
    ext = np.concatenate([pts[:1], pts, pts[-1:]])  # Catmull-Rom through every point
    u = np.linspace(0.0, 1.0, 16)[:, None]
    curve = np.concatenate([0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2 +
                                   (3 * p1 - p0 - 3 * p2 + p3) * u ** 3)
                            for p0, p1, p2, p3 in zip(ext[:-3], ext[1:-2], ext[2:-1], ext[3:])])
    canvas = np.zeros((big + 2 * pad, big + 2 * pad), dtype=np.uint8)
    width = max(int(round(thickness * float(np.mean(np.ptp(curve, axis=0))))), 2)
    cv2.polylines(canvas, [np.round(curve + pad).astype(np.int32).reshape(-1, 1, 2)], False, 1, thickness=width)
    rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
    canvas = canvas[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_NEAREST)


def _least_overlapping_flip(shape: np.ndarray, other: np.ndarray) -> np.ndarray:
    """``other`` as is, mirrored left-right, upside down or both: whichever covers the fewest pixels of ``shape``
    (the first in that order on ties). The shape distribution is mirror symmetric, so the result has the same
    distribution as ``other`` and the pair (shape, result) is exchangeable."""
    flips = [other, other[:, ::-1], other[::-1], other[::-1, ::-1]]
    return np.ascontiguousarray(flips[int(np.argmin([int((shape & f).sum()) for f in flips]))])


def make_ambiguous_video(seed: int, name: Optional[str] = None, size: Tuple[int, int] = (200, 150),
                         num_frames: int = 40, num_distractors: int = 3, motion: str = "linear",
                         target_scale: float = 0.3, travel: float = 0.5, noise: float = 3.0,
                         dwell: Tuple[int, int] = (4, 8), speed: Tuple[float, float] = (0.15, 0.3),
                         thickness: Tuple[float, float] = (0.25, 0.35)) -> SyntheticVideo:
    """Generate one video in which single frames cannot tell the target (see the module docstring).

    All ``num_distractors + 1`` objects share one box size (``target_scale`` times the shorter image side, each
    side x0.8-1.25) and draw a bent-bar shape (:func:`_stroke_shape`, ``thickness`` relative to the box), a stripe
    texture (hues evenly spread over the colour circle) and a depth rank independently; then one of them, at random,
    becomes the target and moves (``motion``, ``travel`` as in :func:`make_video`); each distractor's shape is
    mirrored so that it crosses the target's where both lie on the box (:func:`_least_overlapping_flip`). Each
    distractor gets its own part of the video: it approaches the target in a random direction at ``speed`` (box
    sizes per frame), stays exactly on the target's box for ``dwell`` frames (same top-left corner: both touch all
    four sides of the box), and leaves on the far side. Occlusions follow the depth ranks; should a distractor hide
    more than half of the target in some frame, the target is drawn in front for the whole video
    (``info['target_in_front']``).

    ``masks`` / ``boxes`` are the target's visible pixels and their tight box; ``info`` records the target's index
    among the objects, the depth order, the dwell frames of every distractor and the hues.
    """
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {MOTIONS}, got {motion!r}")
    if num_frames < 2 or num_distractors < 0:
        raise ValueError("num_frames must be >= 2 and num_distractors >= 0")
    if num_distractors and num_frames < num_distractors * (dwell[1] + 2):
        raise ValueError(f"{num_frames} frames are too few for {num_distractors} distractors dwelling up to "
                         f"{dwell[1]} frames each")
    rng = np.random.default_rng(seed)
    W, H = int(size[0]), int(size[1])
    count = num_distractors + 1
    base = target_scale * min(W, H)
    ow, oh = int(base * rng.uniform(0.8, 1.25)), int(base * rng.uniform(0.8, 1.25))
    ow, oh = max(min(ow, W - 4), 6), max(min(oh, H - 4), 6)
    background = _background(rng, H, W)
    hues = (rng.random() + (np.arange(count) + rng.uniform(-0.15, 0.15, count)) / count) % 1.0
    hues = hues[rng.permutation(count)]
    shapes = [_stroke_shape(rng, oh, ow, rng.uniform(*thickness)) for _ in range(count)]
    textures = [_object_texture(rng, oh, ow, hue) for hue in hues]
    depth = [int(k) for k in rng.permutation(count)]  # drawing order, back to front
    target = int(rng.integers(count))
    others = [k for k in range(count) if k != target]
    for k in others:  # where a distractor lies on the box, it crosses the target instead of running alongside it
        shapes[k] = _least_overlapping_flip(shapes[target], shapes[k])
    centres = _trajectory(rng, num_frames, (W, H), (ow, oh), motion, travel)
    tops = {target: np.round(centres - np.array([ow, oh]) / 2).astype(int)}
    dwells = {}
    part = num_frames / max(num_distractors, 1)
    for slot, k in enumerate(rng.permutation(others) if others else []):
        length = int(rng.integers(dwell[0], dwell[1] + 1))
        lo, hi = int(round(slot * part)), int(round((slot + 1) * part)) - length
        start = int(rng.integers(lo, max(hi, lo) + 1))
        ang = rng.uniform(0, 2 * math.pi)
        step = rng.uniform(*speed) * math.sqrt(ow * oh) * np.array([math.cos(ang), math.sin(ang)])
        frame = np.arange(num_frames)
        offset = np.where(frame < start, frame - start,
                          np.where(frame >= start + length, frame - start - length + 1, 0))
        tops[int(k)] = tops[target] + np.round(offset[:, None] * step).astype(int)
        dwells[int(k)] = (start, start + length)

    scratch = np.zeros((H, W, 3), np.float32)  # _paste draws here; only the footprints are kept

    def render(order: List[int]) -> Tuple[np.ndarray, np.ndarray]:
        vis = np.zeros((num_frames, count, H, W), dtype=bool)
        for i in range(num_frames):
            for j, k in enumerate(order):
                layer = np.zeros((H, W), dtype=bool)
                _paste(scratch, layer, textures[k], shapes[k], int(tops[k][i, 1]), int(tops[k][i, 0]))
                vis[i, k] = layer
                for front in order[:j]:
                    vis[i, front] &= ~layer
        return vis, vis[:, target].sum(axis=(1, 2)) / float(shapes[target].sum())

    vis, shown = render(depth)
    in_front = bool(shown.min() < 0.5)
    if in_front:
        depth = [k for k in depth if k != target] + [target]
        vis, shown = render(depth)
    frames = np.empty((num_frames, H, W, 3), dtype=np.uint8)
    for i in range(num_frames):
        img = background.copy()
        for k in range(count):
            top, left = int(tops[k][i, 1]), int(tops[k][i, 0])
            sub = vis[i, k]
            ys, xs = np.nonzero(sub)
            img[ys, xs] = textures[k][ys - top, xs - left]
        if noise > 0:
            img = img + rng.normal(0.0, noise, img.shape).astype(np.float32)
        frames[i] = np.clip(img, 0, 255).astype(np.uint8)
    masks = vis[:, target].astype(np.uint8)
    d_masks = np.ascontiguousarray(vis[:, others].transpose(1, 0, 2, 3)).astype(np.uint8)
    boxes = np.stack([mask_to_box(m) for m in masks])
    return SyntheticVideo(name=name or f"ambig{seed:05d}", frames=frames, masks=masks, boxes=boxes,
                          distractor_masks=d_masks, seed=seed,
                          info={"generator": "ambiguous", "motion": motion, "size": (W, H), "target": target,
                                "depth_order": depth, "target_in_front": in_front, "hues": hues.tolist(),
                                "dwell": [dwells[k] for k in others], "target_tops": tops[target],
                                "distractor_tops": [tops[k] for k in others]})


#: ``generator`` names of :func:`make_videos`.
GENERATORS = {"distractor": make_video, "ambiguous": make_ambiguous_video}


def box_twins(video: SyntheticVideo, tolerance: int = 1, min_cover: float = 0.25,
              max_outside: float = 0.02) -> List[List[int]]:
    """Per frame, the distractors one frame cannot tell from the target (indices into ``distractor_masks``): those
    whose visible pixels lie inside the target's box grown by ``tolerance`` pixels (all but ``max_outside`` of them),
    cover at least ``min_cover`` of the target's area, and reach all four sides of the box (within ``tolerance``
    pixels) -- as the target does by definition of its tight box. (The tolerance covers a twin in front of the
    target that hides the target's outermost row or column.)"""
    out: List[List[int]] = []
    for i in range(len(video)):
        x, y, w, h = (int(round(v)) for v in video.boxes[i])
        area = int(video.masks[i].sum())
        x0, y0, x1, y1 = max(x - tolerance, 0), max(y - tolerance, 0), x + w + tolerance, y + h + tolerance
        out.append([])
        for k, d in enumerate(video.distractor_masks[:, i].astype(bool)):
            near = d[y0:y1, x0:x1]
            n_near, n_all = int(near.sum()), int(d.sum())
            if n_near == 0 or n_near < min_cover * area or n_all - n_near > max_outside * n_all:
                continue
            rows, cols = np.flatnonzero(near.any(axis=1)) + y0, np.flatnonzero(near.any(axis=0)) + x0
            if abs(rows[0] - y) <= tolerance and abs(cols[0] - x) <= tolerance \
                    and abs(rows[-1] - (y + h - 1)) <= tolerance and abs(cols[-1] - (x + w - 1)) <= tolerance:
                out[-1].append(k)
    return out


def make_videos(count: int, seed: int = 0, prefix: str = "synth", generator: str = "distractor",
                **options) -> List[SyntheticVideo]:
    """``count`` videos with seeds ``seed, seed + 1, ...`` named ``<prefix><seed>``; ``options`` go to
    :func:`make_video` (``generator='distractor'``) or :func:`make_ambiguous_video` (``'ambiguous'``)."""
    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {sorted(GENERATORS)}, got {generator!r}")
    return [GENERATORS[generator](seed + i, name=f"{prefix}{seed + i:05d}", **options) for i in range(count)]


def write_davis_layout(root: Union[str, Path], videos: Sequence[SyntheticVideo], year: str = "2016",
                       split: str = "val") -> Path:
    """Write videos in the DAVIS layout under ``root``: ``JPEGImages/480p/<seq>/00000.jpg``,
    ``Annotations/480p/<seq>/00000.png`` (palette PNG, target = object 1; distractors are background),
    ``ImageSets/<year>/<split>.txt`` and ``sequences.txt`` (one name per line). Every file is written atomically.
    Returns ``root``."""
    root = Path(root)
    names = []
    for v in videos:
        names.append(v.name)
        for i in range(len(v)):
            write_image(root / "JPEGImages" / "480p" / v.name / f"{i:05d}.jpg", v.frames[i])
            write_indexed_png(root / "Annotations" / "480p" / v.name / f"{i:05d}.png", v.masks[i])
    listing = "".join(n + "\n" for n in names)
    atomic_write_text(root / "ImageSets" / year / f"{split}.txt", listing)
    atomic_write_text(root / "sequences.txt", listing)
    return root
