"""Network wrappers for trackers: load a checkpoint once, normalise images the way the network was trained."""
from __future__ import annotations

import logging
import os
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn

logger = logging.getLogger(__name__)

MRCNN_MEAN = (102.9801, 115.9465, 122.7717)


class NetWithBackbone:
    """A network plus its input normalisation.

    Args:
        net_path: checkpoint file (relative names are searched in the ``network_path`` setting) -- or
        net: an already built network.
        image_format: 'rgb' / 'bgr' (0-1 scale) or 'rgb255' / 'bgr255' (0-255 scale) -- the input the network expects.
        mean, std: per-channel normalisation in that format (defaults: the Mask R-CNN BGR mean, std 1).
        device: 'cpu', 'cuda', or None (CUDA when available).

    ``initialize()`` loads the checkpoint once (later calls are free), moves it to the device and sets eval mode.
    Attributes not found here are forwarded to the network (``wrapper.segment_target(...)``).
    """

    def __init__(self, net_path: Optional[Union[str, os.PathLike]] = None, net: Optional[nn.Module] = None,
                 image_format: str = "bgr255", mean: Sequence[float] = MRCNN_MEAN, std: Sequence[float] = (1, 1, 1),
                 device: Optional[str] = None, constructor_overrides: Optional[Dict] = None):
        if net_path is None and net is None:
            raise ValueError("NetWithBackbone needs net_path or net")
        if image_format not in ("rgb", "bgr", "rgb255", "bgr255"):
            raise ValueError(f"Unknown image_format {image_format!r}")
        self.net_path = net_path
        self.net = net
        self.image_format = image_format
        self.device = torch.device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
        self._mean = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
        self._std = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
        self.constructor_overrides = dict(constructor_overrides or {})
        self._ready = False

    def initialize(self) -> "NetWithBackbone":
        """Load (once), move to the device, eval mode."""
        if not self._ready:
            if self.net is None:
                from ltr.admin.loading import load_network

                self.net = load_network(self.net_path, **self.constructor_overrides)
                logger.info("Loaded %s", self.net_path)
            self.net = self.net.to(self.device).eval()
            self._mean = self._mean.to(self.device)
            self._std = self._std.to(self.device)
            self._ready = True
        return self

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("net", "net_path"):
            raise AttributeError(name)
        return getattr(self.net, name)

    def preprocess_image(self, im: torch.Tensor) -> torch.Tensor:
        """RGB 0-255 ``(N, 3, H, W)`` -> network input (channel order, scale, mean/std), on the device."""
        im = im.to(self.device)
        if self.image_format in ("rgb", "bgr"):
            im = im / 255
        if self.image_format in ("bgr", "bgr255"):
            im = im[:, [2, 1, 0], :, :]
        return (im - self._mean) / self._std

    def extract_backbone(self, im: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Backbone features of RGB 0-255 images."""
        return self.net.extract_backbone_features(self.preprocess_image(im))
