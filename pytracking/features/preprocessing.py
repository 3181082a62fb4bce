"""Image patch extraction for trackers (pytracking's ``sample_patch`` semantics, made explicit).

Coordinates are ``(y, x)``; sizes ``(h, w)``; images are float tensors ``(1, C, H, W)``.

Crop geometry, exactly as the reference computes it on a current PyTorch (true division of integer tensors), for a
centre ``p`` (truncated to an integer) and an integer crop size ``n`` (per axis):

* corners ``tl = p - (n - 1) / 2`` and ``br = p + n / 2 + 1`` -- half-integers when ``n`` is even (``tl``) or odd
  (``br``); these float corners are what ``sample_patch`` returns as the patch coordinates;
* the pixels cut out are rows/columns ``int(tl) .. int(br) - 1``: each corner is truncated toward zero *on its
  own*; pixels outside the image are replicated (zero for masks). Inside the image an even ``n`` therefore gives
  ``n + 1`` pixels and an odd ``n`` gives ``n``; a corner beyond the top/left border truncates toward zero too
  (``tl = -3.5`` starts at -3).

Example: a 10x10 request at (100, 150) returns an 11x11 patch with coordinates ``[95.5, 145.5, 106, 156]``; an 11x11
request returns rows 95..105 and columns 145..155 (11x11) with coordinates ``[95, 145, 106.5, 156.5]``.
The truncation of the far corner is taken before subtracting the image size: truncating the difference instead
(``int(br - W)``) adds a pixel whenever ``br`` lies inside the image with a fractional part, which changed LWL's
results on real frames with small targets (see ``docs/reference-notes.md``, "Crops").
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F


def numpy_to_torch(a: np.ndarray) -> torch.Tensor:
    """``(H, W, C)`` array -> float tensor ``(1, C, H, W)``; a 2-D array -> ``(1, 1, H, W)``."""
    a = np.ascontiguousarray(a)
    if not a.flags.writeable:  # e.g. np.asarray of a PIL image
        a = a.copy()
    t = torch.from_numpy(a)
    if t.dim() == 2:
        return t.float().view(1, 1, *t.shape)
    return t.permute(2, 0, 1).unsqueeze(0).float()


def torch_to_numpy(t: torch.Tensor) -> np.ndarray:
    """``(1, C, H, W)`` -> ``(H, W, C)`` numpy."""
    return t.squeeze(0).permute(1, 2, 0).cpu().numpy()


def _pad_amounts(tl: torch.Tensor, br: torch.Tensor, h: int, w: int) -> Tuple[int, int, int, int]:
    """(left, right, top, bottom) padding (negative = crop): each corner truncated toward zero, then offset."""
    return (int(-tl[1].item()), int(br[1].item()) - w, int(-tl[0].item()), int(br[0].item()) - h)


def sample_patch(im: torch.Tensor, pos: torch.Tensor, sample_sz: torch.Tensor, output_sz: Optional[torch.Tensor] = None,
                 mode: str = "replicate", max_scale_change: Optional[float] = None,
                 is_mask: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
    """Crop a ``sample_sz`` patch centred at ``pos`` and resize it to ``output_sz``.

    Args:
        im: ``(1, C, H, W)`` image (or mask).
        pos: centre ``(y, x)``; truncated to integers first.
        sample_sz: crop size ``(h, w)`` in image pixels.
        output_sz: output size; None keeps the crop size.
        mode: 'replicate' pads with edge pixels; 'inside' / 'inside_major' first shrink the crop so it fits the image
            (both axes / the major axis, never shrinking by more than ``max_scale_change``), shift it inside, and
            split any remaining overflow evenly (then replicate-pad).
        is_mask: zero padding and nearest-neighbour resizing.
    Returns:
        ``(patch (1, C, *output_sz), coords (1, 4) = [y0, x0, y1, x1])`` in image pixels.

    Before cropping, the image is subsampled by an integer stride ``df`` when the crop is more than ~2x larger than
    the output (plain strided subsampling, no filtering), exactly as the reference.
    """
    posl = pos.long().clone()
    pad_mode = mode
    if mode in ("inside", "inside_major"):
        pad_mode = "replicate"
        im_sz = torch.tensor([im.shape[2], im.shape[3]], dtype=torch.float32)
        shrink = sample_sz.float() / im_sz
        shrink = shrink.max() if mode == "inside" else shrink.min()
        shrink = shrink.clamp(min=1, max=max_scale_change)
        sample_sz = (sample_sz.float() / shrink).long()

    if output_sz is not None:
        resize_factor = torch.min(sample_sz.float() / output_sz.float()).item()
        df = int(max(int(resize_factor - 0.1), 1))
    else:
        df = 1
    sz = sample_sz.float() / df
    if df > 1:
        offset = posl % df
        posl = torch.div(posl - offset, df, rounding_mode="floor")
        im2 = im[..., offset[0].item()::df, offset[1].item()::df]
    else:
        im2 = im

    szl = torch.max(sz.round(), torch.tensor([2.0])).long()
    tl = posl - (szl - 1) / 2
    br = posl + szl / 2 + 1

    if mode in ("inside", "inside_major"):
        im2_sz = torch.tensor([im2.shape[2], im2.shape[3]], dtype=torch.long)
        shift = (-tl).clamp(0) - (br - im2_sz).clamp(0)
        tl = tl + shift
        br = br + shift
        outside = torch.div((-tl).clamp(0) + (br - im2_sz).clamp(0), 2, rounding_mode="floor")
        shift = (-tl - outside) * (outside > 0).long()
        tl = tl + shift
        br = br + shift

    pads = _pad_amounts(tl, br, im2.shape[2], im2.shape[3])
    im_patch = F.pad(im2, pads, pad_mode) if not is_mask else F.pad(im2, pads)
    patch_coord = df * torch.cat((tl, br)).view(1, 4)

    if output_sz is None or (im_patch.shape[-2] == output_sz[0] and im_patch.shape[-1] == output_sz[1]):
        return im_patch.clone(), patch_coord
    size = output_sz.long().tolist()
    if is_mask:
        return F.interpolate(im_patch, size, mode="nearest"), patch_coord
    return F.interpolate(im_patch, size, mode="bilinear", align_corners=False), patch_coord


def sample_patch_multiscale(im: torch.Tensor, pos: torch.Tensor, scales: Sequence[float], image_sz: torch.Tensor,
                            mode: str = "replicate", max_scale_change: Optional[float] = None):
    """Patches at several scales of ``image_sz`` (concatenated) and their coordinates."""
    scales = torch.as_tensor(scales, dtype=torch.float32).reshape(-1)
    patches, coords = zip(*(sample_patch(im, pos, s * image_sz, image_sz, mode=mode,
                                         max_scale_change=max_scale_change) for s in scales))
    return torch.cat(patches), torch.cat(coords)


def crop_to_output(image: torch.Tensor, output_sz: Optional[Sequence[int]], shift: Sequence[int] = (0, 0)) -> torch.Tensor:
    """Centre crop (negative padding) or replicate-pad ``image`` to ``output_sz``, offset by ``shift`` (y, x).

    This is the identity transform of the reference's initial-sample augmentation.
    """
    if output_sz is None:
        pad_h = pad_w = 0.0
    else:
        pad_h = (output_sz[0] - image.shape[2]) / 2
        pad_w = (output_sz[1] - image.shape[3]) / 2
    pads = (math.floor(pad_w) + shift[1], math.ceil(pad_w) - shift[1],
            math.floor(pad_h) + shift[0], math.ceil(pad_h) - shift[0])
    return F.pad(image, pads, "replicate")


def sample_patch_transformed(im: torch.Tensor, pos: torch.Tensor, scale, image_sz: torch.Tensor,
                             output_sz: Optional[Sequence[int]], shift: Sequence[int], is_mask: bool = False) -> torch.Tensor:
    """Crop ``scale * image_sz`` at ``pos`` (replicate / zero padding), resize to ``image_sz``, then cut the
    ``output_sz`` window offset by ``shift`` (the reference's Identity augmentation)."""
    patch, _ = sample_patch(im, pos, scale * image_sz, image_sz, is_mask=is_mask)
    return crop_to_output(patch, output_sz, shift)
