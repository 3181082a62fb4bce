"""The target model: a linear filter on target-model features, learned by the few-shot learner."""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch
import torch.nn as nn

from ltr.models.layers.blocks import init_conv_bn
from ltr.models.layers.filter import apply_filter


class LinearFilter(nn.Module):
    """Target model ``x -> x * f`` with ``f`` found by ``filter_optimizer`` from ``filter_initializer``.

    Args:
        filter_size: spatial size k of the filter.
        filter_initializer: module giving the starting filter (zeros for LWL/STANet).
        filter_optimizer: the learner (``GNSteepestDescent``) or None.
        feature_extractor: module mapping backbone features to target-model features, or None (then the features
            passed in are used as they are, as STANet's second learner does).
    """

    def __init__(self, filter_size: int, filter_initializer: nn.Module, filter_optimizer: Optional[nn.Module] = None,
                 feature_extractor: Optional[nn.Module] = None):
        super().__init__()
        self.filter_size = filter_size
        self.feature_extractor = feature_extractor
        self.filter_initializer = filter_initializer
        self.filter_optimizer = filter_optimizer
        if feature_extractor is not None:
            init_conv_bn(self.feature_extractor)

    def extract_target_model_features(self, feat: torch.Tensor) -> torch.Tensor:
        """Target-model features of backbone features ``(N, C, H, W)`` (unchanged without an extractor)."""
        if self.feature_extractor is None:
            return feat
        return self.feature_extractor(feat)

    def apply_target_model(self, weights: torch.Tensor, feat: torch.Tensor) -> torch.Tensor:
        """Scores ``(T, S, O, h, w)`` of filter ``weights`` ``(S, O, C, k, k)`` on features ``(T, S, C, h, w)``."""
        return apply_filter(feat, weights)

    def get_filter(self, feat: torch.Tensor, train_label: torch.Tensor, train_sw: Optional[torch.Tensor],
                   num_objects: Optional[int] = None, **kwargs) -> Tuple[torch.Tensor, List[torch.Tensor], list]:
        """Learn the filter from features ``(T, S, C, h, w)``, labels and weights; returns (filter, iterates, losses)."""
        weights = self.filter_initializer(feat, train_label)
        if num_objects is not None:
            weights = weights.repeat(1, num_objects, 1, 1, 1)
        if self.filter_optimizer is None:
            return weights, [weights], None
        weights, weights_iter, losses = self.filter_optimizer(weights, feat=feat, label=train_label,
                                                              sample_weight=train_sw, **kwargs)
        return weights, weights_iter, losses
