"""Our networks reproduce every stored output of the reference vectors (call sequences of ref/vectors/README.md)."""
from __future__ import annotations

import pytest
import torch

from tests.ltr.reference_vectors import assert_close, build, dequantised, load_vector

HEAD = dict(rtol=1e-4, factor=1e-4)
FULL = dict(rtol=1e-3, factor=3e-4)


def _head_net(module: str, d: dict):
    net = build(module, d["meta"]["constructor_kwds"])
    res = net.load_state_dict(dequantised(d), strict=False)
    assert res.unexpected_keys == []
    assert res.missing_keys and all(k.startswith("feature_extractor.") for k in res.missing_keys)
    return net


@pytest.fixture(scope="module")
def lwl():
    d = load_vector("lwl_head_seed1.pt")
    return d, _head_net("ltr.models.lwl.lwl_net", d)


@pytest.fixture(scope="module")
def sta():
    d = load_vector("sta_head_seed1.pt")
    return d, _head_net("ltr.models.lwl.sta_net", d)


@pytest.mark.parametrize("closed_form", [True, False], ids=["closed-form", "autograd"])
def test_lwl_head_call_sequence(lwl, closed_form):
    d, net = lwl
    net.target_model.filter_optimizer.use_closed_form = closed_form
    inp, out = d["inputs"], d["outputs"]
    check = lambda name, x: assert_close(x, out[name], name=name, **HEAD)  # noqa: E731
    with torch.no_grad():
        tr = {k: v.float() for k, v in inp["train_feats"].items()}
        te = {k: v.float() for k, v in inp["test_feats"].items()}
        x = net.extract_target_model_features(tr)
        check("train_tm_feat", x)
        label, sw = net.label_encoder(inp["train_mask"], x.unsqueeze(1))
        check("train_label_enc", label)
        check("train_sample_w", sw)
        filt, iterates, losses = net.target_model.get_filter(x.unsqueeze(1), label, sw, num_iter=20)
        assert len(iterates) == 21 and len(losses) == 21
        assert torch.count_nonzero(iterates[0]) == 0
        check("filter", filt)
        check("filter_iter1", iterates[1])
        check("filter_losses", torch.stack(losses))
        xt = net.extract_target_model_features(te)
        check("test_tm_feat", xt)
        scores, target_scores = net.segment_target(filt, xt, te)
        check("test_scores", scores)
        check("test_target_scores", target_scores)
        layers = ("layer4_dec", "layer3_dec", "layer2_dec", "layer1_dec")
        _, levels = net.decoder(target_scores, te, scores.shape[-2:], output_layers=layers)
        for k in (4, 3, 2, 1):
            check(f"test_decoder_layer{k}_dec", levels[f"layer{k}_dec"])
        feats = torch.cat([x, xt])
        masks = torch.cat([inp["train_mask"], inp["update_mask"]])
        weights = out["update_sample_weights"]
        lab, sw2 = net.label_encoder(masks, feats.unsqueeze(1))
        filt2, _, _ = net.target_model.filter_optimizer(filt, num_iter=3, feat=feats.unsqueeze(1),
                                                        label=lab.unsqueeze(1),
                                                        sample_weight=sw2 * weights.view(-1, 1, 1, 1, 1))
        check("filter_updated", filt2)
        check("test_scores_after_update", net.segment_target(filt2, xt, te)[0])
        # the tracker passes the filter as a one-element list: same numbers, list returned
        filt3, _, _ = net.target_model.filter_optimizer([filt], num_iter=3, feat=feats.unsqueeze(1),
                                                        label=lab.unsqueeze(1),
                                                        sample_weight=sw2 * weights.view(-1, 1, 1, 1, 1))
        assert isinstance(filt3, list) and torch.allclose(filt3[0], filt2)
    net.target_model.filter_optimizer.use_closed_form = True


def test_lovasz_reference_values(lwl):
    from ltr.models.loss.segmentation import LovaszSegLoss

    d, _ = lwl
    lv = d["lovasz"]
    assert_close(LovaszSegLoss(per_image=False)(lv["logits"], lv["labels"]), lv["loss_per_image_false"], 1e-5, 1e-6)
    assert_close(LovaszSegLoss(per_image=True)(lv["logits"], lv["labels"]), lv["loss_per_image_true"], 1e-5, 1e-6)


