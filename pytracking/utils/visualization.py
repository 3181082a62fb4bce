"""Looking at results: masks tinted per object over the frame, boxes drawn, the frame index written; overlay videos
(written atomically) and contact sheets of evenly spaced frames.

Colours are the DAVIS palette (object k has palette colour k, as in the indexed PNGs the tools write). Tinting mixes
``alpha`` of the object's colour into the pixels of its mask and leaves every other pixel as it was, except for the
box outlines and the index label (top-left corner).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Union

import cv2
import numpy as np

from ltr.data.image_io import davis_palette, write_image

PathLike = Union[str, Path]
PALETTE = davis_palette()

#: Video container -> OpenCV codec. '.mkv' / '.avi' use FFV1 (lossless: exact colours, large files); '.mp4' mp4v
#: (lossy, small, plays everywhere).
CODECS = {".mp4": "mp4v", ".mkv": "FFV1", ".avi": "FFV1"}


def object_colour(obj_id: int) -> np.ndarray:
    """RGB colour of object ``obj_id`` (DAVIS palette; ids beyond 255 wrap)."""
    return PALETTE[int(obj_id) % 255 or 1].astype(np.float32)


def tint(image: np.ndarray, labels: Optional[np.ndarray], alpha: float = 0.5) -> np.ndarray:
    """``image`` (RGB uint8) with each object's pixels of the label map mixed with its colour; other pixels kept."""
    out = np.array(image, dtype=np.uint8, copy=True)
    if labels is None:
        return out
    labels = np.asarray(labels)
    if labels.shape != out.shape[:2]:
        raise ValueError(f"label map {labels.shape} does not match the frame {out.shape[:2]}")
    for obj in np.unique(labels):
        if obj == 0:
            continue
        sel = labels == obj
        mixed = (1 - alpha) * out[sel].astype(np.float32) + alpha * object_colour(obj)
        out[sel] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return out


