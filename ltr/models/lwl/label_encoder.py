"""Label encoders: turn a mask or a box into the few-shot learner's labels y and weights v (stride 16, C = 16).

* :class:`ResidualDS16SW` -- mask encoder (LWL's ``label_encoder``, STANet's ``segm_encoder``).
* :class:`ResidualDS16FeatSWBox` -- box + features encoder (STANet's two object encoders, paper 3.1 / App. B).
* :class:`ResidualDS16FeatSWBoxCatMultiBlock` -- box + features encoder of LWL box-init.

Box rasterisation keeps the reference's integer rules exactly (they change the numbers): each of x, y, w, h is
truncated toward zero with ``int()`` and then passed through ``int(a + 0.5)`` (which only moves negative values, by
+1). The STANet encoders clamp negative starts at 0; the box-init encoder does not (a box starting left of / above the
image becomes a Python negative slice -- a reference quirk (Q6 in docs/reference-notes.md) kept here; trackers clip boxes before encoding).
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from ltr.models.backbone.resnet import BasicBlock
from ltr.models.layers.blocks import conv_block, init_conv_bn


def _box_ints(bb: torch.Tensor) -> Tuple[int, int, int, int]:
    x, y, w, h = (int(int(v) + 0.5) for v in bb.tolist())
    return x, y, w, h


def rasterize_boxes(bbox: torch.Tensor, size: Sequence[int], clamp_start: bool = True) -> torch.Tensor:
    """Binary masks ``(N, 1, H, W)`` of boxes ``(N, 4)`` [x, y, w, h], with the reference's integer rules."""
    mask = torch.zeros((bbox.shape[0], 1, int(size[0]), int(size[1])), dtype=torch.float32, device=bbox.device)
    for i, bb in enumerate(bbox):
        x, y, w, h = _box_ints(bb)
        if clamp_start:
            mask[i, :, max(0, y):(y + h), max(0, x):(x + w)] = 1.0
        else:
            mask[i, :, y:(y + h), x:(x + w)] = 1.0
    return mask


class _MaskTrunk(nn.Module):
    """Shared stride-16 mask trunk: conv3x3/2 (+BN) + ReLU, max-pool 3x3/2, two stride-2 BasicBlocks."""

    def _build_trunk(self, layer_dims: Sequence[int], use_bn: bool) -> None:
        self.conv_block = conv_block(1, layer_dims[0], kernel_size=3, stride=2, padding=1, batch_norm=use_bn)
        self.pool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        ds1 = nn.Conv2d(layer_dims[0], layer_dims[1], kernel_size=3, padding=1, stride=2)
        self.res1 = BasicBlock(layer_dims[0], layer_dims[1], stride=2, downsample=ds1, use_bn=use_bn)
        ds2 = nn.Conv2d(layer_dims[1], layer_dims[2], kernel_size=3, padding=1, stride=2)
        self.res2 = BasicBlock(layer_dims[1], layer_dims[2], stride=2, downsample=ds2, use_bn=use_bn)

    def _trunk(self, mask: torch.Tensor) -> torch.Tensor:
        return self.res2(self.res1(self.pool(self.conv_block(mask))))


class ResidualDS16SW(_MaskTrunk):
    """Mask -> (labels, spatial weights), each ``(T, S, C, h, w)``. ``layer_dims`` = (16, 32, 64, C)."""

    def __init__(self, layer_dims: Sequence[int], use_bn: bool = False):
        super().__init__()
        self._build_trunk(layer_dims, use_bn)
        self.label_pred = conv_block(layer_dims[2], layer_dims[3], kernel_size=3, stride=1, padding=1,
                                     batch_norm=use_bn)
        self.samp_w_pred = nn.Conv2d(layer_dims[2], layer_dims[3], kernel_size=3, padding=1, stride=1)
        init_conv_bn(self)
        self.samp_w_pred.weight.data.fill_(0)
        self.samp_w_pred.bias.data.fill_(1)

    def forward(self, label_mask: torch.Tensor, feature: torch.Tensor = None) -> Tuple[torch.Tensor, torch.Tensor]:
        """``label_mask`` ``(T, S, H, W)`` (soft or binary); ``feature`` is ignored."""
        if label_mask.dim() != 4:
            raise ValueError(f"Mask encoder expects (frames, sequences, H, W), got {tuple(label_mask.shape)}")
        t, s = label_mask.shape[:2]
        out = self._trunk(label_mask.reshape(-1, 1, *label_mask.shape[-2:]))
        label_enc = self.label_pred(out)
        sample_w = self.samp_w_pred(out)
        return (label_enc.reshape(t, s, *label_enc.shape[-3:]), sample_w.reshape(t, s, *sample_w.shape[-3:]))