def test_sta_head_call_sequence(sta):
    d, net = sta
    inp, out = d["inputs"], d["outputs"]
    check = lambda name, x: assert_close(x, out[name], name=name, **HEAD)  # noqa: E731
    h, w = d["meta"]["image_hw"]
    t, s = d["meta"]["T"], d["meta"]["num_sequences"]
    with torch.no_grad():
        feat = {k: v.float() for k, v in inp["feats"].items()}
        bbox = inp["train_bbox"]
        x = net.extract_target_model_features(feat)
        box_masks = net.label_encoder.bbox_to_mask(bbox.reshape(-1, 4), [h, w])
        assert torch.equal(box_masks.to(torch.uint8), out["box_masks"])
        bbox_enc, unused_w = net.label_encoder(bbox, x, [h, w])
        check("bbox_enc", bbox_enc)
        check("bbox_enc_sampw_unused", unused_w)
        mask_enc, mask_sw = net.bbox_encoder(bbox, x, [h, w])
        check("mask_enc", mask_enc)
        check("mask_sw", mask_sw)
        x = x.view(t, s, *x.shape[-3:])
        check("tm_feat", x)
        _, it, losses = net.target_model.get_filter(x, mask_enc, mask_sw)
        assert len(it) == d["meta"]["optim_iter_used"] + 1
        check("filter", it[-1])
        check("filter_iter1", it[1])
        check("filter_losses", torch.stack(losses))
        ts = net.target_model.apply_target_model(it[-1], x)
        check("target_scores", ts)
        coarse = torch.cat([bbox_enc, ts], dim=2)
        check("coarse_mask", coarse)
        pred_all = net.decoder(coarse, feat, (h, w))[0].view(t, s, h, w)
        check("pred_all", pred_all)
        segm_enc, segm_sw = net.segm_encoder(torch.sigmoid(pred_all), x)
        check("segm_enc", segm_enc)
        check("segm_sw", segm_sw)
        _, it2, losses2 = net.target_model_segm.get_filter(x, segm_enc, segm_sw)
        check("filter_segm", it2[-1])
        check("filter_segm_iter1", it2[1])
        check("filter_segm_losses", torch.stack(losses2))
        ts2 = net.target_model_segm.apply_target_model(it2[-1], x)
        check("target_scores_segm", ts2)
        coarse2 = torch.cat([bbox_enc, ts2], dim=2)
        check("coarse_mask_segm", coarse2)
        check("pred_all_segm", net.decoder(coarse2, feat, (h, w))[0].view(t, s, h, w))
        # the one-call forms used by the predictor give the same numbers
        first, refined = net.forward_features(feat, bbox, (h, w))
        check("pred_all", first)
        check("pred_all_segm", refined)
        _, only_mid = net.forward_encoded(net.encode_frames(feat, bbox, (h, w)), feat, (h, w), refine_frames=[1])
        assert_close(only_mid[0], out["pred_all_segm"][1], **HEAD)


def test_backbone_mrcnn_from_image():
    d = load_vector("backbone_mrcnn_seed1.pt")
    net = build("ltr.models.lwl.lwl_net", d["meta"]["host_constructor"]["kwds"])
    net.feature_extractor.load_state_dict(dequantised(d), strict=True)
    assert list(net.feature_extractor.state_dict()) == d["meta"]["state_dict_keys"]
    image = d["inputs"]["image_rgb255"][:, [2, 1, 0]].float() - torch.tensor(
        [102.9801, 115.9465, 122.7717]).view(1, 3, 1, 1)
    assert torch.equal(image, d["inputs"]["image"])
    with torch.no_grad():
        f = net.extract_backbone_features(d["inputs"]["image"])
    out = d["outputs"]
    for k in ("layer2", "layer3", "layer4"):
        assert_close(f[k], out[k], name=k, **FULL)
    l1 = f["layer1"].double()
    assert_close(f["layer1"][:, :16], out["layer1_ch0to15"], name="layer1", **FULL)
    assert_close(l1.mean(dim=(0, 2, 3)), out["layer1_channel_mean"], **FULL)
    assert_close(torch.stack([l1.mean(), l1.std(), l1.abs().max()]), out["layer1_stats"], **FULL)
