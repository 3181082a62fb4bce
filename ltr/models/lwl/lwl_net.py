"""LWL (Learning What to Learn, Bhat et al. ECCV 2020): backbone, target model learned by steepest descent on
encoded mask labels, segmentation decoder. ``steepest_descent_resnet50`` is the constructor recorded in the official
``lwl_stage2.pth`` (module path ``ltr.models.lwl.lwl_net``)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Sequence, Tuple

import torch
import torch.nn as nn

from ltr.admin.model_constructor import model_constructor
from ltr.models.lwl import builders
from ltr.models.lwl.label_encoder import ResidualDS16SW


class BackboneFeaturesMixin:
    """Feature helpers shared by LWTLNet and STANet (needs ``feature_extractor`` and ``target_model``)."""

    def _set_layers(self, target_model_input_layer, decoder_input_layers: Sequence[str]) -> None:
        self.target_model_input_layer = ((target_model_input_layer,) if isinstance(target_model_input_layer, str)
                                         else tuple(target_model_input_layer))
        self.decoder_input_layers = tuple(decoder_input_layers)
        self.output_layers = sorted(set(self.target_model_input_layer + self.decoder_input_layers))

    def extract_backbone_features(self, im: torch.Tensor, layers: Sequence[str] = None) -> Dict[str, torch.Tensor]:
        """Backbone features of images ``(N, 3, H, W)`` (BGR 0-255 minus the Mask R-CNN mean for 'mrcnn')."""
        return self.feature_extractor(im, self.output_layers if layers is None else layers)

    def get_backbone_target_model_features(self, backbone_feat: Dict[str, torch.Tensor]):
        """The backbone layer(s) the target model reads."""
        if len(self.target_model_input_layer) == 1:
            return backbone_feat[self.target_model_input_layer[0]]
        return OrderedDict((layer, backbone_feat[layer]) for layer in self.target_model_input_layer)

    def get_backbone_decoder_features(self, backbone_feat: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """The backbone layers the decoder reads."""
        return OrderedDict((layer, backbone_feat[layer]) for layer in self.decoder_input_layers)

    def extract_target_model_features(self, backbone_feat: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Target-model features ``(N, C, h, w)``."""
        return self.target_model.extract_target_model_features(self.get_backbone_target_model_features(backbone_feat))


