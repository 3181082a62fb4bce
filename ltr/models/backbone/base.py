"""Backbone base class: frozen layers stay in eval mode and get no gradients while the rest trains."""
from __future__ import annotations

from typing import Sequence, Union

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
