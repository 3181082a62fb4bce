"""Small building blocks shared by the networks."""
from __future__ import annotations

import math

import torch.nn as nn


def conv_block(in_planes: int, out_planes: int, kernel_size: int = 3, stride: int = 1, padding: int = 1,
               dilation: int = 1, bias: bool = True, batch_norm: bool = True, relu: bool = True) -> nn.Sequential:
    """Conv2d, then optional BatchNorm2d, then optional ReLU (indices 0, 1, 2 -- they appear in state_dict keys)."""
    layers = [nn.Conv2d(in_planes, out_planes, kernel_size=kernel_size, stride=stride, padding=padding,
                        dilation=dilation, bias=bias)]
    if batch_norm:
        layers.append(nn.BatchNorm2d(out_planes))
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def init_conv_bn(module: nn.Module, bn_weight: float = 1.0) -> None:
    """The reference initialisation: convs N(0, sqrt(2 / (k*k*out_channels))) with zero bias, BatchNorm
    weight ``bn_weight`` and zero bias."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
            m.weight.data.normal_(0, math.sqrt(2.0 / n))
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(bn_weight)
            m.bias.data.zero_()
