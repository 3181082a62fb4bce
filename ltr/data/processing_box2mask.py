"""Box2Mask (STANet) training processing, paper Sec. 3.4.

For a sub-sequence of T frames of one object: the box of each frame is the tight box of its ground-truth mask;
each frame is cropped around its own box to ``search_area_factor`` (5) times the box size with the output aspect
ratio, the crop shrunk so that it is never larger than the image (``'inside'`` mode: no padding), and resized to
832x480. The only augmentation is a horizontal flip, rolled once for the whole sub-sequence (a video stays a
consistently mirrored video). Images are then put in the network convention (BGR, 0-255, minus the Mask R-CNN
mean), the boxes mapped into the crops.

Input (from :class:`ltr.data.sampler_box2mask.Box2MaskSampler`): ``images`` (list of RGB uint8 ``(H, W, 3)``),
``masks`` (list of ``(H, W)`` 0/1), ``bbox`` (dataset boxes, used only where a mask is empty), ``dataset``,
``sequence``, ``frame_ids``. Output: ``images (T, 3, H, W)``, ``masks (T, H, W)``, ``boxes (T, 4)`` [x, y, w, h] in
crop pixels, ``frame_ids (T,)`` and the two names.
"""
from __future__ import annotations

from typing import Any, Dict, Sequence

import torch

from ltr.data.processing_base import CropParams, process_group
from ltr.data.transforms import Compose, HorizontalFlip, Normalize, ToBGR
from ltr.models.backbone.resnet_mrcnn import MRCNN_MEAN_BGR

BOX2MASK_CROP = CropParams(search_area_factor=5.0, output_size=(832, 480), mode="inside")


class Box2MaskProcessing:
    """Crops of a sub-sequence around the tight boxes of its masks (see the module docstring).

    Args:
        crop: crop geometry (default 5x the box, 832x480, never larger than the image).
        flip_probability: probability of mirroring the whole sub-sequence.
        mean, std: per-channel normalisation in BGR order (default: the Mask R-CNN mean, std 1).
    """

    def __init__(self, crop: CropParams = BOX2MASK_CROP, flip_probability: float = 0.5,
                 mean: Sequence[float] = MRCNN_MEAN_BGR, std: Sequence[float] = (1.0, 1.0, 1.0)):
        self.crop = crop
        self.flip_probability = float(flip_probability)
        self.joint_transform = Compose(ToBGR(), HorizontalFlip(self.flip_probability))
        self.frame_transform = Normalize(mean, std)

    def __call__(self, data: Dict[str, Any]) -> Dict[str, Any]:
        """Process one sample of the sampler (see the module docstring)."""
        where = f" of {data.get('dataset', '?')}/{data.get('sequence', '?')}"
        res = process_group(data["images"], data.get("masks"), data.get("bbox"), self.crop, None,
                            self.joint_transform, self.frame_transform, where=where)
        res["frame_ids"] = torch.as_tensor(list(data.get("frame_ids", range(len(data["images"])))), dtype=torch.int64)
        res["dataset"] = data.get("dataset", "")
        res["sequence"] = data.get("sequence", "")
        return res
