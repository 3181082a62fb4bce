"""Joint image / mask / box transforms for training data.

A transform maps lists of frames -- images ``(H, W, 3)`` numpy arrays, masks ``(H, W)`` float32 0/1 arrays, boxes
``[x, y, w, h]`` tensors -- to transformed lists, keeping the three consistent (a flip moves the box, a rotation
rotates the mask). Random parameters are drawn from the global ``random`` module (seeded per DataLoader worker and
saved in training checkpoints), either once for all frames of a call (``joint=True``: the same flip for a whole
sub-sequence) or once per frame (``joint=False``).

Transforms: :class:`ToBGR`, :class:`ToGrayscale`, :class:`HorizontalFlip`, :class:`RandomAffine`,
:class:`BrightnessJitter`, :class:`Normalize` (the last turns images into ``(3, H, W)`` float tensors and masks
into ``(H, W)`` float tensors), chained by :class:`Compose`.
"""
from __future__ import annotations

import math
import random
from typing import Any, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch

from ltr.data.processing_utils import to_box_tensor

Frames = Tuple[List[Any], Optional[List[Any]], Optional[List[torch.Tensor]]]


class Transform:
    """Base class: override :meth:`roll` (random parameters) and the ``image`` / ``mask`` / ``box`` maps."""

    def roll(self) -> Any:
        """Random parameters of one application (None for deterministic transforms)."""
        return None

    def image(self, image: np.ndarray, params: Any) -> Any:
        """Transformed image."""
        return image

    def mask(self, mask: np.ndarray, params: Any) -> Any:
        """Transformed mask (default: unchanged)."""
        return mask

    def box(self, box: torch.Tensor, image_hw: Tuple[int, int], params: Any) -> torch.Tensor:
        """Transformed box, given the size ``(H, W)`` of the image before the transform (default: unchanged)."""
        return box

    def __call__(self, images: Sequence[Any], masks: Optional[Sequence[Any]] = None,
                 boxes: Optional[Sequence[torch.Tensor]] = None, joint: bool = True) -> Frames:
        """Apply to every frame; ``joint``: one set of random parameters for all frames, else one per frame."""
        n = len(images)
        for name, items in (("masks", masks), ("boxes", boxes)):
            if items is not None and len(items) != n:
                raise ValueError(f"{type(self).__name__}: {n} images but {len(items)} {name}")
        shared = self.roll() if joint else None
        out_i, out_m, out_b = [], [] if masks is not None else None, [] if boxes is not None else None
        for k in range(n):
            params = shared if joint else self.roll()
            hw = tuple(np.shape(images[k])[:2])
            out_i.append(self.image(images[k], params))
            if masks is not None:
                out_m.append(self.mask(masks[k], params))
            if boxes is not None:
                out_b.append(self.box(to_box_tensor(boxes[k]), hw, params))
        return out_i, out_m, out_b

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class Compose(Transform):
    """Apply transforms in order (each rolls its own parameters)."""

    def __init__(self, *transforms: Transform):
        self.transforms = list(transforms)

    def __call__(self, images, masks=None, boxes=None, joint: bool = True) -> Frames:
        for t in self.transforms:
            images, masks, boxes = t(images, masks, boxes, joint=joint)
        return images, masks, boxes

    def __repr__(self) -> str:
        return f"Compose({', '.join(map(repr, self.transforms))})"


class ToBGR(Transform):
    """RGB -> BGR channel order (the Mask R-CNN backbone convention)."""

    def image(self, image, params):
        return np.ascontiguousarray(image[:, :, ::-1])


class ToGrayscale(Transform):
    """With ``probability``, replace the image by its luminance in all three channels. ``bgr``: the input's channel
    order (the luminance weights follow it)."""

    def __init__(self, probability: float = 0.05, bgr: bool = False):
        self.probability, self.bgr = float(probability), bool(bgr)

    def roll(self):
        return random.random() < self.probability

    def image(self, image, params):
        if not params:
            return image
        code = cv2.COLOR_BGR2GRAY if self.bgr else cv2.COLOR_RGB2GRAY
        gray = cv2.cvtColor(np.ascontiguousarray(image), code)
        return np.repeat(gray[:, :, None], 3, axis=2)


