"""Network structure (state_dict manifests), shapes at odd sizes, box rasterisation rules, training forwards."""
from __future__ import annotations

import importlib
import json

import pytest
import torch

from tests.conftest import shared_path

MANIFESTS = {
    "lwl_state_dict.json": "ltr.models.lwl.lwl_net",
    "lwl_boxinit_state_dict.json": "ltr.models.lwl.lwl_box_net",
    "sta_state_dict.json": "ltr.models.lwl.sta_net",
}
SMALL = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
             backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False)


def _manifest(name: str) -> dict:
    return json.loads(shared_path("ref", "manifests", name).read_text())


def _build_from_manifest(name: str, **extra):
    man = _manifest(name)
    kw = dict(man["constructor"]["kwds"], backbone_pretrained=False, **extra)
    module = importlib.import_module(man["constructor"]["fun_module"])
    return man, getattr(module, man["constructor"]["fun_name"])(**kw)


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_state_dict_matches_manifest(name):
    man, net = _build_from_manifest(name)
    assert MANIFESTS[name] == man["constructor"]["fun_module"]
    assert type(net).__module__ + "." + type(net).__name__ == man["network_class"]
    sd = net.state_dict()
    assert list(sd) == list(man["state_dict"])  # every key, in order
    for k, spec in man["state_dict"].items():
        assert list(sd[k].shape) == spec["shape"], k
        assert str(sd[k].dtype).replace("torch.", "") == spec["dtype"], k
    assert sum(p.numel() for p in net.parameters()) == man["total_parameters"]
    params = {n for n, _ in net.named_parameters()}
    assert {k for k, v in man["state_dict"].items() if v["kind"] == "parameter"} == params
    # the decorator recorded exactly the kwargs that were passed
    assert net.constructor.fun_module == man["constructor"]["fun_module"]
    assert set(net.constructor.kwds) == set(man["constructor"]["kwds"])


def test_sta_use_bn_in_label_enc_variant():
    extra = json.loads(shared_path("ref", "manifests", "sta_variant_use_bn_in_label_enc_true.json").read_text())
    extra_keys = extra["keys_added_if_use_bn_in_label_enc_True"]
    man, net = _build_from_manifest("sta_state_dict.json")
    man_bn = dict(man["constructor"]["kwds"], backbone_pretrained=False, use_bn_in_label_enc=True)
    from ltr.models.lwl import sta_net

    sd = sta_net.steepest_descent_resnet50(**man_bn).state_dict()
    added = set(sd) - set(man["state_dict"])
    assert added == set(extra_keys)
    assert set(man["state_dict"]) <= set(sd)
    for k, shape in extra_keys.items():
        assert list(sd[k].shape) == shape


