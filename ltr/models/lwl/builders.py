"""Shared construction of the parts of LWL, LWL box-init and STANet (backbone, target model, decoder)."""
from __future__ import annotations

import logging
import math
from collections import OrderedDict
from typing import Dict, Sequence

import torch.nn as nn

from ltr.models.backbone import resnet as resnet_tv
from ltr.models.backbone import resnet_mrcnn
from ltr.models.lwl.decoder import LWTLDecoder
from ltr.models.lwl.features import residual_basic_block
from ltr.models.lwl.initializer import FilterInitializerZero
from ltr.models.lwl.linear_filter import LinearFilter
from ltr.models.lwl.loss_residual_modules import LWTLResidual
from ltr.models.meta.steepestdescent import GNSteepestDescent

logger = logging.getLogger(__name__)

BACKBONE_TYPES = ("mrcnn", "imagenet", "resnet18")


def build_backbone(backbone_type: str, pretrained: bool, frozen_layers: Sequence[str], backbone_width: int = 64):
    """The feature extractor F.

    'mrcnn': ResNet-50, Detectron layout (as the released networks). ``pretrained`` is ignored, as in the reference
    (load Mask R-CNN weights with ``ltr.admin.loading.load_mrcnn_backbone``). 'imagenet': ResNet-50, torchvision
    layout; 'resnet18': ResNet-18 trunk (``backbone_width`` < 64 for width-reduced CPU experiments). Nothing is ever
    downloaded: ``pretrained=True`` for the torchvision layouts raises with instructions.
    """
    if backbone_type == "mrcnn":
        return resnet_mrcnn.resnet50(frozen_layers=frozen_layers)
    if backbone_type in ("imagenet", "resnet18"):
        if pretrained:
            raise ValueError(
                f"backbone_pretrained=True with backbone_type='{backbone_type}': weights are never downloaded. Build "
                "with backbone_pretrained=False and load torchvision weights with "
                "ltr.admin.loading.load_torchvision_backbone(net.feature_extractor, path).")
        if backbone_type == "imagenet":
            return resnet_tv.resnet50(frozen_layers=frozen_layers, base_width=backbone_width, with_fc=backbone_width == 64)
        return resnet_tv.resnet18(frozen_layers=frozen_layers, base_width=backbone_width, with_fc=False)
    raise ValueError(f"Unknown backbone_type {backbone_type!r}; expected one of {BACKBONE_TYPES}")


def build_learner(num_iter: int, init_reg: float, detach_length: float) -> GNSteepestDescent:
    """The few-shot learner (Eq. 2b) with its own learned regulariser."""
    return GNSteepestDescent(residual_module=LWTLResidual(init_filter_reg=init_reg), num_iter=num_iter,
                             detach_length=detach_length, residual_batch_dim=1, compute_losses=True)


def build_target_model(in_dim: int, filter_size: int, num_filters: int, optim_iter: int, optim_init_reg: float,
                       out_feature_dim: int, clf_feat_blocks: int, clf_feat_norm: bool, final_conv: bool,
                       detach_length: float, filter_groups: int = 1, with_features: bool = True) -> LinearFilter:
    """Target model: (optionally) the feature extractor on ``in_dim`` channels, zero init, the learner."""
    extractor = None
    if with_features:
        norm_scale = math.sqrt(1.0 / (out_feature_dim * filter_size * filter_size))
        extractor = residual_basic_block(feature_dim=in_dim, num_blocks=clf_feat_blocks, l2norm=clf_feat_norm,
                                         final_conv=final_conv, norm_scale=norm_scale, out_dim=out_feature_dim)
    initializer = FilterInitializerZero(filter_size=filter_size, num_filters=num_filters,
                                        feature_dim=out_feature_dim, filter_groups=filter_groups)
    return LinearFilter(filter_size=filter_size, filter_initializer=initializer,
                        filter_optimizer=build_learner(optim_iter, optim_init_reg, detach_length),
                        feature_extractor=extractor)


def build_decoder(in_channels: int, decoder_mdim: int, layer_channels: Dict[str, int],
                  decoder_input_layers: Sequence[str]) -> LWTLDecoder:
    """The shared segmentation decoder over ``decoder_input_layers`` (deepest first)."""
    ft = OrderedDict((layer, layer_channels[layer]) for layer in decoder_input_layers)
    return LWTLDecoder(in_channels, decoder_mdim, ft, use_bn=True)


def check_filter_dilation(dilation_factors) -> None:
    """Dilated target models are not used by any released LWL/STANet setting; refuse them explicitly."""
    if dilation_factors is not None:
        raise NotImplementedError("dilation_factors is not supported (no released LWL/STANet setting uses it)")


def check_input_layers(layer: str, backbone: nn.Module) -> int:
    """Channels of the target-model input layer, with a clear error for an unknown layer name."""
    channels = backbone.out_feature_channels()
    if layer not in channels:
        raise ValueError(f"target_model_input_layer {layer!r} not among {sorted(channels)}")
    return channels[layer]
