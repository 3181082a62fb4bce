"""Actor of the box-to-mask network STANet (paper Eq. 4).

    L = 1/T sum_t l(y_t, y_t^GT) + 1/T sum_t l(y^_t, y_t^GT)

with y_t the first-pass masks, y^_t the refined masks and l the Lovasz loss of one frame. The default objective is
``LovaszSegLoss(per_image=True)`` over the T x S frames of the batch, i.e. the mean per-frame loss over frames and
sequences. Statistics: both loss terms and the DAVIS Jaccard J of each pass.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn as nn

from ltr.actors.base_actor import Stats
from ltr.actors.segmentation import SegmentationActor, davis_jaccard, frames_flat
from ltr.models.loss.segmentation import LovaszSegLoss


class Box2MaskActor(SegmentationActor):
    """STANet forward on T frames and their boxes, loss of Eq. 4.

    Batch keys: ``images (T, S, 3, H, W)`` (network convention), ``boxes (T, S, 4)`` [x, y, w, h] in input pixels,
    ``masks (T, S, H, W)`` 0/1. Stats: ``Loss/total``, ``Loss/first``, ``Loss/refined``, ``J/first``,
    ``J/refined``.

    Args:
        net: an STANet (``ltr.models.lwl.sta_net``).
        objective: per-frame segmentation loss over ``(N, H, W)`` logits (default Lovasz, per image).
        loss_weight: factor on the whole loss (paper: 1).
        num_iter: steepest-descent iterations of both aggregation passes (None: the network's ``optim_iter``).
        disable_all_bn: keep every module in eval mode (default False: only the frozen backbone is).
    """

    def __init__(self, net: nn.Module, objective: Any = None, loss_weight: float = 1.0,
                 num_iter: Optional[int] = None, disable_all_bn: bool = False):
        super().__init__(net, LovaszSegLoss(per_image=True) if objective is None else objective, loss_weight,
                         disable_all_bn)
        self.num_iter = num_iter

    def __call__(self, data: Dict[str, Any]) -> Tuple[torch.Tensor, Stats]:
        images, boxes, masks = data["images"], data["boxes"], data["masks"]
        if images.dim() != 5 or boxes.shape[:2] != images.shape[:2] or masks.shape[:2] != images.shape[:2]:
            raise ValueError(f"Box2MaskActor expects images (T, S, 3, H, W), boxes (T, S, 4), masks (T, S, H, W); "
                             f"got {tuple(images.shape)}, {tuple(boxes.shape)}, {tuple(masks.shape)}")
        first, refined = self.net(images, boxes, num_iter=self.num_iter, refine=True)
        loss_first = self.segmentation_loss(first, masks)
        loss_refined = self.segmentation_loss(refined, masks)
        loss = loss_first + loss_refined
        flat_masks = frames_flat(masks)
        return loss, {"Loss/total": loss.detach(), "Loss/first": loss_first.detach(),
                      "Loss/refined": loss_refined.detach(), "J/first": davis_jaccard(first, flat_masks),
                      "J/refined": davis_jaccard(refined, flat_masks)}