class HorizontalFlip(Transform):
    """Mirror left-right with ``probability``; a box ``[x, y, w, h]`` becomes ``[W - x - w, y, w, h]``."""

    def __init__(self, probability: float = 0.5):
        self.probability = float(probability)

    def roll(self):
        return random.random() < self.probability

    def image(self, image, params):
        return np.ascontiguousarray(image[:, ::-1]) if params else image

    def mask(self, mask, params):
        return np.ascontiguousarray(mask[:, ::-1]) if params else mask

    def box(self, box, image_hw, params):
        if not params:
            return box
        out = box.clone()
        out[0] = image_hw[1] - box[0] - box[2]
        return out


class RandomAffine(Transform):
    """Rotation by ``U(-max_rotation, max_rotation)`` degrees and scaling by ``exp(U(-max_scale, max_scale))`` about
    the image centre, output the same size. Image bilinear, mask nearest (0 outside); the box becomes the bounding
    box of its transformed corners. ``border``: 'constant' (zeros) or 'replicate' for the image."""

    def __init__(self, max_rotation: float = 15.0, max_scale: float = 0.2, border: str = "constant"):
        if border not in ("constant", "replicate"):
            raise ValueError(f"border must be 'constant' or 'replicate', got {border!r}")
        self.max_rotation, self.max_scale, self.border = float(max_rotation), float(max_scale), border

    def roll(self):
        return random.uniform(-self.max_rotation, self.max_rotation), \
            math.exp(random.uniform(-self.max_scale, self.max_scale))

    @staticmethod
    def _matrix(image_hw, params) -> np.ndarray:
        h, w = image_hw
        angle, scale = params
        return cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle, scale)

    def image(self, image, params):
        h, w = image.shape[:2]
        mode = cv2.BORDER_CONSTANT if self.border == "constant" else cv2.BORDER_REPLICATE
        out = cv2.warpAffine(np.ascontiguousarray(image), self._matrix((h, w), params), (w, h),
                             flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=0)
        return out[:, :, None] if out.ndim == 2 and image.ndim == 3 else out

    def mask(self, mask, params):
        h, w = mask.shape[:2]
        return cv2.warpAffine(np.ascontiguousarray(mask, dtype=np.float32), self._matrix((h, w), params), (w, h),
                              flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

    def box(self, box, image_hw, params):
        x, y, w, h = box.tolist()
        corners = np.array([[x, y, 1], [x + w, y, 1], [x, y + h, 1], [x + w, y + h, 1]], dtype=np.float64)
        moved = corners @ self._matrix(image_hw, params).T
        lo, hi = moved.min(axis=0), moved.max(axis=0)
        return torch.tensor([lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]], dtype=torch.float32)


class BrightnessJitter(Transform):
    """Multiply the image by ``U(max(0, 1 - amount), 1 + amount)`` and clip to [0, 255] (float32 result)."""

    def __init__(self, amount: float = 0.2):
        self.amount = float(amount)

    def roll(self):
        return random.uniform(max(0.0, 1.0 - self.amount), 1.0 + self.amount)

    def image(self, image, params):
        return np.clip(np.asarray(image, dtype=np.float32) * np.float32(params), 0.0, 255.0)


class Normalize(Transform):
    """Image ``(H, W, 3)`` -> float tensor ``(3, H, W)`` = (image - mean) / std per channel, in the image's channel
    order; masks -> float tensors ``(H, W)``. Use it last."""

    def __init__(self, mean: Sequence[float], std: Sequence[float] = (1.0, 1.0, 1.0)):
        self.mean, self.std = tuple(float(m) for m in mean), tuple(float(s) for s in std)

    def image(self, image, params):
        t = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)
        mean = torch.tensor(self.mean, dtype=torch.float32).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=torch.float32).view(-1, 1, 1)
        return (t - mean) / std

    def mask(self, mask, params):
        return torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))
