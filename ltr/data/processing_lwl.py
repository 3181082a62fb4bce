"""LWL training processing (docs/reference-notes.md, "Training defaults"): jittered crops of the train and test frames.

Per sample (one object track): the joint transform (BGR, 5 % grayscale, 50 % horizontal flip) is rolled once for
all train frames and once, independently, for all test frames (the reference's ``new_roll=True``; a shared roll is
not offered). Each frame is then cropped around its mask's box jittered by the group's :class:`JitterParams`
(train: centre 3, scale 0.25; test: centre (5.5, 4.5), scale 0.5), with ``inside_major`` crops of 5x the box
resized to 832x480, and finally transformed frame by frame (train: random affine, brightness jitter, Mask R-CNN
mean subtraction; validation: mean subtraction only).

Input (from :class:`ltr.data.sampler_lwl.LWLSampler`): ``train_images`` / ``test_images`` (lists of RGB uint8
``(H, W, 3)``), ``train_masks`` / ``test_masks`` (lists of ``(H, W)`` 0/1), ``train_bbox`` / ``test_bbox``, and
``dataset`` / ``sequence`` names. Output: ``train_images (Ttr, 3, H, W)``, ``train_masks (Ttr, H, W)``,
``train_boxes (Ttr, 4)`` (in crop pixels), the same for ``test_``, and the two names.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

from ltr.data.processing_base import CropParams, JitterParams, process_group
from ltr.data.transforms import (BrightnessJitter, Compose, HorizontalFlip, Normalize, RandomAffine, ToBGR,
                                 ToGrayscale, Transform)
from ltr.models.backbone.resnet_mrcnn import MRCNN_MEAN_BGR

GROUPS = ("train", "test")

LWL_CROP = CropParams(search_area_factor=5.0, output_size=(832, 480), mode="inside_major")
LWL_JITTER = {"train": JitterParams(center_factor=3.0, scale_factor=0.25),
              "test": JitterParams(center_factor=(5.5, 4.5), scale_factor=0.5)}


def lwl_joint_transform(grayscale_probability: float = 0.05, flip_probability: float = 0.5) -> Transform:
    """Grayscale (RGB weights), RGB -> BGR, horizontal flip; rolled once per frame group."""
    return Compose(ToGrayscale(grayscale_probability), ToBGR(), HorizontalFlip(flip_probability))


def lwl_frame_transform(affine: bool = True, brightness: float = 0.2, max_rotation: float = 15.0,
                        max_scale: float = 0.2, mean: Sequence[float] = MRCNN_MEAN_BGR) -> Transform:
    """Per-frame transform: optional random affine, brightness jitter (0 = none), mean subtraction (std 1)."""
    steps = [RandomAffine(max_rotation=max_rotation, max_scale=max_scale)] if affine else []
    if brightness > 0:
        steps.append(BrightnessJitter(brightness))
    steps.append(Normalize(mean))
    return Compose(*steps)


class LWLProcessing:
    """Train/test crops for LWL-style training (see the module docstring).

    Args:
        crop: crop geometry (default: 5x the box, 832x480, ``inside_major``).
        jitter: ``{'train': JitterParams, 'test': JitterParams}``; None = crop around the exact box.
        joint_transform: rolled once per group on the full frames (default :func:`lwl_joint_transform`).
        transform: per-frame transform, one for both groups or ``{'train': ..., 'test': ...}``
            (default :func:`lwl_frame_transform`).
    """

    def __init__(self, crop: CropParams = LWL_CROP, jitter: Optional[Mapping[str, JitterParams]] = None,
                 joint_transform: Optional[Transform] = None,
                 transform: Optional[Any] = None):
        self.crop = crop
        self.jitter = dict(LWL_JITTER) if jitter is None else dict(jitter)
        for g in GROUPS:
            self.jitter.setdefault(g, None)
        self.joint_transform = lwl_joint_transform() if joint_transform is None else joint_transform
        transform = lwl_frame_transform() if transform is None else transform
        self.transform = {g: transform[g] for g in GROUPS} if isinstance(transform, Mapping) else \
            {g: transform for g in GROUPS}

    def __call__(self, data: Dict[str, Any]) -> Dict[str, Any]:
        """Process one sample of the sampler (see the module docstring)."""
        where = f" of {data.get('dataset', '?')}/{data.get('sequence', '?')}"
        out: Dict[str, Any] = {}
        for g in GROUPS:
            res = process_group(data[f"{g}_images"], data.get(f"{g}_masks"), data.get(f"{g}_bbox"), self.crop,
                                self.jitter[g], self.joint_transform, self.transform[g], where=f" ({g}){where}")
            out.update({f"{g}_images": res["images"], f"{g}_masks": res["masks"], f"{g}_boxes": res["boxes"]})
        out["dataset"] = data.get("dataset", "")
        out["sequence"] = data.get("sequence", "")
        return out
