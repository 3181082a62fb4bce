"""ResNet in the torchvision layout ('imagenet' backbones): the stride sits in the 3x3 conv of a bottleneck.

Keys equal torchvision's (``conv1``, ``bn1``, ``layerK.i.conv1``, ``downsample.0/1``, ``fc``), so torchvision's own
ResNet state_dicts load strictly. ``forward(x, output_layers)`` returns an OrderedDict of the requested layers.
A ``base_width`` below 64 gives width-reduced variants (the small networks of the CPU experiments).
"""
from __future__ import annotations

from typing import Sequence, Type, Union

import torch
import torch.nn as nn

from ltr.models.backbone.base import ResNetTrunk


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    """3x3 convolution, "same" padding, no bias."""
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=dilation, bias=False,
                     dilation=dilation)


class BasicBlock(nn.Module):
    """Two 3x3 convs (BN optional) with an identity or given shortcut."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module = None,
                 dilation: int = 1, use_bn: bool = True):
        super().__init__()
        self.use_bn = use_bn
        self.conv1 = conv3x3(inplanes, planes, stride, dilation=dilation)
        if use_bn:
            self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, dilation=dilation)
        if use_bn:
            self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)
        out = self.conv1(x)
        if self.use_bn:
            out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        if self.use_bn:
            out = self.bn2(out)
        out = out + residual
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 -> 3x3 (stride) -> 1x1 bottleneck, x4 expansion (torchvision layout); ``stride_in_1x1=True``: the stride
    sits in the first 1x1 conv instead (Detectron / Mask R-CNN layout)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module = None, dilation: int = 1,
                 stride_in_1x1: bool = False):
        super().__init__()
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, stride=stride_1x1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride_3x3, padding=dilation, bias=False,
                               dilation=dilation)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + residual)


class ResNet(ResNetTrunk):
    """ResNet trunk + (optional) classifier head, returning the requested intermediate layers."""

    def __init__(self, block: Type[Union[BasicBlock, Bottleneck]], layers: Sequence[int],
                 output_layers: Sequence[str] = ("layer1", "layer2", "layer3", "layer4"), num_classes: int = 1000,
                 base_width: int = 64, frozen_layers=(), with_fc: bool = True):
        super().__init__(frozen_layers=frozen_layers)
        self.output_layers = tuple(output_layers)
        self.inplanes = base_width
        w = base_width
        self._build_stem(w)
        self.layer1 = self._make_layer(block, w, layers[0])
        self.layer2 = self._make_layer(block, 2 * w, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 4 * w, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 8 * w, layers[3], stride=2)
        self._channels = {"conv1": w, "layer1": w * block.expansion, "layer2": 2 * w * block.expansion,
                          "layer3": 4 * w * block.expansion, "layer4": 8 * w * block.expansion}
        if with_fc:
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8 * w * block.expansion, num_classes)
        self.init_weights()

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers.extend(block(self.inplanes, planes) for _ in range(1, blocks))
        return nn.Sequential(*layers)

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """The ImageNet classifier (``'fc'`` output)."""
        if not hasattr(self, "fc"):
            raise ValueError("This backbone was built without the classifier (with_fc=False)")
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet50(output_layers=("layer1", "layer2", "layer3", "layer4"), frozen_layers=(), **kwargs) -> ResNet:
    """ResNet-50, torchvision layout ('imagenet' backbone). Load ImageNet weights with ltr.admin.loading."""
    return ResNet(Bottleneck, [3, 4, 6, 3], output_layers, frozen_layers=frozen_layers, **kwargs)


def resnet18(output_layers=("layer1", "layer2", "layer3", "layer4"), frozen_layers=(), **kwargs) -> ResNet:
    """ResNet-18, torchvision layout (BasicBlocks); ``base_width`` < 64 gives a width-reduced trunk."""
    return ResNet(BasicBlock, [2, 2, 2, 2], output_layers, frozen_layers=frozen_layers, **kwargs)
