"""Target-model feature extractor: optional residual blocks, a final 3x3 conv, then instance L2 normalisation."""
from __future__ import annotations

import torch.nn as nn

from ltr.models.backbone.resnet import BasicBlock
from ltr.models.layers.normalization import InstanceL2Norm


def residual_basic_block(feature_dim: int = 256, num_blocks: int = 1, l2norm: bool = True, final_conv: bool = False,
                         norm_scale: float = 1.0, out_dim: int = None, final_relu: bool = False) -> nn.Sequential:
    """``num_blocks`` BasicBlocks, an optional bias-free 3x3 conv to ``out_dim``, then InstanceL2Norm(scale)."""
    out_dim = feature_dim if out_dim is None else out_dim
    layers = []
    for i in range(num_blocks):
        odim = feature_dim if i < num_blocks - 1 + int(final_conv) else out_dim
        layers.append(BasicBlock(feature_dim, odim))
    if final_conv:
        layers.append(nn.Conv2d(feature_dim, out_dim, kernel_size=3, padding=1, bias=False))
        if final_relu:
            layers.append(nn.ReLU(inplace=True))
    if l2norm:
        layers.append(InstanceL2Norm(scale=norm_scale))
    return nn.Sequential(*layers)
