"""ResNet-50 in the Detectron / Mask R-CNN layout ('mrcnn' backbone of LWL and STANet).

Differences from the torchvision layout: the stride of a stage sits in the FIRST 1x1 conv of its first block
(``stride_1x1``), the 3x3 conv has stride 1; every stage's first block has a downsample branch (layer1 included, as
the channel count changes). Inputs are BGR, 0-255, minus the Mask R-CNN mean (102.9801, 115.9465, 122.7717), std 1.
"""
from __future__ import annotations

from typing import Sequence

import torch.nn as nn

from ltr.models.backbone.base import ResNetTrunk
from ltr.models.backbone.resnet import Bottleneck

MRCNN_MEAN_BGR = (102.9801, 115.9465, 122.7717)


class ResNetMRCNN(ResNetTrunk):
    """ResNet trunk (no classifier) returning the requested layers; strides 4/8/16/32 with ceil-halving."""

    def __init__(self, layers: Sequence[int] = (3, 4, 6, 3),
                 output_layers: Sequence[str] = ("layer1", "layer2", "layer3", "layer4"), frozen_layers=()):
        super().__init__(frozen_layers=frozen_layers)
        self.output_layers = tuple(output_layers)
        self.inplanes = 64
        self._build_stem(64)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self._channels = {"conv1": 64, "layer1": 256, "layer2": 512, "layer3": 1024, "layer4": 2048}
        # (the reference's own stride table is wrong and unused; ResNetTrunk.STRIDES is correct)
        self.init_weights()

    def _make_layer(self, planes: int, blocks: int, stride: int = 1) -> nn.Sequential:
        downsample = nn.Sequential(
            nn.Conv2d(self.inplanes, planes * 4, kernel_size=1, stride=stride, bias=False),
            nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample, stride_in_1x1=True)]
        self.inplanes = planes * 4
        layers.extend(Bottleneck(self.inplanes, planes) for _ in range(1, blocks))
        return nn.Sequential(*layers)


def resnet50(output_layers=("layer1", "layer2", "layer3", "layer4"), frozen_layers=()) -> ResNetMRCNN:
    """ResNet-50 'mrcnn' layout. Mask R-CNN weights load with ltr.admin.loading (Detectron2 / maskrcnn-benchmark)."""
    return ResNetMRCNN((3, 4, 6, 3), output_layers, frozen_layers=frozen_layers)
