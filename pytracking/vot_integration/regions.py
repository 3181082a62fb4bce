"""Region conversions for VOT: VOT mask strings (RLE), tight boxes, masks anchored at an offset.

Conventions (pytracking / VOT2020):

* a box is ``[x, y, w, h]`` in 0-based pixels; the *tight box* of a mask is
  ``[xmin, ymin, xmax - xmin + 1, ymax - ymin + 1]`` (inclusive pixel extent, as libtrax and pytracking's
  ``masks_to_bboxes(mask, 't')`` compute it);
* a VOT mask string is ``m<x0>,<y0>,<w>,<h>,<rle...>``: the ``w x h`` crop at ``(x0, y0)``, flattened row-major,
  run-length encoded with counts that alternate starting with *zeros*; the empty mask is ``m0,0,0,0,0``
  (exactly what vot-toolkit's ``str(vot.region.shapes.Mask(m, optimize=True))`` writes).

Pure numpy: no dependency on vot-toolkit or vot-trax, so ground truth can be written without them.
"""
from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

import numpy as np

Box = List[float]


class RegionFormatError(ValueError):
    """A region string or array is malformed."""


def mask_bounds(mask: np.ndarray) -> Optional[Tuple[int, int, int, int]]:
    """``(xmin, ymin, xmax, ymax)`` (inclusive) of the non-zero pixels, or ``None`` for an empty mask."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RegionFormatError(f"Mask must be 2-D, got shape {mask.shape}")
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]), int(rows[-1])


def tight_box(mask: np.ndarray) -> Optional[Box]:
    """The tight box ``[xmin, ymin, xmax - xmin + 1, ymax - ymin + 1]`` of a mask, ``None`` if it is empty."""
    b = mask_bounds(mask)
    if b is None:
        return None
    x0, y0, x1, y1 = b
    return [float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)]


def fit_to_image(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """Zero-pad (right/bottom) or crop a mask anchored at image (0, 0) to ``(height, width)``; values -> 0/1 uint8.

    A ``trax.Mask``'s ``array(True)`` is padded only top/left by its offset, so it is as large as the mask's
    extent, not the image: this makes it full size.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RegionFormatError(f"Mask must be 2-D, got shape {mask.shape}")
    out = np.zeros((height, width), dtype=np.uint8)
    h, w = min(height, mask.shape[0]), min(width, mask.shape[1])
    out[:h, :w] = mask[:h, :w] > 0
    return out


def place_mask(crop: np.ndarray, x0: int, y0: int, width: int, height: int) -> np.ndarray:
    """A full ``(height, width)`` 0/1 mask with ``crop`` pasted at ``(x0, y0)`` (parts outside are clipped)."""
    crop = np.asarray(crop)
    if crop.ndim != 2:
        raise RegionFormatError(f"Mask crop must be 2-D, got shape {crop.shape}")
    out = np.zeros((height, width), dtype=np.uint8)
    ys, xs = max(0, y0), max(0, x0)
    ye, xe = min(height, y0 + crop.shape[0]), min(width, x0 + crop.shape[1])
    if ye > ys and xe > xs:
        out[ys:ye, xs:xe] = crop[ys - y0:ye - y0, xs - x0:xe - x0] > 0
    return out


def crop_to_bounds(mask: np.ndarray) -> Tuple[np.ndarray, int, int]:
    """``(crop, x0, y0)``: the C-contiguous 0/1 uint8 bounding-box crop of a mask (``1 x 1`` zero crop if empty)."""
    b = mask_bounds(mask)
    if b is None:
        return np.zeros((1, 1), dtype=np.uint8), 0, 0
    x0, y0, x1, y1 = b
    crop = (np.asarray(mask)[y0:y1 + 1, x0:x1 + 1] > 0).astype(np.uint8)
    return np.ascontiguousarray(crop), x0, y0


def box_to_mask(box: Sequence[float], width: int, height: int) -> np.ndarray:
    """Rasterise ``[x, y, w, h]`` to a 0/1 mask: the pixels whose centre ``(c + 0.5, r + 0.5)`` lies in
    ``[x, x + w) x [y, y + h)`` (clipped to the image); an integer box covers columns ``x .. x + w - 1``."""
    x, y, w, h = (float(v) for v in box)
    x0, y0 = math.ceil(x - 0.5), math.ceil(y - 0.5)
    x1, y1 = math.ceil(x + w - 0.5), math.ceil(y + h - 0.5)
    out = np.zeros((height, width), dtype=np.uint8)
    out[max(0, y0):max(0, min(height, y1)), max(0, x0):max(0, min(width, x1))] = 1
    return out


