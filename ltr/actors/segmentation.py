"""Actors of the LWL family: :class:`LWLActor` (video object segmentation) and :class:`LWLBoxActor` (box encoder).

Loss = ``loss_weight`` x Lovasz (``LovaszSegLoss(per_image=False)``: all pixels of the batch form one set) of the
logits against the 0/1 masks; the statistic ``J`` is the DAVIS Jaccard of ``logits > 0`` (``sigmoid > 0.5``),
averaged over frames (a frame where prediction and mask are both empty counts as 1).

Difference from the released reference on purpose: its LWL training forward refines the target model after each
test frame but keeps predicting with the filter of the initial fit, so the refinement is a no-op (quirk Q1 in
docs/reference-notes.md). :class:`LWLActor` passes ``predict_with_refined_filter=True`` by default, so test frame i is predicted with the
filter refined on the train frames and the (detached) predictions of frames < i, as the LWL paper describes.
``predict_with_refined_filter=False`` reproduces the reference numerics.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

import torch
import torch.nn as nn

from ltr.actors.base_actor import BaseActor, Stats
from ltr.admin import multigpu
from ltr.models.loss.segmentation import LovaszSegLoss


def davis_jaccard(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Mean over frames of IoU(``logits > 0``, ``masks > 0.5``); frames ``(..., H, W)``; empty/empty = 1."""
    pred = (logits.detach() > 0).reshape(-1, *logits.shape[-2:])
    gt = (masks.detach() > 0.5).reshape(-1, *masks.shape[-2:])
    inter = (pred & gt).flatten(1).sum(1).float()
    union = (pred | gt).flatten(1).sum(1).float()
    j = torch.where(union > 0, inter / union.clamp(min=1), torch.ones_like(union))
    return j.mean()


def frames_flat(x: torch.Tensor) -> torch.Tensor:
    """``(T, S, H, W)`` or ``(N, 1, H, W)`` -> ``(N, H, W)`` (the layout LovaszSegLoss expects)."""
    return x.reshape(-1, *x.shape[-2:])


class SegmentationActor(BaseActor):
    """Common parts: the weighted segmentation loss and the ``disable_all_bn`` policy.

    ``disable_all_bn=True`` keeps the whole network in eval mode during training (batch-norm statistics frozen; the
    LWL reference trains this way); ``trainable_modules`` names submodules that still get train mode then.
    """

    trainable_modules: Tuple[str, ...] = ()

    def __init__(self, net: nn.Module, objective: Any = None, loss_weight: float = 100.0,
                 disable_all_bn: bool = True):
        super().__init__(net, LovaszSegLoss(per_image=False) if objective is None else objective)
        self.loss_weight = float(loss_weight)
        self.disable_all_bn = bool(disable_all_bn)

    def train(self, mode: bool = True) -> "SegmentationActor":
        super().train(mode)
        if mode and self.disable_all_bn:
            self.net.eval()
            bare = multigpu.unwrap(self.net)
            for name in self.trainable_modules:
                getattr(bare, name).train(True)
        return self

    def segmentation_loss(self, logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """``loss_weight`` x objective over all frames (float32 logits)."""
        return self.loss_weight * self.objective(frames_flat(logits).float(), frames_flat(masks))


class LWLActor(SegmentationActor):
    """LWL: learn the target model on the train frames, segment the test frames (see the module docstring).

    Batch keys: ``train_images (Ttr, S, 3, H, W)``, ``train_masks (Ttr, S, H, W)``, ``test_images``,
    ``test_masks``. Stats: ``Loss/total``, ``Loss/segm``, ``J``.
    """

    def __init__(self, net: nn.Module, objective: Any = None, loss_weight: float = 100.0,
                 num_refinement_iter: int = 2, predict_with_refined_filter: bool = True, disable_all_bn: bool = True):
        super().__init__(net, objective, loss_weight, disable_all_bn)
        self.num_refinement_iter = int(num_refinement_iter)
        self.predict_with_refined_filter = bool(predict_with_refined_filter)

    def __call__(self, data: Dict[str, Any]) -> Tuple[torch.Tensor, Stats]:
        logits = self.net(data["train_images"], data["test_images"], data["train_masks"], data["test_masks"],
                          num_refinement_iter=self.num_refinement_iter,
                          predict_with_refined_filter=self.predict_with_refined_filter)
        loss = self.segmentation_loss(logits, data["test_masks"])
        return loss, {"Loss/total": loss.detach(), "Loss/segm": loss.detach(),
                      "J": davis_jaccard(logits, data["test_masks"])}


class LWLBoxActor(SegmentationActor):
    """Box encoder of LWL box-init: box + frame -> initial mask (``LWTLBoxNet.forward``).

    Loss = ``loss_weight`` (10) x Lovasz(logits, train masks) / number of train frames, as the reference. Batch
    keys: ``train_images (Ttr, S, 3, H, W)``, ``train_boxes (Ttr, S, 4)`` (crop pixels), ``train_masks``. With
    ``disable_all_bn`` everything but the box encoder stays in eval mode (only the box encoder is trained).
    Stats: ``Loss/total``, ``Loss/segm_box``, ``J``.
    """

    trainable_modules = ("box_label_encoder",)

    def __init__(self, net: nn.Module, objective: Any = None, loss_weight: float = 10.0, disable_all_bn: bool = True):
        super().__init__(net, objective, loss_weight, disable_all_bn)

    def __call__(self, data: Dict[str, Any]) -> Tuple[torch.Tensor, Stats]:
        images, boxes, masks = data["train_images"], data["train_boxes"], data["train_masks"]
        logits = self.net(images, boxes.reshape(-1, 4))
        loss = self.segmentation_loss(logits, masks) / images.shape[0]
        return loss, {"Loss/total": loss.detach(), "Loss/segm_box": loss.detach(), "J": davis_jaccard(logits, masks)}
