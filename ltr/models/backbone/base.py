"""Backbone base class: frozen layers stay in eval mode and get no gradients while the rest trains."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import Dict, Sequence, Union

import torch
import torch.nn as nn


class Backbone(nn.Module):
    """``frozen_layers``: names of child modules (e.g. ``('conv1', 'bn1', 'layer1')``), or ``'all'`` / ``'none'``."""

    def __init__(self, frozen_layers: Union[str, Sequence[str]] = ()):
        super().__init__()
        if isinstance(frozen_layers, str):
            if frozen_layers.lower() == "none":
                frozen_layers = ()
            elif frozen_layers.lower() != "all":
                raise ValueError(f"frozen_layers must be 'all', 'none' or a list of layer names, got {frozen_layers!r}")
        self.frozen_layers = frozen_layers
        self._is_frozen_nograd = False

    def _frozen_all(self) -> bool:
        return isinstance(self.frozen_layers, str) and self.frozen_layers.lower() == "all"

    def train(self, mode: bool = True) -> "Backbone":
        """Like ``nn.Module.train``, but frozen layers stay in eval mode and lose ``requires_grad``."""
        super().train(mode)
        if mode:
            if self._frozen_all():
                super().train(False)
            else:
                for layer in self.frozen_layers:
                    getattr(self, layer).train(False)
        if not self._is_frozen_nograd:
            params = self.parameters() if self._frozen_all() else (
                p for layer in self.frozen_layers for p in getattr(self, layer).parameters())
            for p in params:
                p.requires_grad_(False)
            self._is_frozen_nograd = True
        return self


class ResNetTrunk(Backbone):
    """Shared part of the ResNet layouts: ``conv1 -> bn1 -> relu -> maxpool -> layer1..layer4`` returning the
    requested layers, the channel / stride tables, and the reference's weight initialisation.

    Subclasses build the modules and set ``self._channels``; an optional ``head(x)`` adds an ``'fc'`` output.
    """

    STRIDES = {"conv1": 2, "layer1": 4, "layer2": 8, "layer3": 16, "layer4": 32}

    def _build_stem(self, width: int) -> None:
        """7x7/2 conv (no bias, pad 3) -> BN -> ReLU -> 3x3/2 max-pool (pad 1)."""
        self.conv1 = nn.Conv2d(3, width, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def init_weights(self) -> None:
        """Convs N(0, sqrt(2 / (k*k*out_channels))), BatchNorm weight 1, bias 0."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2.0 / n))
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.data.fill_(1)
                m.bias.data.zero_()

    def out_feature_channels(self, layer: str = None):
        """Channels of ``layer`` (or the whole table)."""
        return self._channels if layer is None else self._channels[layer]

    def out_feature_strides(self, layer: str = None):
        """Stride of ``layer`` relative to the input (or the whole table)."""
        return self.STRIDES if layer is None else self.STRIDES[layer]

    def forward(self, x: torch.Tensor, output_layers: Sequence[str] = None) -> Dict[str, torch.Tensor]:
        """OrderedDict of the requested layers ('conv1', 'layer1'..'layer4', and 'fc' with a head); stops after
        the last one needed."""
        output_layers = self.output_layers if output_layers is None else tuple(output_layers)
        outputs = OrderedDict()
        x = self.relu(self.bn1(self.conv1(x)))
        if "conv1" in output_layers:
            outputs["conv1"] = x
        x = self.maxpool(x)
        for name in ("layer1", "layer2", "layer3", "layer4"):
            x = getattr(self, name)(x)
            if name in output_layers:
                outputs[name] = x
            if len(outputs) == len(output_layers):
                return outputs
        if "fc" in output_layers and hasattr(self, "head"):
            outputs["fc"] = self.head(x)
            return outputs
        raise ValueError(f"Unknown output layer(s) in {output_layers}")
