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
distractor are drawn from the same shape, size and texture distributions and which one is the target is random; the
distractor swings across the target's box and, for a few frames at each crossing, lies exactly on it, touching all
four of its sides. In those frames one frame cannot tell which of the two is the target (:func:`box_twins` finds
them); only over several frames does the target stand out as the one that never leaves the box.
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


FLIPS = ((False, False), (True, False), (False, True), (True, True))  # (left-right, upside down)


def _stroke_points(rng: np.random.Generator) -> np.ndarray:
    """Control points ``(3, 2)`` (x, y in [0, 1]) of a bent bar: near one corner, a random middle point, near the
    opposite corner; either diagonal."""
    pts = np.array([rng.uniform(0.0, 0.15, 2), rng.uniform(0.25, 0.75, 2), rng.uniform(0.85, 1.0, 2)])
    if rng.random() < 0.5:  # the other diagonal
        pts[:, 0] = 1.0 - pts[:, 0]
    return pts


def _stroke_shape(points: np.ndarray, h: int, w: int, thickness: float, flip: Tuple[bool, bool] = (False, False)
                  ) -> np.ndarray:
    """A 0/1 bent bar of exactly ``h x w`` touching all four sides: a smooth curve through ``points`` (mirrored by
    ``flip`` before drawing), ``thickness`` times its extent wide, cropped to its extent and resized. Mirrored bars
    are drawn from mirrored points, never mirrored as pixels: every bar has the same rasterisation."""
    big, pad = 128, 32
    pts = np.array(points, dtype=np.float64)
    if flip[0]:
        pts[:, 0] = 1.0 - pts[:, 0]
    if flip[1]:
        pts[:, 1] = 1.0 - pts[:, 1]
    pts = pts * big
    ext = np.concatenate([pts[:1], pts, pts[-1:]])  # Catmull-Rom through every point
    u = np.linspace(0.0, 1.0, 16)[:, None]
    curve = np.concatenate([0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2 +
                                   (3 * p1 - p0 - 3 * p2 + p3) * u ** 3)
                            for p0, p1, p2, p3 in zip(ext[:-3], ext[1:-2], ext[2:-1], ext[3:])])
    canvas = np.zeros((big + 2 * pad, big + 2 * pad), dtype=np.uint8)
    width = max(int(round(thickness * float(np.mean(np.ptp(curve, axis=0))))), 2)
    cv2.polylines(canvas, [np.round(curve + pad).astype(np.int32).reshape(-1, 1, 2)], False, 1, thickness=width)
    rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
    canvas = canvas[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
    # any covered source pixel marks the output pixel: the bar touches all four sides of the h x w array exactly
    # (a nearest-neighbour resize can drop an outermost row or column, and a 1-pixel gap is a cue)
    return (cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA) > 1e-3).astype(np.uint8)


def _least_overlapping_stroke(shape: np.ndarray, points: np.ndarray, h: int, w: int,
                              thickness: float) -> np.ndarray:
    """The bar of ``points`` as drawn, mirrored left-right, upside down or both: whichever covers the fewest pixels of
    ``shape`` (the first in that order on ties). The bar distribution is mirror symmetric, so the result has the same
    distribution as an unmirrored bar and the pair (shape, result) is exchangeable."""
    options = [_stroke_shape(points, h, w, thickness, flip) for flip in FLIPS]
    return options[int(np.argmin([int((shape & o).sum()) for o in options]))]


def _crossing_offsets(rng: np.random.Generator, n: int, dwell: Tuple[int, int], amplitude: float,
                      speed: float) -> np.ndarray:
    """``n`` offsets (box sizes, along one line) of a distractor that swings across the target's box: from one side
    (``amplitude`` away) to the other at ``speed`` per frame, resting exactly on the box (offset 0) for ``dwell``
    frames (drawn per crossing) on the way, and back; the video starts at a random point of the first crossing."""
    steps = max(int(math.ceil(amplitude / speed)), 1)
    path: List[float] = []
    side = -1.0 if rng.random() < 0.5 else 1.0
    while len(path) < 2 * n + 2 * steps + dwell[1]:
        approach = side * amplitude * (1.0 - np.arange(steps) / steps)        # from the side to just before 0
        rest = np.zeros(int(rng.integers(dwell[0], dwell[1] + 1)))
        leave = -side * amplitude * np.arange(1, steps + 1) / steps           # from just after 0 to the far side
        path += approach.tolist() + rest.tolist() + leave.tolist()
        side = -side
    start = int(rng.integers(0, 2 * steps + dwell[1]))
    return np.asarray(path[start:start + n])