@pytest.mark.parametrize("hw", [(200, 328), (250, 333), (97, 161)])
def test_mrcnn_backbone_ceil_halving(hw):
    from ltr.models.backbone.resnet_mrcnn import resnet50

    net = resnet50().eval()
    with torch.no_grad():
        f = net(torch.randn(1, 3, *hw))
    for layer, stride in (("layer1", 4), ("layer2", 8), ("layer3", 16), ("layer4", 32)):
        expect = tuple(-(-s // stride) for s in hw)
        assert tuple(f[layer].shape[-2:]) == expect, layer


def test_torchvision_layout_loads_torchvision_state_dict():
    import torchvision

    from ltr.admin.loading import load_torchvision_backbone
    from ltr.models.backbone.resnet import resnet50

    tv = torchvision.models.resnet50(weights=None).eval()
    ours = load_torchvision_backbone(resnet50(), tv.state_dict()).eval()
    x = torch.randn(1, 3, 96, 128)
    with torch.no_grad():
        ref = tv.layer3(tv.layer2(tv.layer1(tv.maxpool(tv.relu(tv.bn1(tv.conv1(x)))))))
        assert torch.allclose(ours(x, ["layer3"])["layer3"], ref, atol=1e-5)
        assert torch.allclose(ours(x, ["fc"])["fc"], tv(x), atol=1e-4)
    assert list(ours.state_dict()) == list(tv.state_dict())


def test_frozen_backbone_layers_stay_in_eval_without_grad():
    from ltr.models.lwl import lwl_net

    net = lwl_net.steepest_descent_resnet50(**SMALL, label_encoder_dims=(4, 8, 8),
                                            frozen_backbone_layers=["conv1", "bn1", "layer1"])
    net.train()
    fe = net.feature_extractor
    assert not fe.bn1.training and not fe.layer1.training and fe.layer2.training
    assert all(not p.requires_grad for p in fe.layer1.parameters())
    assert all(p.requires_grad for p in fe.layer2.parameters())


def test_box_rasterisation_rules_hand_computed():
    from ltr.models.lwl.label_encoder import rasterize_boxes

    boxes = torch.tensor([[-10.4, 5.7, 101.9, 20.2],   # x: int(-10.4) = -10 -> int(-9.5) = -9; end -9 + 101 = 92
                          [3.9, -0.5, 4.99, 6.5]])      # y: int(-0.5) = 0 -> 0; w: 4
    m = rasterize_boxes(boxes, (40, 120), clamp_start=True)
    expect = torch.zeros(2, 1, 40, 120)
    expect[0, 0, 5:25, 0:92] = 1
    expect[1, 0, 0:6, 3:7] = 1
    assert torch.equal(m, expect)
    # box-init encoder does not clamp: a negative start is a Python negative slice (reference quirk Q6)
    m2 = rasterize_boxes(torch.tensor([[-3.0, 2.0, 10.0, 5.0]]), (10, 20), clamp_start=False)
    expect2 = torch.zeros(1, 1, 10, 20)
    expect2[0, 0, 2:7, -3:7] = 1  # empty column range
    assert torch.equal(m2, expect2) and m2.sum() == 0


def test_sta_forward_from_images_equals_stepwise_odd_size_T5_box_outside():
    from ltr.models.lwl import sta_net

    torch.manual_seed(0)
    net = sta_net.steepest_descent_resnet50(**SMALL, label_encoder_dims=(4, 8, 8, 16)).eval()
    t, s, h, w = 5, 2, 97, 161
    imgs = torch.randn(t, s, 3, h, w) * 50
    boxes = torch.tensor([[-20.0, 10.0, 60.0, 40.0], [30.0, 20.0, 50.0, 60.0]]).expand(t, s, 4).clone()
    boxes[:, :, 0] += torch.arange(t).view(t, 1) * 3
    with torch.no_grad():
        first, refined = net(imgs, boxes, num_iter=7)
        feat = net.extract_backbone_features(imgs.reshape(-1, 3, h, w))
        first2, refined2 = net.forward_features(feat, boxes, (h, w), num_iter=7)
        first_only, none = net(imgs, boxes, num_iter=7, refine=False)
    assert first.shape == refined.shape == (t, s, h, w)
    assert torch.allclose(first, first2, atol=1e-5) and torch.allclose(refined, refined2, atol=1e-5)
    assert none is None and torch.allclose(first_only, first, atol=1e-5)
    assert not torch.allclose(first, refined)  # the refinement pass changes the logits


def test_sta_multiframe_variant_ignores_the_single_frame_encoder():
    from ltr.models.lwl import sta_net

    torch.manual_seed(0)
    kw = dict(SMALL, label_encoder_dims=(4, 8, 8, 16))
    full = sta_net.steepest_descent_resnet50(**kw).eval()
    multi = sta_net.steepest_descent_resnet50(**kw, single_frame_encoding=False).eval()
    assert multi.state_dict().keys() == full.state_dict().keys()  # checkpoints keep their keys
    multi.load_state_dict(full.state_dict())
    imgs = torch.randn(3, 1, 3, 64, 96) * 50
    boxes = torch.tensor([[20.0, 10.0, 40.0, 30.0]]).expand(3, 1, 4).contiguous()
    with torch.no_grad():
        ref_first, ref_refined = multi(imgs, boxes, num_iter=3)
        assert not torch.allclose(ref_first, full(imgs, boxes, num_iter=3)[0])  # m_t matters in the full network
        for p in multi.label_encoder.parameters():  # the single-frame encoder no longer reaches the output
            p.add_(torch.randn_like(p))
        first, refined = multi(imgs, boxes, num_iter=3)
    assert torch.equal(first, ref_first) and torch.equal(refined, ref_refined)


@pytest.mark.parametrize("single_frame_encoding", [True, False])
def test_sta_decoder_cache_gives_the_full_decoders_logits(single_frame_encoding):
    """``precompute_decoder`` + ``decode(cache=...)`` (box2mask's cached mode) == the plain forward, all frames and a
    subset of refined frames; the cache holds the per-frame share only (no backbone features)."""
    from ltr.models.lwl import sta_net

    torch.manual_seed(1)
    net = sta_net.steepest_descent_resnet50(**SMALL, label_encoder_dims=(4, 8, 8, 16),
                                            single_frame_encoding=single_frame_encoding).eval()
    t, h, w = 4, 81, 113
    imgs = torch.randn(t, 1, 3, h, w) * 50
    boxes = torch.tensor([[15.0, 12.0, 50.0, 40.0]]).expand(t, 1, 4).clone()
    boxes[:, 0, 1] += torch.arange(t) * 4.0
    with torch.no_grad():
        first, refined = net(imgs, boxes, num_iter=4)
        feat = net.extract_backbone_features(imgs.reshape(-1, 3, h, w))
        enc = net.encode_frames(feat, boxes, (h, w))
        cache = net.precompute_decoder(feat, enc["m"])
        first_c, refined_c = net.forward_encoded(enc, None, (h, w), num_iter=4, cache=cache)
        _, refined_sub = net.forward_encoded(enc, None, (h, w), num_iter=4, cache=cache, refine_frames=[2])
    assert set(cache) == set(net.decoder.ft_channels) | {"pool"}
    scale = first.abs().max()
    assert (first_c - first).abs().max() <= 1e-5 * scale and (refined_c - refined).abs().max() <= 1e-5 * scale
    assert (refined_sub[0] - refined[2]).abs().max() <= 1e-5 * scale


def test_lwl_decoder_cache_without_static_channels():
    from ltr.models.lwl.decoder import LWTLDecoder

    torch.manual_seed(2)
    dec = LWTLDecoder(in_channels=5, out_channels=4,
                      ft_channels={"layer4": 12, "layer3": 10, "layer2": 8, "layer1": 6}).eval()
    feats = {f"layer{i}": torch.randn(3, 12 - 2 * (4 - i), 40 // 2 ** i, 56 // 2 ** i) for i in (4, 3, 2, 1)}
    feats = {k: feats[k] for k in ("layer4", "layer3", "layer2", "layer1")}
    scores = torch.randn(3, 1, 5, 3, 4)
    with torch.no_grad():
        ref, _ = dec(scores, feats, (40, 56))
        out, _ = dec(scores, None, (40, 56), cache=dec.precompute(feats))
        static_out, _ = dec(scores[:, :, 2:], None, (40, 56), cache=dec.precompute(feats, scores[:, 0, :2]))
        wrong, _ = dec(scores[:, :, 3:], None, (40, 56), cache=dec.precompute(feats, scores[:, 0, :2]))
    scale = ref.abs().max()
    assert (out - ref).abs().max() <= 1e-5 * scale and (static_out - ref).abs().max() <= 1e-5 * scale
    assert (wrong - ref).abs().max() > 1e-2 * scale  # the channels after the static ones are what is added

def test_lwl_training_forward_refinement_quirk_and_fix():
    from ltr.models.lwl import lwl_net

    torch.manual_seed(1)
    net = lwl_net.steepest_descent_resnet50(**SMALL, label_encoder_dims=(4, 8, 8)).eval()
    tr, te = torch.randn(1, 2, 3, 64, 96) * 50, torch.randn(3, 2, 3, 64, 96) * 50
    masks = (torch.rand(1, 2, 64, 96) > 0.5).float()
    with torch.no_grad():
        ref0 = net(tr, te, masks, num_refinement_iter=0)
        ref2 = net(tr, te, masks, num_refinement_iter=2)
        fixed = net(tr, te, masks, num_refinement_iter=2, predict_with_refined_filter=True)
    assert ref0.shape == (3, 2, 64, 96)
    assert torch.equal(ref0, ref2)  # reference quirk Q1: the refined filter is never used
    assert torch.equal(fixed[0], ref0[0]) and not torch.allclose(fixed[1:], ref0[1:])


def test_lwl_boxinit_predicts_initial_mask_shape():
    from ltr.models.lwl import lwl_box_net

    net = lwl_box_net.steepest_descent_resnet50(**SMALL, label_encoder_dims=(4, 8, 8), box_label_encoder_dims=(8, 8),
                                                final_bn=False).eval()
    with torch.no_grad():
        logits = net(torch.randn(2, 3, 70, 90), torch.tensor([[5.0, 6.0, 30.0, 20.0], [0.0, 0.0, 90.0, 70.0]]))
        feat = net.extract_backbone_features(torch.randn(1, 3, 70, 90))
        enc = net.box_label_encoder(torch.tensor([[5.0, 6.0, 30.0, 20.0]]),
                                    net.extract_target_model_features(feat), (70, 90))
    assert logits.shape == (2, 1, 70, 90)
    assert enc.shape == (1, 1, 4, 5, 6)