def draw_overlay(image: np.ndarray, labels: Optional[np.ndarray] = None,
                 boxes: Optional[Mapping[Union[int, str], Optional[Sequence[float]]]] = None,
                 index: Optional[int] = None, alpha: float = 0.5, label: str = "",
                 outline: bool = False) -> np.ndarray:
    """One overlay frame: tinted masks, box outlines in the objects' colours (``boxes``: object id -> [x, y, w, h],
    None / NaN boxes skipped) and ``"#<index> <label>"`` in the top-left corner. ``outline`` also draws each mask's
    contour in white (easier to see on objects of the tint's colour; those pixels are then not tinted)."""
    out = tint(image, labels, alpha)
    if outline and labels is not None:
        for obj in np.unique(labels):
            if obj != 0:
                contours, _ = cv2.findContours((np.asarray(labels) == obj).astype(np.uint8), cv2.RETR_EXTERNAL,
                                               cv2.CHAIN_APPROX_NONE)
                cv2.drawContours(out, contours, -1, (255, 255, 255), 1)
    h, w = out.shape[:2]
    for obj, box in (boxes or {}).items():
        if box is None or not np.all(np.isfinite(np.asarray(box, dtype=np.float64))):
            continue
        x, y, bw, bh = (float(v) for v in box)
        x0, y0 = int(round(x)), int(round(y))
        x1, y1 = int(round(x + bw)) - 1, int(round(y + bh)) - 1
        colour = tuple(int(c) for c in object_colour(int(obj)))
        cv2.rectangle(out, (max(x0, 0), max(y0, 0)), (min(x1, w - 1), min(y1, h - 1)), colour, 1)
    text = " ".join(t for t in (f"#{index}" if index is not None else "", label) if t)
    if text:
        scale = max(0.35, min(w, h) / 600)
        (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        cv2.rectangle(out, (0, 0), (tw + 4, th + base + 4), (0, 0, 0), -1)
        cv2.putText(out, text, (2, th + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def label_area(image_shape: Sequence[int], text: str) -> tuple:
    """The ``(height, width)`` of the top-left index label :func:`draw_overlay` draws for ``text``."""
    h, w = image_shape[:2]
    scale = max(0.35, min(w, h) / 600)
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    return th + base + 5, tw + 5


def labels_from_masks(masks: Mapping[Union[int, str], np.ndarray], shape: Sequence[int]) -> np.ndarray:
    """A label map from per-object binary masks (later objects win overlaps)."""
    labels = np.zeros(tuple(shape[:2]), dtype=np.uint8)
    for obj, mask in masks.items():
        labels[np.asarray(mask) > 0] = int(obj)
    return labels


class OverlayVideoWriter:
    """Writes RGB frames to a video file atomically: frames go to a hidden temp file in the same folder, renamed into
    place by :meth:`close` (an interrupted run leaves no half-written video under the final name)."""

    def __init__(self, path: PathLike, fps: float, size: Optional[Sequence[int]] = None):
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in CODECS:
            raise ValueError(f"{self.path}: unsupported video container {suffix!r}; use one of {sorted(CODECS)}")
        self.fps = float(fps) if fps and fps > 0 else 25.0
        self.size = tuple(size) if size is not None else None  # (w, h)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.stem}.partial{suffix}")
        self._writer: Optional[cv2.VideoWriter] = None
        self.frames = 0

    def write(self, frame_rgb: np.ndarray) -> None:
        """Append one RGB frame (all frames must have the first frame's size)."""
        h, w = frame_rgb.shape[:2]
        if self._writer is None:
            self.size = self.size or (w, h)
            self._writer = cv2.VideoWriter(str(self._tmp), cv2.VideoWriter_fourcc(*CODECS[self.path.suffix.lower()]),
                                           self.fps, self.size)
            if not self._writer.isOpened():
                raise OSError(f"{self.path}: OpenCV cannot write this video format here")
        if (w, h) != tuple(self.size):
            raise ValueError(f"{self.path}: frame {self.frames} is {w}x{h}, the video is {self.size[0]}x{self.size[1]}")
        self._writer.write(cv2.cvtColor(np.ascontiguousarray(frame_rgb), cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> Path:
        """Finish the file and move it into place."""
        if self._writer is None:
            raise ValueError(f"{self.path}: no frames were written")
        self._writer.release()
        self._writer = None
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the partial file."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> "OverlayVideoWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def sheet_indices(num_frames: int, count: int = 8) -> List[int]:
    """``count`` evenly spaced frame indices (first and last included)."""
    if num_frames <= 0:
        return []
    count = max(1, min(count, num_frames))
    return sorted(set(np.linspace(0, num_frames - 1, count).round().astype(int).tolist()))


def contact_sheet(frames: Sequence[np.ndarray], columns: int = 4, max_width: int = 1600) -> np.ndarray:
    """Frames (RGB, same size) tiled row by row, downscaled so that the sheet is at most ``max_width`` wide."""
    if not frames:
        raise ValueError("contact sheet of no frames")
    h, w = frames[0].shape[:2]
    columns = max(1, min(columns, len(frames)))
    scale = min(1.0, max_width / float(columns * w))
    tw, th = max(1, int(w * scale)), max(1, int(h * scale))
    tiles = [f if scale == 1.0 else cv2.resize(f, (tw, th), interpolation=cv2.INTER_AREA) for f in frames]
    rows = []
    for r in range(0, len(tiles), columns):
        row = tiles[r:r + columns]
        row += [np.zeros_like(tiles[0])] * (columns - len(row))
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)


def write_contact_sheet(path: PathLike, frames: Sequence[np.ndarray], columns: int = 4) -> Path:
    """:func:`contact_sheet` written as an image (atomically)."""
    write_image(path, contact_sheet(frames, columns))
    return Path(path)


def overlay_sequence(frames: Iterable[np.ndarray], labels: Iterable[Optional[np.ndarray]],
                     boxes: Iterable[Optional[Dict]], video_path: Optional[PathLike], fps: float = 25.0,
                     sheet_path: Optional[PathLike] = None, every: int = 1, sheet_count: int = 8,
                     num_frames: Optional[int] = None) -> Dict[str, Path]:
    """Overlay video (every ``every``-th frame) and/or contact sheet of a whole sequence; returns the written paths."""
    picks = set(sheet_indices(num_frames, sheet_count)) if (sheet_path and num_frames) else set()
    sheet: List[np.ndarray] = []
    writer = OverlayVideoWriter(video_path, fps / max(1, every)) if video_path else None
    try:
        for i, (frame, lab, box) in enumerate(zip(frames, labels, boxes)):
            if i % max(1, every) and i not in picks:
                continue
            ov = draw_overlay(frame, lab, box, index=i)
            if writer is not None and i % max(1, every) == 0:
                writer.write(ov)
            if i in picks:
                sheet.append(ov)
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    out: Dict[str, Path] = {}
    if writer is not None:
        out["video"] = writer.close()
    if sheet_path and sheet:
        out["sheet"] = write_contact_sheet(sheet_path, sheet)
    return out
