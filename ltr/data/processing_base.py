"""The per-frame pipeline shared by the LWL and Box2Mask processings.

For one group of frames (e.g. LWL's train frames, or a Box2Mask sub-sequence):

1. boxes: the tight box of each frame's mask (the dataset's box where the mask is empty);
2. ``joint_transform`` on the full frames, one random roll for the whole group (flip, grayscale, BGR);
3. per frame: the crop rectangle around the box (randomly jittered if ``jitter`` is given), image / mask crops
   resized to the output size, the box mapped into the crop (:mod:`ltr.data.processing_utils`);
4. ``frame_transform`` on the crops, one roll per frame (affine, brightness, normalisation);
5. stacking into ``images (T, 3, H, W)``, ``masks (T, H, W)``, ``boxes (T, 4)`` float tensors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from ltr.data import processing_utils as prutils
from ltr.data.transforms import Transform


@dataclass(frozen=True)
class CropParams:
    """Crop geometry (see :mod:`ltr.data.processing_utils`); ``output_size`` is (width, height)."""

    search_area_factor: float = 5.0
    output_size: Tuple[int, int] = (832, 480)
    mode: str = "inside_major"
    max_scale_change: Optional[float] = None
    border: str = "replicate"

    def __post_init__(self):
        if self.mode not in prutils.CROP_MODES:
            raise ValueError(f"Crop mode must be one of {prutils.CROP_MODES}, got {self.mode!r}")
        if self.border not in prutils.BORDERS:
            raise ValueError(f"Crop border must be one of {prutils.BORDERS}, got {self.border!r}")
        if len(self.output_size) != 2 or min(self.output_size) < 1:
            raise ValueError(f"output_size must be (width, height) >= 1, got {self.output_size}")


@dataclass(frozen=True)
class JitterParams:
    """Box jitter before cropping (:func:`ltr.data.processing_utils.jitter_box`)."""

    center_factor: Union[float, Tuple[float, float]] = 0.0
    scale_factor: float = 0.0
    scale_mode: str = "gauss"


def _as_mask_array(mask: Any) -> np.ndarray:
    m = mask.numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    return np.ascontiguousarray(m, dtype=np.float32)


def frame_boxes(masks: Sequence[np.ndarray], boxes: Optional[Sequence[Any]], where: str = "") -> List[torch.Tensor]:
    """The tight box of every mask; where a mask is empty, the dataset's box (an error if there is none)."""
    out = []
    for k, mask in enumerate(masks):
        box = prutils.box_from_mask(mask)
        if box is None:
            given = None if boxes is None else prutils.to_box_tensor(boxes[k])
            if given is None or not bool((given[2:] > 0).all()):
                raise ValueError(f"Frame {k}{where}: empty mask and no valid box to crop around")
            box = given
        out.append(box)
    return out


def process_group(images: Sequence[np.ndarray], masks: Sequence[Any], boxes: Optional[Sequence[Any]],
                  crop: CropParams, jitter: Optional[JitterParams] = None,
                  joint_transform: Optional[Transform] = None, frame_transform: Optional[Transform] = None,
                  where: str = "") -> Dict[str, torch.Tensor]:
    """Run steps 1-5 of the module docstring on one group of frames; ``where`` names it in errors."""
    if masks is None:
        raise ValueError(f"Frames{where} have no masks; training needs segmentation masks")
    if len(images) != len(masks):
        raise ValueError(f"Frames{where}: {len(images)} images but {len(masks)} masks")
    masks = [_as_mask_array(m) for m in masks]
    for k, (im, m) in enumerate(zip(images, masks)):
        if tuple(np.shape(im)[:2]) != m.shape:
            raise ValueError(f"Frame {k}{where}: image size {np.shape(im)[:2]} differs from mask size {m.shape}")
    bxs = frame_boxes(masks, boxes, where)
    if joint_transform is not None:
        images, masks, bxs = joint_transform(list(images), masks, bxs, joint=True)
    crops, mask_crops, crop_boxes = [], [], []
    for image, mask, box in zip(images, masks, bxs):
        center = box if jitter is None else prutils.jitter_box(box, jitter.center_factor, jitter.scale_factor,
                                                                jitter.scale_mode)
        window = prutils.crop_window(center, image.shape[:2], crop.search_area_factor, crop.output_size, crop.mode,
                                     crop.max_scale_change)
        crops.append(prutils.crop_image(image, window, crop.output_size, crop.border))
        mask_crops.append(prutils.crop_mask(mask, window, crop.output_size))
        crop_boxes.append(prutils.box_to_crop(box, window, crop.output_size))
    if frame_transform is not None:
        crops, mask_crops, crop_boxes = frame_transform(crops, mask_crops, crop_boxes, joint=False)
    return {"images": torch.stack([_image_tensor(c) for c in crops]),
            "masks": torch.stack([torch.as_tensor(np.asarray(m, dtype=np.float32)) if not isinstance(m, torch.Tensor)
                                  else m.float() for m in mask_crops]),
            "boxes": torch.stack(crop_boxes)}


def _image_tensor(image: Any) -> torch.Tensor:
    """A transformed image as ``(3, H, W)`` float (a numpy ``(H, W, 3)`` image is permuted, not normalised)."""
    if isinstance(image, torch.Tensor):
        return image.float()
    return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)
