"""Box -> mask with STANet around one box: crop geometry, paste-back, and a single-frame initialiser for trackers.

Geometry (the reference's STAHelper, docs/reference-notes.md, "STANet box-to-mask helper"): a crop centred on the
box, of area ``scale**2`` times the box area with the network's fixed aspect ratio (480:832), resized to the network
input size; the box is mapped into crop coordinates; the network's logits are pasted back into the image (-100
outside the crop) and set to -100 outside the box. Difference from the reference: the outside-the-box rule clamps the
box to the image first (the reference's slicing wiped almost the whole map for boxes starting left of / above the
image).

Input normalisation: the reference STAHelper feeds raw RGB 0-255 crops to the network (quirk Q2 in
docs/reference-notes.md), so the official ``sta.pth.tar`` is run that way by default ('raw_rgb255'); networks trained
with this project's settings record ``info['input_format'] = 'bgr255_mrcnn'`` (BGR 0-255 minus the Mask R-CNN mean),
which ``input_format='auto'`` reads.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch

from pytracking.features.preprocessing import numpy_to_torch, sample_patch
from pytracking.libs.segmentation import paste_scores

MRCNN_MEAN_BGR = (102.9801, 115.9465, 122.7717)
INPUT_FORMATS = ("raw_rgb255", "bgr255_mrcnn")


@dataclass
class BoxCrop:
    """One frame's crop around its box: the crop (RGB 0-255 ``(1, 3, h, w)``), the box in crop pixels
    ``[x, y, w, h]``, and the crop's centre ``(y, x)`` and scale in the image."""

    image: torch.Tensor
    box: torch.Tensor
    sample_pos: torch.Tensor
    sample_scale: float


def resolve_input_format(net, input_format: str = "auto") -> str:
    """'raw_rgb255' for official checkpoints (no recorded format), else the network's recorded format."""
    if input_format != "auto":
        if input_format not in INPUT_FORMATS:
            raise ValueError(f"input_format must be one of {INPUT_FORMATS} or 'auto', got {input_format!r}")
        return input_format
    info = getattr(net, "info", None)
    if isinstance(info, dict) and info.get("input_format") in INPUT_FORMATS:
        return info["input_format"]
    return "raw_rgb255"


def normalise(crops: torch.Tensor, input_format: str) -> torch.Tensor:
    """RGB 0-255 crops ``(N, 3, h, w)`` -> network input."""
    if input_format == "raw_rgb255":
        return crops
    mean = torch.tensor(MRCNN_MEAN_BGR, dtype=crops.dtype, device=crops.device).view(1, 3, 1, 1)
    return crops[:, [2, 1, 0]] - mean


def crop_around_box(image: torch.Tensor, box: Sequence[float], scale: float = 4.0,
                    output_sz: Tuple[int, int] = (480, 832), border_mode: str = "replicate") -> BoxCrop:
    """Crop of ``image`` ``(1, 3, H, W)`` around ``box`` [x, y, w, h] (see the module docstring)."""
    x, y, w, h = (float(v) for v in box)
    pos = torch.tensor([y + (h - 1) / 2, x + (w - 1) / 2])
    size = torch.tensor([h, w])
    out = torch.tensor(output_sz, dtype=torch.float32)
    crop_scale = math.sqrt(torch.prod(scale * size).item()) / math.sqrt(out.prod().item())
    patch, coords = sample_patch(image, pos, crop_scale * out, out, mode=border_mode)
    coords = coords[0].float()
    sample_pos = 0.5 * (coords[:2] + coords[2:] - 1)
    sample_scale = ((coords[2:] - coords[:2]) / out).prod().sqrt()
    centre = (pos - sample_pos) / sample_scale + (out - 1) / 2
    sz = size / sample_scale
    tl = centre - (sz - 1) / 2
    return BoxCrop(patch, torch.tensor([tl[1], tl[0], sz[1], sz[0]]), sample_pos, float(sample_scale))


def box_limited_scores(scores: torch.Tensor, image_hw: Sequence[int], crop: BoxCrop,
                       box: Sequence[float]) -> torch.Tensor:
    """Crop logits ``(1, 1, h, w)`` pasted into the image, then -100 outside the (int-truncated, clamped) box."""
    full = paste_scores(scores, image_hw, crop.sample_scale, crop.sample_pos)
    x, y, w, h = (int(v) for v in box)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = max(x + w, 0), max(y + h, 0)
    outside = torch.ones_like(full, dtype=torch.bool)
    outside[y0:y1, x0:x1] = False
    return full.masked_fill(outside, -100.0)


class STAInitializer:
    """First-frame box -> mask with STANet (T = 1: only the first box is known), for ``init_mask_generator``.

    Args:
        net: a STANet network wrapper or module (``forward(images (T,S,3,H,W), boxes (T,S,4), num_iter=...)``).
        scale: crop area = scale**2 x box area. num_iter: learner iterations (None: the network's own).
        input_format: see :func:`resolve_input_format`.
        device: the network's device; None (default) follows the tracker -- LWL passes its network's device
            (``params.use_gpu``, ``B2M_DEVICE``) to :meth:`initialize` -- and, used on its own, CUDA when available.
    Returns from ``__call__(image, box)``: the binary mask ``(H, W)`` float32 (1 = target).
    """

    def __init__(self, net=None, checkpoint: Optional[str] = None, scale: float = 4.0, num_iter: Optional[int] = None,
                 input_format: str = "auto", input_size: Tuple[int, int] = (480, 832), device: Optional[str] = None):
        if (net is None) == (checkpoint is None):
            raise ValueError("STAInitializer needs exactly one of net / checkpoint")
        self.net = net
        self.checkpoint = checkpoint
        self.scale = scale
        self.num_iter = num_iter
        self.input_size = tuple(input_size)
        self.device = torch.device(device) if device is not None else None
        self._input_format = input_format
        self.input_format = None
        self._follows = device is None

    def initialize(self, device: Optional[Union[str, torch.device]] = None) -> "STAInitializer":
        """Load the checkpoint (once) and move the network to the device (``device`` when this initialiser was
        built without one, e.g. the tracker's)."""
        if self._follows:
            new = torch.device(device) if device is not None else self.device
            if new is None:
                new = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            if new != self.device:
                self.device = new
                self.input_format = None  # (re)place the network on the new device below
        if self.net is None:
            from ltr.admin.loading import load_network

            self.net = load_network(self.checkpoint)
            if type(self.net).__name__ != "STANet":
                raise ValueError(f"{self.checkpoint} holds a {type(self.net).__name__}, not a STANet network")
        if self.input_format is None:
            self.net = self.net.to(self.device).eval()
            self.input_format = resolve_input_format(self.net, self._input_format)
        return self

    def __call__(self, image: np.ndarray, box: Sequence[float]) -> np.ndarray:
        self.initialize()
        im = numpy_to_torch(image)
        crop = crop_around_box(im, box, self.scale, self.input_size)
        with torch.inference_mode():
            inp = normalise(crop.image.to(self.device), self.input_format)
            _, refined = self.net(inp.unsqueeze(0), crop.box.view(1, 1, 4).to(self.device), num_iter=self.num_iter)
            scores = box_limited_scores(refined[0].cpu().view(1, 1, *refined.shape[-2:]).float(), image.shape[:2],
                                        crop, box)
        return (scores > 0).float().numpy()
