"""LWL's segmentation decoder: refines a coarse mask encoding with backbone features, deepest layer first.

Per backbone layer L (layer4 -> layer1): TSE (reduce the features, concatenate the encoding resized to that layer,
transform), RRB (residual refinement), CAB (channel attention with the deeper level, plus the upsampled deeper output),
RRB; finally an upsampler (bicubic x2, conv, bicubic to the output size, conv) gives one logit map per frame.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ltr.models.layers.upsample import bicubic_resize


def conv(ic: int, oc: int, ksize: int, bias: bool = True) -> nn.Conv2d:
    """Convolution with "same" padding."""
    return nn.Conv2d(ic, oc, ksize, padding=ksize // 2, bias=bias)


def relu() -> nn.Module:
    """The reference's ReLU (a LeakyReLU with slope 0)."""
    return nn.LeakyReLU(0.0)


def interpolate(t: torch.Tensor, size) -> torch.Tensor:
    """Bilinear resize (align_corners=False), skipped when the size already matches."""
    size = tuple(int(s) for s in size)
    if tuple(t.shape[-2:]) == size:
        return t
    return F.interpolate(t, size, mode="bilinear", align_corners=False)


class TSE(nn.Module):
    """Reduce features ``fc -> oc``, concatenate the ``ic``-channel encoding, transform to ``oc`` channels."""

    def __init__(self, fc: int, ic: int, oc: int):
        super().__init__()
        nc = ic + oc
        self.reduce = nn.Sequential(conv(fc, oc, 1), relu(), conv(oc, oc, 1))
        self.transform = nn.Sequential(conv(nc, nc, 3), relu(), conv(nc, nc, 3), relu(), conv(nc, oc, 3), relu())

    def forward(self, ft: Optional[torch.Tensor], score: torch.Tensor, x: Optional[torch.Tensor] = None,
                pre: Optional[torch.Tensor] = None, pool: Optional[torch.Tensor] = None):
        """``(transformed, pooled)``; from the features ``ft`` or from :meth:`precompute`'s ``pre``/``pool``, in
        which case ``score`` holds only the encoding channels that were not given to :meth:`precompute`."""
        if pre is None:
            h = self.reduce(ft)
            hpool = F.adaptive_avg_pool2d(h, (1, 1)) if x is None else x
            h = torch.cat((h, interpolate(score, h.shape[-2:])), dim=1)
            return self.transform(h), hpool
        first = self.transform[0]
        h = pre + F.conv2d(interpolate(score, pre.shape[-2:]), first.weight[:, -score.shape[1]:], None,
                           padding=first.padding)
        for layer in self.transform[1:]:
            h = layer(h)
        return h, (pool if x is None else x)

    def precompute(self, ft: torch.Tensor, static: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """The per-frame share of :meth:`forward`: the first transform convolution is linear in its input, so its
        response to the reduced features and to the leading ``static`` encoding channels (plus the bias) can be
        computed once; :meth:`forward` adds the response to the remaining channels. Returns ``(pre, pool)``."""
        h = self.reduce(ft)
        pool = F.adaptive_avg_pool2d(h, (1, 1))
        if static is not None:
            h = torch.cat((h, interpolate(static, h.shape[-2:])), dim=1)
        first = self.transform[0]
        return F.conv2d(h, first.weight[:, :h.shape[1]], first.bias, padding=first.padding), pool


class CAB(nn.Module):
    """Channel attention from the pooled shallow and deep levels; adds the (upsampled) deeper level."""

    def __init__(self, oc: int, deepest: bool):
        super().__init__()
        self.convreluconv = nn.Sequential(conv(2 * oc, oc, 1), relu(), conv(oc, oc, 1))
        self.deepest = deepest

    def forward(self, deeper: torch.Tensor, shallower: torch.Tensor) -> torch.Tensor:
        shallow_pool = F.adaptive_avg_pool2d(shallower, (1, 1))
        deeper_pool = deeper if self.deepest else F.adaptive_avg_pool2d(deeper, (1, 1))
        attention = torch.sigmoid(self.convreluconv(torch.cat((shallow_pool, deeper_pool), dim=1)))
        out = shallower * attention
        return out + interpolate(deeper, out.shape[-2:])


class RRB(nn.Module):
    """Residual refinement block: 1x1 conv, then ``relu(h + conv3x3 -> [BN] -> relu -> conv3x3(h))``."""

    def __init__(self, oc: int, use_bn: bool = False):
        super().__init__()
        self.conv1x1 = conv(oc, oc, 1)
        if use_bn:
            self.bblock = nn.Sequential(conv(oc, oc, 3), nn.BatchNorm2d(oc), relu(), conv(oc, oc, 3, bias=False))
        else:
            self.bblock = nn.Sequential(conv(oc, oc, 3), relu(), conv(oc, oc, 3, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1x1(x)
        return F.relu(h + self.bblock(h))


class Upsampler(nn.Module):
    """Bicubic x2 -> conv3x3 (C -> C/2) -> ReLU -> bicubic to the output size -> conv3x3 (C/2 -> 1).

    The last two steps are linear, so they are computed in the cheaper order with the same result (up to float
    rounding): the channels are first mixed per kernel tap at the lower resolution (9 maps instead of C/2), those are
    resized, and each is added at its tap's offset (zero padding, as the convolution's).
    """

    def __init__(self, in_channels: int = 64):
        super().__init__()
        self.conv1 = conv(in_channels, in_channels // 2, 3)
        self.conv2 = conv(in_channels // 2, 1, 3)

    def forward(self, x: torch.Tensor, image_size) -> torch.Tensor:
        x = bicubic_resize(x, (2 * x.shape[-2], 2 * x.shape[-1]))
        x = F.relu(self.conv1(x))
        return self._resize_and_conv2(x, tuple(int(s) for s in image_size[-2:]))

    def _resize_and_conv2(self, x: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
        weight = self.conv2.weight  # (1, C, k, k), "same" padding
        _, c, k, _ = weight.shape
        if k * k >= c:  # no saving: resize the C channels, then convolve
            return self.conv2(bicubic_resize(x, size))
        per_tap = bicubic_resize(F.conv2d(x, weight[0].permute(1, 2, 0).reshape(k * k, c, 1, 1)), size)
        h, w = size
        out = self.conv2.bias.view(1, 1, 1, 1).expand(x.shape[0], 1, h, w).clone()
        for i in range(k):
            for j in range(k):
                dy, dx = i - k // 2, j - k // 2  # out[y, x] += tap map (i, j) at [y + dy, x + dx], zero outside
                y0, y1, x0, x1 = max(0, -dy), h - max(0, dy), max(0, -dx), w - max(0, dx)
                out[:, 0, y0:y1, x0:x1] += per_tap[:, i * k + j, y0 + dy:y1 + dy, x0 + dx:x1 + dx]
        return out


class LWTLDecoder(nn.Module):
    """The decoder. ``ft_channels``: ordered ``{layer: channels}``, deepest first (e.g. layer4..layer1).

    Args:
        in_channels: channels of the mask encoding (16 for LWL, 32 for STANet: box encoding + target scores).
        out_channels: base width ``decoder_mdim``; the levels use 4x/2x/2x/1x of it (layer4/3/2/1).
        use_bn: BatchNorm inside the refinement blocks.
    """

    LEVEL_WIDTH = {"layer1": 1, "layer2": 2, "layer3": 2, "layer4": 4}

    def __init__(self, in_channels: int = 1, out_channels: int = 32, ft_channels: Dict[str, int] = None,
                 use_bn: bool = False):
        super().__init__()
        if ft_channels is None:
            raise ValueError("LWTLDecoder needs ft_channels, e.g. {'layer4': 2048, ..., 'layer1': 256}")
        self.ft_channels = OrderedDict(ft_channels)
        self.TSE = nn.ModuleDict()
        self.RRB1 = nn.ModuleDict()
        self.CAB = nn.ModuleDict()
        self.RRB2 = nn.ModuleDict()
        self.proj = nn.ModuleDict()
        last_layer = "layer4" if "layer4" in self.ft_channels else "layer3"
        prev = None
        self._out_feature_channels = {}
        for layer, fc in self.ft_channels.items():
            oc = self.LEVEL_WIDTH[layer] * out_channels
            if layer != last_layer:
                self.proj[layer] = nn.Sequential(conv(self.LEVEL_WIDTH[prev] * out_channels, oc, 1), relu())
            self.TSE[layer] = TSE(fc, in_channels, oc)
            self.RRB1[layer] = RRB(oc, use_bn=use_bn)
            self.CAB[layer] = CAB(oc, layer == last_layer)
            self.RRB2[layer] = RRB(oc, use_bn=use_bn)
            self._out_feature_channels[f"{layer}_dec"] = oc
            prev = layer
        self.project = Upsampler(out_channels)

    def out_feature_channels(self) -> Dict[str, int]:
        """Channels of the optional per-level outputs ``'<layer>_dec'``."""
        return dict(self._out_feature_channels)

    def precompute(self, features: Dict[str, torch.Tensor],
                   static: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """The part of the decoder that depends on one frame only, for decoding that frame several times.

        ``features``: backbone features (batch N); ``static`` ``(N, Cs, h, w)``: the leading encoding channels that
        are the same in every call (e.g. STANet's single-frame box encoding m_t), or None. Per level (key = layer):
        the first transform convolution's response, with its bias, to the TSE's reduced features and to ``static``;
        key ``'pool'``: the deepest level's pooled reduced features. Pass it as ``forward(..., cache=...)`` with only
        the other encoding channels; the logits equal those of the full forward up to float rounding.
        """
        cache = OrderedDict()
        for layer in self.ft_channels:
            cache[layer], pool = self.TSE[layer].precompute(features[layer], static)
            cache.setdefault("pool", pool)
        return cache

    def forward(self, scores: torch.Tensor, features: Optional[Dict[str, torch.Tensor]], image_size,
                output_layers: Sequence[str] = (),
                cache: Optional[Dict[str, torch.Tensor]] = None) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """Logits ``(T*S, 1, H, W)`` from the encoding ``(T, S, C, h, w)`` and backbone features (batch T*S) -- or
        from their :meth:`precompute` (``cache``), in which case the encoding holds the channels that follow the
        ``static`` ones given to it."""
        if scores.dim() != 5:
            raise ValueError(f"Decoder expects a 5-D encoding (frames, sequences, C, h, w), got {tuple(scores.shape)}")
        outputs = OrderedDict()
        scores = scores.reshape(-1, *scores.shape[-3:])
        x = None
        for layer in self.ft_channels:
            ft = features[layer] if cache is None else None
            pre = cache[layer] if cache is not None else None
            s = interpolate(scores, (ft if ft is not None else pre).shape[-2:])
            if x is not None:
                x = self.proj[layer](x)
            h, hpool = self.TSE[layer](ft, s, x, pre=pre, pool=cache["pool"] if cache is not None else None)
            h = self.RRB1[layer](h)
            h = self.CAB[layer](hpool, h)
            x = self.RRB2[layer](h)
            if f"{layer}_dec" in output_layers:
                outputs[f"{layer}_dec"] = x
        return self.project(x, image_size), outputs
