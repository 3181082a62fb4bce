"""VOT sequence folders and VOT region text: rectangles, polygons and RLE masks.

Folder layout (what vot-toolkit's ``load_dataset`` reads)::

    <root>/list.txt                  one sequence folder per line
    <root>/<seq>/sequence            key=value lines; ``channels.color=color/%08d.jpg`` (relative to <seq>)
    <root>/<seq>/color/00000001.jpg  1-based, 8 digits (default when ``sequence`` names no colour channel)
    <root>/<seq>/00000001.jpg        legacy folders without a ``sequence`` file
    <root>/<seq>/groundtruth.txt     one region per frame
    <root>/<seq>/<name>.tag|.label   optional per-frame 0/1 attributes; <name>.value: per-frame floats (e.g.
                                     anchor.value); shorter files are zero-padded, as the toolkit does

Region lines: ``x,y,w,h`` (rectangle), ``x1,y1,...,xn,yn`` (polygon, n >= 3), ``m<x0>,<y0>,<w>,<h>,<rle...>``
(mask: run lengths of the w x h crop at (x0, y0), row-major, alternating and starting with a run of zeros), or a
single number / NaNs (unknown). :func:`encode_vot_mask` writes the string vot-toolkit writes for
``str(Mask(m, optimize=True))``: the crop is the tight box of the foreground; an empty mask is ``m0,0,0,0,0``.
(Unlike the toolkit, whose optimiser treats a mask whose foreground lies only in column 0 as empty, such masks are
encoded faithfully.)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from .common import (AnnotationError, BoxLayout, BoxSequence, MissingFileError, PathLike, mask_bbox, pattern_frames,
                     read_flags, read_key_values, read_list_file, read_text, require_dir)


@dataclass
class VotMask:
    """A binary mask crop ``mask`` (uint8 0/1, ``(h, w)``) whose top-left pixel sits at ``offset = (x0, y0)``."""

    mask: np.ndarray
    offset: Tuple[int, int] = (0, 0)

    def to_full(self, width: int, height: int) -> np.ndarray:
        """The mask on a ``(height, width)`` canvas (zero-padded or cropped at the image border)."""
        out = np.zeros((height, width), dtype=np.uint8)
        x0, y0 = self.offset
        h, w = self.mask.shape
        xa, ya = max(x0, 0), max(y0, 0)
        xb, yb = min(x0 + w, width), min(y0 + h, height)
        if xb > xa and yb > ya:
            out[ya:yb, xa:xb] = self.mask[ya - y0:yb - y0, xa - x0:xb - x0]
        return out

    def bbox(self) -> np.ndarray:
        """Tight ``[x, y, w, h]`` of the foreground in image coordinates (NaN when empty)."""
        box = mask_bbox(self.mask)
        box[:2] += self.offset
        return box


#: A parsed region: rectangle ``(4,)`` array, polygon ``(K, 2)`` array, mask, or None (unknown).
VotRegion = Union[np.ndarray, VotMask, None]


def rle_encode(bits: np.ndarray) -> List[int]:
    """Run lengths of a flat 0/1 vector, starting with the length of the leading zero run (0 if it starts with 1)."""
    v = np.asarray(bits).reshape(-1) > 0
    if v.size == 0:
        return [0]
    change = np.flatnonzero(v[1:] != v[:-1]) + 1
    bounds = np.concatenate([[0], change, [v.size]])
    runs = np.diff(bounds).tolist()
    return ([0] + runs) if v[0] else runs


def rle_decode(counts: List[int], width: int, height: int) -> np.ndarray:
    """Inverse of :func:`rle_encode` into a ``(height, width)`` uint8 mask; trailing pixels not covered are 0."""
    total = width * height
    counts_arr = np.asarray(counts, dtype=np.int64)
    if np.any(counts_arr < 0):
        raise ValueError("negative run length")
    if counts_arr.sum() > total:
        raise ValueError(f"run lengths sum to {int(counts_arr.sum())} > {width}x{height}")
    v = np.zeros(total, dtype=np.uint8)
    ends = np.cumsum(counts_arr)
    starts = ends - counts_arr
    for s, e in zip(starts[1::2], ends[1::2]):
        v[s:e] = 1
    return v.reshape(height, width)


def decode_vot_mask(text: str) -> VotMask:
    """Parse ``m<x0>,<y0>,<w>,<h>,<rle...>`` (the leading ``m`` optional)."""
    body = text.strip()
    if body.startswith("m"):
        body = body[1:]
    try:
        vals = [int(t) for t in body.split(",")]
    except ValueError as e:
        raise ValueError(f"bad mask string {text[:40]!r}: {e}") from e
    if len(vals) < 5:
        raise ValueError(f"mask string needs x0,y0,w,h and run lengths: {text[:40]!r}")
    x0, y0, w, h = vals[:4]
    if w < 0 or h < 0:
        raise ValueError(f"negative mask size in {text[:40]!r}")
    return VotMask(rle_decode(vals[4:], w, h), (x0, y0))


def encode_vot_mask(mask: np.ndarray, offset: Tuple[int, int] = (0, 0), optimize: bool = True) -> str:
    """VOT text of a binary mask placed at ``offset``; ``optimize`` crops it to the foreground's tight box first."""
    m = (np.asarray(mask) > 0).astype(np.uint8)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {m.shape}")
    x0, y0 = int(offset[0]), int(offset[1])
    if optimize:
        rows = np.flatnonzero(m.any(axis=1))
        cols = np.flatnonzero(m.any(axis=0))
        if len(rows) == 0:
            m, x0, y0 = np.zeros((0, 0), np.uint8), 0, 0
        else:
            m = m[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
            x0, y0 = x0 + int(cols[0]), y0 + int(rows[0])
    counts = ",".join(str(c) for c in rle_encode(m))
    return f"m{x0},{y0},{m.shape[1]},{m.shape[0]},{counts}"


def parse_vot_region(line: str) -> VotRegion:
    """One ground-truth line -> rectangle ``(4,)``, polygon ``(K, 2)``, :class:`VotMask` or None (unknown)."""
    s = line.strip()
    if not s:
        raise ValueError("empty region line")
    if s[0] == "m":
        return decode_vot_mask(s)
    vals = [float(t) for t in s.split(",")]
    if len(vals) in (1, 2) or any(math.isnan(v) for v in vals):
        return None  # special code (e.g. 0 = unknown) or missing annotation
    if len(vals) == 4:
        return np.asarray(vals, dtype=np.float64)
    if len(vals) % 2 == 0 and len(vals) >= 6:
        return np.asarray(vals, dtype=np.float64).reshape(-1, 2)
    raise ValueError(f"{len(vals)} numbers is neither a rectangle nor a polygon")


def format_vot_region(region: VotRegion) -> str:
    """Inverse of :func:`parse_vot_region` (unknown -> ``0``)."""
    if region is None:
        return "0"
    if isinstance(region, VotMask):
        return encode_vot_mask(region.mask, region.offset, optimize=False)
    return ",".join(f"{v:g}" for v in np.asarray(region, dtype=np.float64).reshape(-1))


def vot_region_bbox(region: VotRegion) -> np.ndarray:
    """Axis-aligned ``[x, y, w, h]`` of a region: the rectangle itself, the polygon's extent, the mask's tight
    pixel box; NaN for unknown or empty."""
    if region is None:
        return np.full(4, np.nan)
    if isinstance(region, VotMask):
        return region.bbox()
    r = np.asarray(region, dtype=np.float64)
    if r.ndim == 1:
        return r.copy()
    x1, y1 = r.min(axis=0)
    x2, y2 = r.max(axis=0)
    return np.array([x1, y1, x2 - x1, y2 - y1])


def read_vot_regions(path: PathLike, n_frames: Optional[int] = None) -> List[VotRegion]:
    """All regions of a ``groundtruth.txt``; errors name the file and line; the count must equal ``n_frames``."""
    path = Path(path)
    regions: List[VotRegion] = []
    for lineno, line in enumerate(read_text(path, "VOT groundtruth.txt").splitlines(), 1):
        if not line.strip():
            continue
        try:
            regions.append(parse_vot_region(line))
        except ValueError as e:
            raise AnnotationError(f"{path}, line {lineno}: {e}") from e
    if n_frames is not None and len(regions) != n_frames:
        raise AnnotationError(f"{path} has {len(regions)} regions but the sequence has {n_frames} frames")
    return regions


class VotLayout(BoxLayout):
    """A VOT sequences folder (``list.txt`` + one folder per sequence)."""

    dataset = "vot"

    def __init__(self, root: PathLike):
        self.root = Path(root)
        self._names: Optional[List[str]] = None

    def sequence_names(self) -> List[str]:
        if self._names is None:
            require_dir(self.root, "VOT sequences folder")
            self._names = read_list_file(self.root / "list.txt", "VOT list.txt")
        return list(self._names)

    def sequence_properties(self, name: str) -> Dict[str, str]:
        """The ``sequence`` file's key=value pairs ({} for legacy folders without one)."""
        path = self.root / name / "sequence"
        return read_key_values(path, "=", what="VOT sequence file") if path.is_file() else {}

    def frame_paths(self, name: str) -> List[Path]:
        """Colour frames: the ``channels.color`` pattern, else ``color/%08d.jpg``; legacy: ``<seq>/%08d.jpg``."""
        seq_dir = require_dir(self.root / name, "VOT sequence folder")
        props = self.sequence_properties(name)
        if (seq_dir / "sequence").is_file():
            pattern = props.get("channels.color", "color/%08d.jpg")
            if not Path(pattern).suffix:
                pattern = str(Path(pattern) / "%08d.jpg")
        else:
            pattern = "%08d.jpg"
        return pattern_frames(str(seq_dir / pattern), 1, "VOT colour channel")

    def sequence(self, name: str) -> BoxSequence:
        seq_dir = require_dir(self.root / name, "VOT sequence folder")
        frames = self.frame_paths(name)
        n = len(frames)
        gt = seq_dir / "groundtruth.txt"
        if not gt.is_file():
            if list(seq_dir.glob("groundtruth_*.txt")):
                raise AnnotationError(f"{seq_dir}: multi-object VOT sequences (groundtruth_<id>.txt) are not supported")
            raise MissingFileError(f"Missing VOT groundtruth.txt: {gt}")
        regions = read_vot_regions(gt, n)
        boxes = np.stack([vot_region_bbox(r) for r in regions])
        flags: Dict[str, np.ndarray] = {}
        for p in sorted(seq_dir.glob("*.tag")) + sorted(seq_dir.glob("*.label")):
            flags[p.stem] = read_flags(p, n, pad=True, what="VOT tag file")
        for p in sorted(seq_dir.glob("*.value")):
            flags[p.stem] = read_flags(p, n, dtype=np.float64, pad=True, what="VOT value file")
        return BoxSequence(name=name, frames=frames, boxes=boxes, flags=flags, meta=self.sequence_properties(name),
                           dataset=self.dataset, regions=regions)
