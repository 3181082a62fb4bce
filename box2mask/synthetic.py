"""Seeded synthetic videos for box-to-mask conversion: the paper's Fig. 1 case in miniature.

Each video has a static background texture (smooth, low-saturation clutter), one moving *target* with its own stripe
texture and blob shape, and distractors of the *same* texture family (saturated stripes, their own colours and
shapes, and hues at least a third of the colour circle away from the target's) that either stay still or move
differently. Every distractor lies inside the target's box in some frames and outside it in others: from one frame
a box cannot tell target from distractor, across frames it can, because only the target stays inside the box.
The target is drawn in front of the distractors and is always fully visible, so its tight box exists in every frame.

Everything is determined by the seed (numpy ``default_rng``); a 24-frame 160x120 video takes a few milliseconds.
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

__all__ = ["SyntheticVideo", "make_video", "make_videos", "write_davis_layout", "MOTIONS"]

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


def make_videos(count: int, seed: int = 0, prefix: str = "synth", **options) -> List[SyntheticVideo]:
    """``count`` videos with seeds ``seed, seed + 1, ...`` named ``<prefix><seed>``; ``options`` go to
    :func:`make_video`."""
    return [make_video(seed + i, name=f"{prefix}{seed + i:05d}", **options) for i in range(count)]


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
