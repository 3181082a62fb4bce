"""STANet: masks from boxes by spatio-temporal aggregation (the paper's network; ``sta.pth.tar`` records the
constructor ``ltr.models.lwl.sta_net.steepest_descent_resnet50``).

Paper -> code (quirk Q4 in docs/reference-notes.md explains why the code differs from the overview figure):

* object encoder B (Eq. 1): two independent box encoders. ``label_encoder`` gives the single-frame encoding m_t that
  goes straight to the decoder (its weight head is computed and discarded); ``bbox_encoder`` gives the labels e_t and
  confidence weights w_t of the aggregation problem;
* spatio-temporal aggregation S (Eq. 2): ``target_model`` -- the steepest-descent learner fitted on ALL T frames
  jointly from a zero filter, then applied to every frame (s_t = x_t * z);
* decoder D: ``decoder`` on cat[m_t, s_t] -> first-pass masks y_t;
* refinement (Sec. 3.3): ``segm_encoder`` (a plain mask encoder, the secondary object encoder B^) on sigmoid(y_t),
  a second learner ``target_model_segm`` (own regulariser, reusing the 512-d features), the SAME decoder on
  cat[m_t, s^_t] -> refined masks.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from ltr.admin.model_constructor import model_constructor
from ltr.models.lwl import builders
from ltr.models.lwl.label_encoder import ResidualDS16FeatSWBox, ResidualDS16SW
from ltr.models.lwl.lwl_net import BackboneFeaturesMixin, build_lwl_parts


class STANet(BackboneFeaturesMixin, nn.Module):
    """Box-to-mask network; ``forward(images, boxes) -> (first-pass logits, refined logits)``."""

    def __init__(self, feature_extractor: nn.Module, target_model: nn.Module, target_model_segm: nn.Module,
                 decoder: nn.Module, label_encoder: nn.Module, bbox_encoder: nn.Module, segm_encoder: nn.Module,
                 target_model_input_layer="layer3",
                 decoder_input_layers: Sequence[str] = ("layer4", "layer3", "layer2", "layer1"),
                 single_frame_encoding: bool = True):
        super().__init__()
        # False: the paper's "MultiFrame" variant (Table 2): the decoder sees zeros instead of m_t, so it can only
        # use the aggregated s_t (the label encoder's weights stay, unused, so checkpoints keep their keys)
        self.single_frame_encoding = bool(single_frame_encoding)
        self.feature_extractor = feature_extractor
        self.target_model = target_model
        self.target_model_segm = target_model_segm
        self.decoder = decoder
        self.label_encoder = label_encoder
        self.bbox_encoder = bbox_encoder
        self.segm_encoder = segm_encoder
        self._set_layers(target_model_input_layer, decoder_input_layers)

    def forward(self, train_imgs: torch.Tensor, train_bbox: torch.Tensor, num_iter: Optional[int] = None,
                refine: bool = True) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Images ``(T, S, 3, H, W)`` (network input convention), boxes ``(T, S, 4)`` [x, y, w, h] in input pixels.

        ``num_iter``: learner iterations for both passes (default: the constructor's ``optim_iter``, as the reference).
        Returns logits ``pred_all`` and ``pred_all_segm`` (``None`` when ``refine=False``), each ``(T, S, H, W)``.
        """
        feat = self.extract_backbone_features(train_imgs.reshape(-1, *train_imgs.shape[-3:]))
        return self.forward_features(feat, train_bbox, train_imgs.shape[-2:], num_iter=num_iter, refine=refine)

    def encode_frames(self, feat: Dict[str, torch.Tensor], bbox: torch.Tensor,
                      image_size: Sequence[int]) -> Dict[str, torch.Tensor]:
        """Per-frame quantities that do not depend on the other frames of a window (cacheable per frame).

        ``feat``: backbone features (batch T*S), ``bbox`` ``(T, S, 4)``. Returns target-model features ``x``
        ``(T, S, C, h, w)``, ``m`` (single-frame encoding for the decoder), ``e``/``w`` (aggregation labels/weights).
        """
        t, s = bbox.shape[:2]
        x = self.extract_target_model_features(feat)
        m, _unused_weights = self.label_encoder(bbox, x, image_size)
        e, w = self.bbox_encoder(bbox, x, image_size)
        return {"x": x.reshape(t, s, *x.shape[-3:]), "m": m, "e": e, "w": w}

    def aggregate(self, x: torch.Tensor, label: torch.Tensor, weight: torch.Tensor, second_pass: bool = False,
                  num_iter: Optional[int] = None) -> torch.Tensor:
        """Spatio-temporal aggregation: fit one filter on all frames, apply it to every frame -> ``(T, S, C, h, w)``."""
        model = self.target_model_segm if second_pass else self.target_model
        kwargs = {} if num_iter is None else {"num_iter": num_iter}
        filt, _, _ = model.get_filter(x, label, weight, **kwargs)
        return model.apply_target_model(filt, x)

    def decode(self, m: torch.Tensor, s: torch.Tensor, feat: Optional[Dict[str, torch.Tensor]],
               image_size: Sequence[int], cache: Optional[Dict[str, torch.Tensor]] = None) -> torch.Tensor:
        """Decoder on cat[m, s] ``(T, S, 2C, h, w)`` -> logits ``(T, S, H, W)``; ``feat`` batch T*S, or ``cache``
        from :meth:`precompute_decoder` of the same frames (then ``m`` is already in it and only ``s`` is read)."""
        if cache is not None:
            logits, _ = self.decoder(s, None, image_size, cache=cache)
        else:
            if not self.single_frame_encoding:
                m = torch.zeros_like(m)
            logits, _ = self.decoder(torch.cat([m, s], dim=2), feat, image_size)
        return logits.reshape(s.shape[0], s.shape[1], *logits.shape[-2:])

    def precompute_decoder(self, feat: Dict[str, torch.Tensor], m: torch.Tensor) -> Dict[str, torch.Tensor]:
        """The decoder's per-frame share (``LWTLDecoder.precompute``) for backbone features ``feat`` (batch T*S) and
        the single-frame encodings ``m`` ``(T, S, C, h, w)`` of the same frames; pass it to :meth:`decode`."""
        if not self.single_frame_encoding:
            m = torch.zeros_like(m)
        return self.decoder.precompute(feat, m.reshape(-1, *m.shape[-3:]))

    def forward_features(self, feat: Dict[str, torch.Tensor], bbox: torch.Tensor, image_size: Sequence[int],
                         num_iter: Optional[int] = None, refine: bool = True) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """:meth:`forward` from precomputed backbone features (batch T*S)."""
        enc = self.encode_frames(feat, bbox, image_size)
        return self.forward_encoded(enc, feat, image_size, num_iter=num_iter, refine=refine)

    def forward_encoded(self, enc: Dict[str, torch.Tensor], feat: Optional[Dict[str, torch.Tensor]],
                        image_size: Sequence[int], num_iter: Optional[int] = None, refine: bool = True,
                        refine_frames: Optional[Sequence[int]] = None,
                        cache: Optional[Dict[str, torch.Tensor]] = None) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Both passes from :meth:`encode_frames` output and the backbone features (batch T*S) or the decoder
        ``cache`` of :meth:`precompute_decoder`. ``refine_frames``: decode the refined masks only for these window
        indices (the refinement learner still uses all frames; the numbers for those frames are unchanged)."""
        x = enc["x"]
        s1 = self.aggregate(x, enc["e"], enc["w"], num_iter=num_iter)
        pred_all = self.decode(enc["m"], s1, feat, image_size, cache=cache)
        if not refine:
            return pred_all, None
        segm_e, segm_w = self.segm_encoder(torch.sigmoid(pred_all), x)
        s2 = self.aggregate(x, segm_e, segm_w, second_pass=True, num_iter=num_iter)
        if refine_frames is None:
            return pred_all, self.decode(enc["m"], s2, feat, image_size, cache=cache)
        idx = list(refine_frames)
        t, s = x.shape[:2]
        source = cache if cache is not None else feat
        sub = {k: v.reshape(t, s, *v.shape[-3:])[idx].reshape(-1, *v.shape[-3:]) for k, v in source.items()}
        if cache is not None:
            return pred_all, self.decode(enc["m"][idx], s2[idx], None, image_size, cache=sub)
        return pred_all, self.decode(enc["m"][idx], s2[idx], sub, image_size)


@model_constructor
def steepest_descent_resnet50(filter_size=1, num_filters=1, optim_iter=3, optim_init_reg=0.01,
                              backbone_pretrained=False, clf_feat_blocks=1, clf_feat_norm=True, final_conv=False,
                              out_feature_dim=512, target_model_input_layer="layer3",
                              decoder_input_layers=("layer4", "layer3", "layer2", "layer1"),
                              detach_length=float("Inf"), label_encoder_dims=(1, 1), frozen_backbone_layers=(),
                              decoder_mdim=64, filter_groups=1, use_bn_in_label_enc=True, dilation_factors=None,
                              backbone_type="imagenet", backbone_width=64, single_frame_encoding=True) -> STANet:
    """STANet. The inferred ``sta.pth.tar`` kwargs: filter_size=3, num_filters=16, optim_iter=5,
    out_feature_dim=512, label_encoder_dims=(16, 32, 64, 128), use_bn_in_label_enc=False, clf_feat_blocks=0,
    final_conv=True, backbone_type='mrcnn', frozen_backbone_layers=['conv1', 'bn1', 'layer1']. Small CPU variants:
    backbone_type='resnet18' with a reduced ``backbone_width``, smaller out_feature_dim / decoder_mdim.
    ``single_frame_encoding=False``: the paper's "MultiFrame" ablation (decoder input cat[0, s_t]; not in official
    checkpoints, which use both encodings)."""
    label_encoder_dims = tuple(label_encoder_dims)
    if len(label_encoder_dims) != 4:
        raise ValueError(f"STANet needs 4 label_encoder_dims (box encoder widths), got {label_encoder_dims}")
    backbone, target_model, decoder = build_lwl_parts(
        filter_size, num_filters, optim_iter, optim_init_reg, backbone_pretrained, clf_feat_blocks, clf_feat_norm,
        final_conv, out_feature_dim, target_model_input_layer, decoder_input_layers, detach_length,
        frozen_backbone_layers, decoder_mdim, filter_groups, dilation_factors, backbone_type, backbone_width,
        decoder_in_channels=2 * num_filters)
    target_model_segm = builders.build_target_model(
        out_feature_dim, filter_size, num_filters, optim_iter, optim_init_reg, out_feature_dim, clf_feat_blocks,
        clf_feat_norm, final_conv, detach_length, filter_groups, with_features=False)
    box_dims = label_encoder_dims + (num_filters,)
    label_encoder = ResidualDS16FeatSWBox(layer_dims=box_dims, feat_dim=out_feature_dim, use_final_relu=True)
    bbox_encoder = ResidualDS16FeatSWBox(layer_dims=box_dims, feat_dim=out_feature_dim, use_final_relu=True)
    segm_encoder = ResidualDS16SW(layer_dims=label_encoder_dims[:-1] + (num_filters,), use_bn=use_bn_in_label_enc)
    return STANet(feature_extractor=backbone, target_model=target_model, target_model_segm=target_model_segm,
                  decoder=decoder, label_encoder=label_encoder, bbox_encoder=bbox_encoder, segm_encoder=segm_encoder,
                  target_model_input_layer=target_model_input_layer, decoder_input_layers=decoder_input_layers,
                  single_frame_encoding=single_frame_encoding)