def _rle_counts(flat: np.ndarray) -> List[int]:
    """Alternating run lengths of a flat 0/1 vector, starting with the number of leading zeros."""
    if flat.size == 0:
        return [0]
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    edges = np.concatenate(([0], change, [flat.size]))
    runs = np.diff(edges).tolist()
    if flat[0]:
        runs.insert(0, 0)
    return runs


def encode_mask(mask: np.ndarray, offset: Tuple[int, int] = (0, 0)) -> str:
    """VOT mask string of a 2-D mask (non-zero = target) placed at ``offset`` ``(x, y)`` in the image.

    The mask is cropped to its tight bounding box first, as vot-toolkit does; an empty mask gives ``m0,0,0,0,0``.
    """
    b = mask_bounds(mask)
    if b is None:
        return "m0,0,0,0,0"
    x0, y0, x1, y1 = b
    crop = np.asarray(mask)[y0:y1 + 1, x0:x1 + 1] > 0
    counts = _rle_counts(crop.reshape(-1).astype(np.uint8))
    head = [x0 + int(offset[0]), y0 + int(offset[1]), x1 - x0 + 1, y1 - y0 + 1]
    return "m" + ",".join(str(v) for v in head + counts)


def decode_mask(text: str, width: Optional[int] = None, height: Optional[int] = None) -> np.ndarray:
    """Decode a VOT mask string to a 0/1 uint8 mask.

    With ``width``/``height`` the mask is placed in a full image of that size (parts outside clipped); without
    them it is returned anchored at image (0, 0) and just large enough to hold the crop.
    """
    text = text.strip()
    if not text.startswith("m"):
        raise RegionFormatError(f"Not a VOT mask string (must start with 'm'): {text[:40]!r}")
    try:
        values = [int(v) for v in text[1:].split(",")]
    except ValueError as e:
        raise RegionFormatError(f"Non-integer value in VOT mask string {text[:40]!r}") from e
    if len(values) < 5:
        raise RegionFormatError(f"VOT mask string needs x0,y0,w,h and run lengths: {text[:40]!r}")
    x0, y0, w, h = values[:4]
    counts = values[4:]
    if min(values) < 0 or sum(counts) > w * h:
        raise RegionFormatError(f"Run lengths of {text[:40]!r} do not fit a {w}x{h} crop")
    flat = np.zeros(w * h, dtype=np.uint8)
    pos = 0
    for i, n in enumerate(counts):
        if i % 2 == 1:
            flat[pos:pos + n] = 1
        pos += n
    crop = flat.reshape(h, w)
    if width is None or height is None:
        return place_mask(crop, x0, y0, x0 + w, y0 + h)
    return place_mask(crop, x0, y0, width, height)


def encode_box(box: Sequence[float]) -> str:
    """VOT rectangle line ``x,y,w,h`` (shortest exact float text)."""
    if len(box) != 4:
        raise RegionFormatError(f"A box needs 4 values [x, y, w, h], got {list(box)}")
    return ",".join(_fmt(v) for v in box)


def _fmt(v: float) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def parse_region_line(line: str, width: int, height: int) -> Tuple[Optional[np.ndarray], Optional[Box]]:
    """One ground-truth line -> ``(mask or None, box or None)``: a mask string gives both, a rectangle/polygon
    gives its (bounding) box only. An empty mask gives ``(zeros, None)``."""
    line = line.strip()
    if line.startswith("m"):
        mask = decode_mask(line, width, height)
        return mask, tight_box(mask)
    try:
        values = [float(v) for v in line.split(",")]
    except ValueError as e:
        raise RegionFormatError(f"Malformed region line {line[:40]!r}") from e
    if len(values) == 4:
        return None, values
    if len(values) >= 6 and len(values) % 2 == 0:
        xs, ys = values[0::2], values[1::2]
        return None, [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    raise RegionFormatError(f"Region line must be a mask, x,y,w,h or a polygon: {line[:40]!r}")
