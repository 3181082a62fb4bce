"""Initial target-model filter: all zeros (the optimisation always starts from f = 0)."""
from __future__ import annotations

import torch
import torch.nn as nn


class FilterInitializerZero(nn.Module):
    """Returns a zero filter ``(S, num_filters, feature_dim / filter_groups, k, k)``; no parameters."""

    def __init__(self, filter_size: int = 1, num_filters: int = 1, feature_dim: int = 256, filter_groups: int = 1):
        super().__init__()
        self.filter_size = (num_filters, feature_dim // filter_groups, filter_size, filter_size)

    def forward(self, feat: torch.Tensor, label: torch.Tensor = None) -> torch.Tensor:
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1
        return feat.new_zeros(num_sequences, *self.filter_size)