def make_ambiguous_video(seed: int, name: Optional[str] = None, size: Tuple[int, int] = (200, 150),
                         num_frames: int = 40, motion: str = "linear", target_scale: float = 0.3,
                         travel: float = 0.5, noise: float = 3.0, dwell: Tuple[int, int] = (4, 8),
                         amplitude: Tuple[float, float] = (1.3, 1.8), speed: Tuple[float, float] = (0.3, 0.45),
                         thickness: Tuple[float, float] = (0.25, 0.35)) -> SyntheticVideo:
    """Generate one video in which single frames cannot tell the target (see the module docstring).

    Two objects share one box size (``target_scale`` times the shorter image side, each side x0.8-1.25) and each
    draws a bent-bar shape (:func:`_stroke_shape`, ``thickness`` relative to the box), a stripe texture (hues half the
    colour circle apart, up to jitter) and a depth rank; then one of them, at random, becomes the target and moves
    (``motion``, ``travel`` as in :func:`make_video`), and the other, the distractor, is mirrored so that it crosses
    the target where both lie on the box (:func:`_least_overlapping_stroke`). The distractor swings across the
    target's box along a random line (:func:`_crossing_offsets`: ``amplitude`` box sizes to each side, ``speed`` box
    sizes per frame) and rests exactly on the box for ``dwell`` frames at each crossing: same top-left corner, both
    touch all four sides of the box. There is one distractor only: with several, each one mirrored against the
    target, the target would be the bar whose orientation differs from the others' in view -- a single-frame cue.
    Occlusions follow the depth ranks; should the distractor hide more than half of the target in some frame, the
    target is drawn in front for the whole video (``info['target_in_front']``).

    ``masks`` / ``boxes`` are the target's visible pixels and their tight box; ``info`` records the target's index
    among the objects, the depth order, the resting frames and the hues.
    """
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {MOTIONS}, got {motion!r}")
    if num_frames < 2:
        raise ValueError("num_frames must be >= 2")
    rng = np.random.default_rng(seed)
    W, H = int(size[0]), int(size[1])
    count = 2
    base = target_scale * min(W, H)
    ow, oh = int(base * rng.uniform(0.8, 1.25)), int(base * rng.uniform(0.8, 1.25))
    ow, oh = max(min(ow, W - 4), 6), max(min(oh, H - 4), 6)
    background = _background(rng, H, W)
    hues = (rng.random() + (np.arange(count) + rng.uniform(-0.15, 0.15, count)) / count) % 1.0
    strokes = [(_stroke_points(rng), rng.uniform(*thickness)) for _ in range(count)]
    textures = [_object_texture(rng, oh, ow, hue) for hue in hues]
    depth = [int(k) for k in rng.permutation(count)]  # drawing order, back to front
    target = int(rng.integers(count))
    other = 1 - target
    shapes: List[np.ndarray] = [np.zeros(0)] * count
    shapes[target] = _stroke_shape(strokes[target][0], oh, ow, strokes[target][1])
    # where the distractor lies on the box it crosses the target instead of running alongside it
    shapes[other] = _least_overlapping_stroke(shapes[target], strokes[other][0], oh, ow, strokes[other][1])
    centres = _trajectory(rng, num_frames, (W, H), (ow, oh), motion, travel)
    tops = {target: np.round(centres - np.array([ow, oh]) / 2).astype(int)}
    offsets = _crossing_offsets(rng, num_frames, dwell, rng.uniform(*amplitude), rng.uniform(*speed))
    ang = rng.uniform(0, 2 * math.pi)
    line = math.sqrt(ow * oh) * np.array([math.cos(ang), math.sin(ang)])
    tops[other] = tops[target] + np.round(offsets[:, None] * line).astype(int)
    resting = np.flatnonzero(offsets == 0)
    runs = np.split(resting, np.flatnonzero(np.diff(resting) > 1) + 1) if len(resting) else []
    scratch = np.zeros((H, W, 3), np.float32)  # _paste draws here; only the footprints are kept

    def render(order: List[int]) -> Tuple[np.ndarray, np.ndarray]:
        vis = np.zeros((num_frames, count, H, W), dtype=bool)
        for i in range(num_frames):
            for j, k in enumerate(order):
                layer = np.zeros((H, W), dtype=bool)
                _paste(scratch, layer, textures[k], shapes[k], int(tops[k][i, 1]), int(tops[k][i, 0]))
                vis[i, k] = layer
                for behind in order[:j]:
                    vis[i, behind] &= ~layer
        return vis, vis[:, target].sum(axis=(1, 2)) / float(shapes[target].sum())

    vis, shown = render(depth)
    in_front = bool(shown.min() < 0.5)
    if in_front:
        depth = [other, target]
        vis, shown = render(depth)
    frames = np.empty((num_frames, H, W, 3), dtype=np.uint8)
    for i in range(num_frames):
        img = background.copy()
        for k in range(count):
            top, left = int(tops[k][i, 1]), int(tops[k][i, 0])
            ys, xs = np.nonzero(vis[i, k])
            img[ys, xs] = textures[k][ys - top, xs - left]
        if noise > 0:
            img = img + rng.normal(0.0, noise, img.shape).astype(np.float32)
        frames[i] = np.clip(img, 0, 255).astype(np.uint8)
    masks = vis[:, target].astype(np.uint8)
    boxes = np.stack([mask_to_box(m) for m in masks])
    return SyntheticVideo(name=name or f"ambig{seed:05d}", frames=frames, masks=masks, boxes=boxes,
                          distractor_masks=vis[:, other][None].astype(np.uint8), seed=seed,
                          info={"generator": "ambiguous", "motion": motion, "size": (W, H), "target": target,
                                "depth_order": depth, "target_in_front": in_front, "hues": hues.tolist(),
                                "dwell": [(int(r[0]), int(r[-1]) + 1) for r in runs], "target_tops": tops[target],
                                "distractor_tops": [tops[other]]})


#: ``generator`` names of :func:`make_videos`.
GENERATORS = {"distractor": make_video, "ambiguous": make_ambiguous_video}


def box_twins(video: SyntheticVideo, tolerance: int = 0, min_cover: float = 0.25,
              max_outside: float = 0.02) -> List[List[int]]:
    """Per frame, the distractors one frame cannot tell from the target (indices into ``distractor_masks``): those
    whose visible pixels lie inside the target's box grown by ``tolerance`` pixels (all but ``max_outside`` of them),
    cover at least ``min_cover`` of the target's area, and reach all four sides of the box (within ``tolerance``
    pixels) -- as the target does by definition of its tight box. The default tolerance 0 asks for exactly the
    target's box: a distractor one pixel short of a side, or one pixel out of it, can be told apart by a network that
    reads the box to the pixel."""
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
