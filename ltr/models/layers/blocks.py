"""Small building blocks shared by the networks."""
from __future__ import annotations

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
