"""Segmentation losses of LWL / STANet training."""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn

from ltr.models.loss.lovasz import lovasz_softmax


class LovaszSegLoss(nn.Module):
    """Lovasz loss of logits against 0/1 masks: probabilities = sigmoid(logits), class 1 = foreground.

    ``per_image=False`` (LWL, STANet) treats all pixels of the batch as one set; ``True`` averages per image.
    Labels must be exactly 0/1 (foreground is ``label == 1``).
    """

    def __init__(self, classes: Sequence[int] = (1,), per_image: bool = True):
        super().__init__()
        self.classes = list(classes)
        self.per_image = per_image

    def forward(self, input: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return lovasz_softmax(torch.sigmoid(input), target, classes=self.classes, per_image=self.per_image)
