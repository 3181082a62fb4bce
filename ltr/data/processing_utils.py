"""Crop geometry shared by the LWL and Box2Mask training pipelines (and usable at inference).

A training crop is a rectangle around a (possibly jittered) target box whose *side lengths* are
``search_area_factor`` times those of a rectangle with the output aspect ratio and the box's area, i.e.

    crop_w = ceil(out_w * sqrt(box_w * box_h / (out_w * out_h)) * search_area_factor)     (crop_h likewise)

so the crop covers ``search_area_factor**2`` times the box area and is resized to the output size without
changing the aspect ratio. How a crop that does not fit the image is handled (``mode``):

* ``'replicate'``: keep the size; the crop is shifted inside the image where possible, what still sticks out
  (crop larger than the image) is split evenly between both sides and padded;
* ``'inside'``: shrink the crop (keeping its aspect ratio) until it fits the image along BOTH axes, then shift
  it inside -- the crop is never larger than the image and never padded (Box2Mask, paper Sec. 3.4);
* ``'inside_major'``: shrink only until it fits along ONE axis (the one that overflows least), shift it inside,
  split the remaining overflow of the other axis evenly and pad it (LWL).

``max_scale_change`` bounds the shrink factor of the two ``inside`` modes (None = unbounded); the rest is then
padded. Padding replicates the border pixels of the image (or fills zeros) and fills zeros in the mask.

Differences from the reference implementation (docs/reference-notes.md, "Training defaults"), on purpose: the crop's right/bottom
padding has no extra replicated column/row (the reference pads one more and drops the last image column/row when
the crop ends exactly at the border), and the crop's top-left corner is rounded half up (``floor(v + 0.5)``)
instead of with Python's round-half-to-even.

Images are ``(H, W, C)`` numpy arrays (uint8 or float32), masks ``(H, W)`` float32 0/1 arrays, boxes
``[x, y, w, h]`` float tensors; sizes are given as ``(width, height)`` like cv2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch

CROP_MODES = ("replicate", "inside", "inside_major")
BORDERS = ("replicate", "zero")

SizeWH = Tuple[int, int]


@dataclass(frozen=True)
class CropWindow:
    """An integer rectangle ``[x1, x2) x [y1, y2)`` in image pixels; it may extend outside the image."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        """Width in image pixels."""
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        """Height in image pixels."""
        return self.y2 - self.y1

    def as_box(self) -> torch.Tensor:
        """``[x, y, w, h]`` float tensor."""
        return torch.tensor([self.x1, self.y1, self.width, self.height], dtype=torch.float32)

    def padding(self, image_hw: Tuple[int, int]) -> Tuple[int, int, int, int]:
        """Pixels outside the image: (left, top, right, bottom)."""
        h, w = image_hw
        return max(0, -self.x1), max(0, -self.y1), max(0, self.x2 - w), max(0, self.y2 - h)


def to_box_tensor(box: Union[torch.Tensor, Sequence[float], np.ndarray]) -> torch.Tensor:
    """A float32 ``[x, y, w, h]`` tensor; raises for anything else."""
    t = torch.as_tensor(np.asarray(box, dtype=np.float32) if not isinstance(box, torch.Tensor) else box,
                        dtype=torch.float32).reshape(-1)
    if t.numel() != 4:
        raise ValueError(f"A box must have 4 values [x, y, w, h], got {tuple(t.shape)}")
    return t.clone()


def box_from_mask(mask: Union[np.ndarray, torch.Tensor]) -> Optional[torch.Tensor]:
    """Tight box ``[x, y, w, h]`` of the foreground (``mask > 0.5``): ``w = x_max - x_min + 1``; None if empty."""
    m = mask.numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"A mask must be 2-D (H, W), got shape {m.shape}")
    fg = m > 0.5
    rows = np.flatnonzero(fg.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(fg.any(axis=0))
    x0, x1, y0, y1 = cols[0], cols[-1], rows[0], rows[-1]
    return torch.tensor([x0, y0, x1 - x0 + 1, y1 - y0 + 1], dtype=torch.float32)


def jitter_box(box: torch.Tensor, center_factor: Union[float, Sequence[float]], scale_factor: float,
               scale_mode: str = "gauss") -> torch.Tensor:
    """Randomly perturbed box (draws from torch's global RNG).

    Size: ``wh * exp(N(0, 1) * scale_factor)`` per axis ('gauss') or ``exp(U(-s, s))`` ('uniform'). Centre: moved
    by ``U(-0.5, 0.5) * sqrt(jittered area) * center_factor`` per axis (``center_factor`` a number or ``(fx, fy)``).
    """
    box = to_box_tensor(box)
    if scale_mode == "gauss":
        size = box[2:] * torch.exp(torch.randn(2) * scale_factor)
    elif scale_mode == "uniform":
        size = box[2:] * torch.exp((torch.rand(2) * 2 - 1) * scale_factor)
    else:
        raise ValueError(f"scale_mode must be 'gauss' or 'uniform', got {scale_mode!r}")
    reach = size.prod().sqrt() * torch.as_tensor(center_factor, dtype=torch.float32)
    center = box[:2] + 0.5 * box[2:] + reach * (torch.rand(2) - 0.5)
    return torch.cat([center - 0.5 * size, size])


def _round_half_up(v: float) -> int:
    return int(math.floor(v + 0.5))


def _place(start: int, length: int, limit: int) -> int:
    """Shift ``[start, start + length)`` inside ``[0, limit)``; if it is longer, centre the overflow."""
    if length <= limit:
        return min(max(start, 0), limit - length)
    return -((length - limit) // 2)


def crop_window(box: torch.Tensor, image_hw: Tuple[int, int], search_area_factor: float, output_size: SizeWH,
                mode: str = "replicate", max_scale_change: Optional[float] = None) -> CropWindow:
    """The crop rectangle around ``box`` for an image of size ``image_hw = (H, W)`` (see the module docstring)."""
    if mode not in CROP_MODES:
        raise ValueError(f"Crop mode must be one of {CROP_MODES}, got {mode!r}")
    box = to_box_tensor(box)
    bw, bh = float(box[2]), float(box[3])
    if not (math.isfinite(bw) and math.isfinite(bh)) or bw <= 0 or bh <= 0:
        raise ValueError(f"Cannot crop around a box without area: {box.tolist()}")
    im_h, im_w = int(image_hw[0]), int(image_hw[1])
    out_w, out_h = int(output_size[0]), int(output_size[1])
    scale = math.sqrt(bw * bh / (out_w * out_h)) * search_area_factor
    crop_w, crop_h = math.ceil(out_w * scale), math.ceil(out_h * scale)
    if mode != "replicate":
        ratios = (crop_w / im_w, crop_h / im_h)
        shrink = max(ratios) if mode == "inside" else min(ratios)
        shrink = max(1.0, shrink)
        if max_scale_change is not None:
            shrink = min(shrink, float(max_scale_change))
        crop_w, crop_h = math.floor(crop_w / shrink), math.floor(crop_h / shrink)
    if crop_w < 1 or crop_h < 1:
        raise ValueError(f"Box {box.tolist()} is too small for a crop (crop size {crop_w}x{crop_h})")
    x1 = _place(_round_half_up(float(box[0]) + 0.5 * bw - 0.5 * crop_w), crop_w, im_w)
    y1 = _place(_round_half_up(float(box[1]) + 0.5 * bh - 0.5 * crop_h), crop_h, im_h)
    return CropWindow(x1, y1, x1 + crop_w, y1 + crop_h)


def _cut(array: np.ndarray, window: CropWindow) -> Tuple[np.ndarray, Tuple[int, int, int, int]]:
    """The part of ``array`` inside the window, and the padding (left, top, right, bottom) it needs."""
    h, w = array.shape[:2]
    left, top, right, bottom = window.padding((h, w))
    return array[window.y1 + top:window.y2 - bottom, window.x1 + left:window.x2 - right], (left, top, right, bottom)


def crop_image(image: np.ndarray, window: CropWindow, output_size: SizeWH, border: str = "replicate",
               interpolation: int = cv2.INTER_LINEAR) -> np.ndarray:
    """Crop ``image`` (H, W[, C]) to ``window``, pad outside the image, resize to ``output_size`` (bilinear)."""
    if border not in BORDERS:
        raise ValueError(f"border must be one of {BORDERS}, got {border!r}")
    part, (left, top, right, bottom) = _cut(image, window)
    if left or top or right or bottom:
        if part.size == 0:  # the window lies completely outside the image
            part = np.zeros((window.height, window.width) + image.shape[2:], dtype=image.dtype)
        elif border == "replicate":
            part = cv2.copyMakeBorder(part, top, bottom, left, right, cv2.BORDER_REPLICATE)
        else:
            part = cv2.copyMakeBorder(part, top, bottom, left, right, cv2.BORDER_CONSTANT, value=0)
    if part.ndim == 2 and image.ndim == 3:
        part = part[:, :, None]
    out = cv2.resize(np.ascontiguousarray(part), (int(output_size[0]), int(output_size[1])),
                     interpolation=interpolation)
    if out.ndim == 2 and image.ndim == 3:  # cv2 drops a single channel
        out = out[:, :, None]
    return out


def crop_mask(mask: np.ndarray, window: CropWindow, output_size: SizeWH) -> np.ndarray:
    """Crop a mask (H, W) to ``window``, zero outside the image, nearest-neighbour resize to ``output_size``."""
    return crop_image(np.asarray(mask, dtype=np.float32), window, output_size, border="zero",
                      interpolation=cv2.INTER_NEAREST)


def box_to_crop(box: torch.Tensor, window: CropWindow, output_size: SizeWH) -> torch.Tensor:
    """``box`` in image pixels -> crop (output) pixels."""
    box = to_box_tensor(box)
    scale = torch.tensor([output_size[0] / window.width, output_size[1] / window.height], dtype=torch.float32)
    origin = torch.tensor([window.x1, window.y1], dtype=torch.float32)
    return torch.cat([(box[:2] - origin) * scale, box[2:] * scale])


def box_from_crop(box: torch.Tensor, window: CropWindow, output_size: SizeWH) -> torch.Tensor:
    """Inverse of :func:`box_to_crop`: crop pixels -> image pixels."""
    box = to_box_tensor(box)
    scale = torch.tensor([window.width / output_size[0], window.height / output_size[1]], dtype=torch.float32)
    origin = torch.tensor([window.x1, window.y1], dtype=torch.float32)
    return torch.cat([box[:2] * scale + origin, box[2:] * scale])


def sample_target_adaptive(image: np.ndarray, box: torch.Tensor, search_area_factor: float, output_size: SizeWH,
                           mode: str = "replicate", max_scale_change: Optional[float] = None,
                           mask: Optional[np.ndarray] = None, border: str = "replicate"
                           ) -> Tuple[np.ndarray, torch.Tensor, Optional[np.ndarray]]:
    """Crop around ``box`` (see the module docstring). Returns (image crop (out_h, out_w, C), the crop rectangle
    ``[x, y, w, h]`` in image pixels, the mask crop or None)."""
    window = crop_window(box, image.shape[:2], search_area_factor, output_size, mode, max_scale_change)
    crop = crop_image(image, window, output_size, border)
    mask_crop = crop_mask(mask, window, output_size) if mask is not None else None
    return crop, window.as_box(), mask_crop
