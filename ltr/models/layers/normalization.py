"""Instance-wise L2 normalisation of feature maps (the target-model features of LWL / STANet)."""
from __future__ import annotations

import torch
import torch.nn as nn


class InstanceL2Norm(nn.Module):
    """Scale each sample so that ``sum(x**2) == scale**2 * C*H*W`` (up to ``eps``); no parameters."""

    def __init__(self, size_average: bool = True, eps: float = 1e-5, scale: float = 1.0):
        super().__init__()
        self.size_average = size_average
        self.eps = eps
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sq = torch.sum((x * x).reshape(x.shape[0], 1, 1, -1), dim=3, keepdim=True)
        if self.size_average:
            return x * (self.scale * ((x.shape[1] * x.shape[2] * x.shape[3]) / (sq + self.eps)).sqrt())
        return x * (self.scale / (sq + self.eps).sqrt())