class ResidualDS16FeatSWBox(_MaskTrunk):
    """Box + target-model features -> (labels, weights) ``(T, S, C, h, w)``; the object encoder of STANet.

    ``layer_dims`` = (16, 32, 64, 128, C): the box mask passes the stride-16 trunk, is concatenated (mask first)
    with the features, then a BasicBlock to 128 channels, then ``label_pred`` (conv + BatchNorm -- always present,
    as in the reference -- + ReLU) and ``samp_w_pred``.
    """

    def __init__(self, layer_dims: Sequence[int], feat_dim: int, use_final_relu: bool = True,
                 use_gauss: bool = False, use_bn: bool = False, use_sample_w: bool = True, init_bn: float = 1.0):
        super().__init__()
        if use_gauss:
            raise NotImplementedError("Gaussian box labels are not used by any released STANet/LWL setting")
        self.use_sample_w = use_sample_w
        self._build_trunk(layer_dims, use_bn)
        ds3 = nn.Conv2d(layer_dims[2] + feat_dim, layer_dims[3], kernel_size=3, padding=1, stride=1)
        self.res3 = BasicBlock(layer_dims[2] + feat_dim, layer_dims[3], stride=1, downsample=ds3, use_bn=use_bn)
        self.label_pred = conv_block(layer_dims[3], layer_dims[4], kernel_size=3, stride=1, padding=1,
                                     relu=use_final_relu)
        if use_sample_w:
            self.samp_w_pred = nn.Conv2d(layer_dims[3], layer_dims[4], kernel_size=3, padding=1, stride=1)
        init_conv_bn(self, init_bn)
        if use_sample_w:
            self.samp_w_pred.weight.data.fill_(0)
            self.samp_w_pred.bias.data.fill_(1)

    def bbox_to_mask(self, bbox: torch.Tensor, sz: Sequence[int]) -> torch.Tensor:
        """Binary box masks ``(N, 1, H, W)`` (starts clamped at 0)."""
        return rasterize_boxes(bbox, sz[-2:], clamp_start=True)

    def forward(self, bb: torch.Tensor, feat: torch.Tensor, sz: Sequence[int]):
        """``bb`` ``(T, S, 4)``, ``feat`` ``(T*S, F, h, w)``, ``sz`` the image size (H, W)."""
        if bb.dim() != 3:
            raise ValueError(f"Box encoder expects boxes (frames, sequences, 4), got {tuple(bb.shape)}")
        t, s = bb.shape[:2]
        mask = self.bbox_to_mask(bb.reshape(-1, 4), sz)
        out = self.res3(torch.cat((self._trunk(mask), feat), dim=1))
        label_enc = self.label_pred(out).reshape(t, s, -1, *out.shape[-2:])
        if not self.use_sample_w:
            return label_enc
        sample_w = self.samp_w_pred(out).reshape(t, s, -1, *out.shape[-2:])
        return label_enc, sample_w


class ResidualDS16FeatSWBoxCatMultiBlock(nn.Module):
    """LWL box-init encoder: box mask resized to the feature grid, concatenated AFTER the features, residual blocks.

    ``layer_dims`` = (64, 64, C): BasicBlocks (feat_dim + 1 -> 64 -> 64, each with a 3x3 conv shortcut), then
    ``label_pred`` (conv [+ BN] [+ ReLU]). Output ``(N, 1, C, h, w)``.
    """

    def __init__(self, layer_dims: Sequence[int], feat_dim: int, use_final_relu: bool = True, use_gauss: bool = False,
                 use_bn: bool = False, init_bn: float = 1.0, gauss_scale: float = 0.25, final_bn: bool = True):
        super().__init__()
        if use_gauss:
            raise NotImplementedError("Gaussian box labels are not used by the released LWL box-init setting")
        in_dims = (feat_dim + 1,) + tuple(layer_dims)[:-2]
        out_dims = tuple(layer_dims)[:-1]
        blocks = []
        for in_d, out_d in zip(in_dims, out_dims):
            ds = nn.Conv2d(in_d, out_d, kernel_size=3, padding=1, stride=1)
            blocks.append(BasicBlock(in_d, out_d, stride=1, downsample=ds, use_bn=use_bn))
        self.res = nn.Sequential(*blocks)
        self.label_pred = conv_block(layer_dims[-2], layer_dims[-1], kernel_size=3, stride=1, padding=1,
                                     relu=use_final_relu, batch_norm=final_bn)
        init_conv_bn(self, init_bn)

    def bbox_to_mask(self, bbox: torch.Tensor, sz: Sequence[int]) -> torch.Tensor:
        """Binary box masks ``(N, 1, H, W)``; negative starts are NOT clamped (reference quirk Q6)."""
        return rasterize_boxes(bbox, sz[-2:], clamp_start=False)

    def forward(self, bb: torch.Tensor, feat: torch.Tensor, sz: Sequence[int]) -> torch.Tensor:
        """``bb`` ``(N, 4)``, ``feat`` ``(N, F, h, w)``, ``sz`` the image size (H, W) -> ``(N, 1, C, h, w)``."""
        if bb.dim() != 2:
            raise ValueError(f"Box-init encoder expects boxes (N, 4), got {tuple(bb.shape)}")
        mask = self.bbox_to_mask(bb, sz)
        mask = F.interpolate(mask, size=feat.shape[-2:], mode="bilinear", align_corners=False)
        out = self.res(torch.cat((feat, mask), dim=1))
        label_enc = self.label_pred(out)
        return label_enc.reshape(bb.shape[0], 1, *label_enc.shape[-3:])