class LWTLNet(BackboneFeaturesMixin, nn.Module):
    """Feature extractor F, target model (filter learner), decoder D and mask label encoder."""

    def __init__(self, feature_extractor: nn.Module, target_model: nn.Module, decoder: nn.Module,
                 target_model_input_layer, decoder_input_layers: Sequence[str], label_encoder: nn.Module = None):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.target_model = target_model
        self.decoder = decoder
        self.label_encoder = label_encoder
        self._set_layers(target_model_input_layer, decoder_input_layers)

    # ---------------------------------------------------------------------------------------------------- inference
    def segment_target(self, target_filter: torch.Tensor, test_feat_tm: torch.Tensor,
                       test_feat: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(1, 1, 16h, 16w)`` and target scores ``(1, 1, C, h, w)`` of one frame."""
        if target_filter.dim() != 5:
            raise ValueError(f"target_filter must be (sequences, filters, channels, k, k), got {tuple(target_filter.shape)}")
        test_feat_tm = test_feat_tm.reshape(1, 1, *test_feat_tm.shape[-3:])
        mask_encoding = self.target_model.apply_target_model(target_filter, test_feat_tm)
        size = (test_feat_tm.shape[-2] * 16, test_feat_tm.shape[-1] * 16)
        mask_pred, _ = self.decoder(mask_encoding, test_feat, size)
        return mask_pred, mask_encoding

    # ----------------------------------------------------------------------------------------------------- training
    def forward(self, train_imgs: torch.Tensor, test_imgs: torch.Tensor, train_masks: torch.Tensor,
                test_masks: torch.Tensor = None, num_refinement_iter: int = 2,
                predict_with_refined_filter: bool = False) -> torch.Tensor:
        """Training forward: learn on the train frames, predict each test frame in turn, extend the training set
        with the (detached) prediction and refine the filter with ``num_refinement_iter`` steps.

        ``predict_with_refined_filter=False`` reproduces the released reference exactly: every test frame is
        predicted with the filter of the INITIAL fit, so the refinement has no effect on outputs or loss (reference
        quirk Q1 in docs/reference-notes.md). ``True`` predicts with the refined filter, as the LWL paper describes.
        Shapes: images ``(T, S, 3, H, W)``, masks ``(T, S, H, W)``; returns logits ``(T_test, S, H, W)``.
        """
        num_sequences = train_imgs.shape[1]
        num_test = test_imgs.shape[0]
        train_feat = self.extract_backbone_features(train_imgs.reshape(-1, *train_imgs.shape[-3:]))
        test_feat = self.extract_backbone_features(test_imgs.reshape(-1, *test_imgs.shape[-3:]))
        train_tm = self.extract_target_model_features(train_feat)
        train_tm = train_tm.reshape(-1, num_sequences, *train_tm.shape[-3:])
        label, sw = self.label_encoder(train_masks, train_tm)
        test_tm = self.extract_target_model_features(test_feat)
        test_tm = test_tm.reshape(num_test, num_sequences, *test_tm.shape[-3:])

        filt, filt_iter, _ = self.target_model.get_filter(train_tm, label, sw)
        predict_filter = filt_iter[-1]
        feats_all, labels_all, sws_all = [train_tm], [label], [sw]
        predictions = []
        for i in range(num_test):
            tm_i = test_tm[i:i + 1]
            enc = self.target_model.apply_target_model(predict_filter, tm_i)
            feat_i = {k: v.reshape(num_test, num_sequences, *v.shape[-3:])[i] for k, v in test_feat.items()}
            pred, _ = self.decoder(enc, self.get_backbone_decoder_features(feat_i), test_imgs.shape[-2:])
            pred = pred.reshape(1, num_sequences, *pred.shape[-2:])
            predictions.append(pred)
            label_i, sw_i = self.label_encoder(torch.sigmoid(pred.detach()), tm_i)
            feats_all.append(tm_i)
            labels_all.append(label_i)
            sws_all.append(sw_i)
            if i < num_test - 1 and num_refinement_iter > 0:
                filt, _, _ = self.target_model.filter_optimizer(
                    filt, num_iter=num_refinement_iter, feat=torch.cat(feats_all), label=torch.cat(labels_all),
                    sample_weight=torch.cat(sws_all))
                if predict_with_refined_filter:
                    predict_filter = filt
        return torch.cat(predictions, dim=0)


def build_lwl_parts(filter_size, num_filters, optim_iter, optim_init_reg, backbone_pretrained, clf_feat_blocks,
                    clf_feat_norm, final_conv, out_feature_dim, target_model_input_layer, decoder_input_layers,
                    detach_length, frozen_backbone_layers, decoder_mdim, filter_groups, dilation_factors,
                    backbone_type, backbone_width, decoder_in_channels):
    """Backbone, target model and decoder as the three LWL-family constructors build them."""
    builders.check_filter_dilation(dilation_factors)
    backbone = builders.build_backbone(backbone_type, backbone_pretrained, frozen_backbone_layers, backbone_width)
    in_dim = builders.check_input_layers(target_model_input_layer, backbone)
    target_model = builders.build_target_model(in_dim, filter_size, num_filters, optim_iter, optim_init_reg,
                                                out_feature_dim, clf_feat_blocks, clf_feat_norm, final_conv,
                                                detach_length, filter_groups)
    decoder = builders.build_decoder(decoder_in_channels, decoder_mdim, backbone.out_feature_channels(),
                                     decoder_input_layers)
    return backbone, target_model, decoder


def build_mask_label_encoder(label_encoder_dims, num_filters: int, use_bn: bool) -> ResidualDS16SW:
    """LWL's mask label encoder (3 widths + the filter count)."""
    if len(tuple(label_encoder_dims)) != 3:
        raise ValueError(f"LWL needs 3 label_encoder_dims (mask encoder widths), got {label_encoder_dims}")
    return ResidualDS16SW(layer_dims=tuple(label_encoder_dims) + (num_filters,), use_bn=use_bn)


@model_constructor
def steepest_descent_resnet50(filter_size=1, num_filters=1, optim_iter=3, optim_init_reg=0.01,
                              backbone_pretrained=False, clf_feat_blocks=1, clf_feat_norm=True, final_conv=False,
                              out_feature_dim=512, target_model_input_layer="layer3",
                              decoder_input_layers=("layer4", "layer3", "layer2", "layer1"),
                              detach_length=float("Inf"), label_encoder_dims=(1, 1), frozen_backbone_layers=(),
                              decoder_mdim=64, filter_groups=1, use_bn_in_label_enc=True, dilation_factors=None,
                              backbone_type="imagenet", backbone_width=64) -> LWTLNet:
    """LWL with a ResNet backbone. The official ``lwl_stage2.pth`` records: filter_size=3, num_filters=16,
    optim_iter=5, out_feature_dim=512, label_encoder_dims=(16, 32, 64), use_bn_in_label_enc=False,
    clf_feat_blocks=0, final_conv=True, backbone_type='mrcnn', frozen_backbone_layers=['conv1', 'bn1', 'layer1']."""
    backbone, target_model, decoder = build_lwl_parts(
        filter_size, num_filters, optim_iter, optim_init_reg, backbone_pretrained, clf_feat_blocks, clf_feat_norm,
        final_conv, out_feature_dim, target_model_input_layer, decoder_input_layers, detach_length,
        frozen_backbone_layers, decoder_mdim, filter_groups, dilation_factors, backbone_type, backbone_width,
        decoder_in_channels=num_filters)
    label_encoder = build_mask_label_encoder(label_encoder_dims, num_filters, use_bn_in_label_enc)
    return LWTLNet(feature_extractor=backbone, target_model=target_model, decoder=decoder,
                   label_encoder=label_encoder, target_model_input_layer=target_model_input_layer,
                   decoder_input_layers=decoder_input_layers)
