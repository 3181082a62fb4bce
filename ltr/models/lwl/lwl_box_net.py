"""LWL with a box encoder for box initialisation (``lwl_boxinit.pth``; module path ``ltr.models.lwl.lwl_box_net``).

The box encoder turns the first-frame box (+ target-model features) into a 16-channel mask encoding that the
shared decoder converts to the initial mask; tracking then proceeds exactly as LWL.
"""
from __future__ import annotations

from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn

from ltr.admin.model_constructor import model_constructor
from ltr.models.lwl.label_encoder import ResidualDS16FeatSWBoxCatMultiBlock
from ltr.models.lwl.lwl_net import LWTLNet, build_lwl_parts, build_mask_label_encoder


class LWTLBoxNet(LWTLNet):
    """LWTLNet + ``box_label_encoder``."""

    def __init__(self, feature_extractor: nn.Module, target_model: nn.Module, decoder: nn.Module,
                 target_model_input_layer, decoder_input_layers: Sequence[str], label_encoder: nn.Module = None,
                 box_label_encoder: nn.Module = None):
        super().__init__(feature_extractor, target_model, decoder, target_model_input_layer, decoder_input_layers,
                         label_encoder)
        self.box_label_encoder = box_label_encoder

    def segment_target(self, target_filter: torch.Tensor, test_feat_tm: torch.Tensor,
                       test_feat: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, None]:
        """As LWTLNet, but returns ``(logits, None)`` like the reference."""
        return super().segment_target(target_filter, test_feat_tm, test_feat)[0], None

    def predict_box_mask(self, backbone_feat: Dict[str, torch.Tensor], bbox: torch.Tensor,
                         image_size: Sequence[int]) -> torch.Tensor:
        """Initial-mask logits ``(N, 1, H, W)`` from backbone features of whole frames and boxes ``(N, 4)``."""
        tm_feat = self.extract_target_model_features(backbone_feat)
        enc = self.box_label_encoder(bbox, tm_feat, image_size)
        logits, _ = self.decoder(enc, self.get_backbone_decoder_features(backbone_feat), image_size)
        return logits

    def forward(self, train_imgs: torch.Tensor, train_bb: torch.Tensor) -> torch.Tensor:
        """Box-encoder training forward (the reference's ``forward`` is broken; this is what its box actor computes):
        images ``(N, 3, H, W)`` or ``(T, S, 3, H, W)``, boxes ``(N, 4)`` -> logits ``(N, 1, H, W)``."""
        images = train_imgs.reshape(-1, *train_imgs.shape[-3:])
        feat = self.extract_backbone_features(images)
        return self.predict_box_mask(feat, train_bb.reshape(-1, 4), images.shape[-2:])


@model_constructor
def steepest_descent_resnet50(filter_size=1, num_filters=1, optim_iter=3, optim_init_reg=0.01,
                              backbone_pretrained=False, clf_feat_blocks=1, clf_feat_norm=True, final_conv=False,
                              out_feature_dim=512, target_model_input_layer="layer3",
                              decoder_input_layers=("layer4", "layer3", "layer2", "layer1"),
                              detach_length=float("Inf"), label_encoder_dims=(1, 1), frozen_backbone_layers=(),
                              decoder_mdim=64, filter_groups=1, use_bn_in_label_enc=True, dilation_factors=None,
                              backbone_type="imagenet", box_label_encoder_dims=(1, 1),
                              box_label_encoder_type="ResidualDS16FeatSWBoxCatMultiBlock", use_gauss=False,
                              use_final_relu=True, init_bn=1.0, gauss_scale=0.25, final_bn=True,
                              backbone_width=64) -> LWTLBoxNet:
    """LWL box-init. ``lwl_boxinit.pth`` records the stage-2 kwargs plus box_label_encoder_dims=(64, 64),
    final_bn=False."""
    if box_label_encoder_type != "ResidualDS16FeatSWBoxCatMultiBlock":
        raise ValueError(f"Unsupported box_label_encoder_type {box_label_encoder_type!r}")
    backbone, target_model, decoder = build_lwl_parts(
        filter_size, num_filters, optim_iter, optim_init_reg, backbone_pretrained, clf_feat_blocks, clf_feat_norm,
        final_conv, out_feature_dim, target_model_input_layer, decoder_input_layers, detach_length,
        frozen_backbone_layers, decoder_mdim, filter_groups, dilation_factors, backbone_type, backbone_width,
        decoder_in_channels=num_filters)
    label_encoder = build_mask_label_encoder(label_encoder_dims, num_filters, use_bn_in_label_enc)
    box_label_encoder = ResidualDS16FeatSWBoxCatMultiBlock(
        layer_dims=tuple(box_label_encoder_dims) + (num_filters,), feat_dim=out_feature_dim, use_gauss=use_gauss,
        use_final_relu=use_final_relu, init_bn=init_bn, gauss_scale=gauss_scale, final_bn=final_bn)
    return LWTLBoxNet(feature_extractor=backbone, target_model=target_model, decoder=decoder,
                      label_encoder=label_encoder, box_label_encoder=box_label_encoder,
                      target_model_input_layer=target_model_input_layer, decoder_input_layers=decoder_input_layers)
