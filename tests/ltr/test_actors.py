"""Actors: Eq. 4 for Box2Mask, LWL with a refinement that acts, box-init loss, batch-norm policies, J statistic."""
from __future__ import annotations

import pytest
import torch

from ltr.actors.box2mask import Box2MaskActor
from ltr.actors.segmentation import LWLActor, LWLBoxActor, davis_jaccard
from ltr.models.loss.lovasz import lovasz_softmax_flat
from ltr.models.lwl import lwl_box_net, lwl_net, sta_net

SMALL = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
             backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False)
H, W = 48, 64


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _lovasz_frame(logits, mask):
    """Lovasz of one frame, computed directly from the flat definition."""
    return lovasz_softmax_flat(torch.sigmoid(logits).reshape(-1, 1), mask.reshape(-1), classes=[1])


def _masks(t, s, seed=0):
    g = torch.Generator().manual_seed(seed)
    masks = torch.zeros(t, s, H, W)
    for i in range(t):
        for j in range(s):
            x, y = int(torch.randint(0, 30, (), generator=g)), int(torch.randint(0, 20, (), generator=g))
            masks[i, j, y:y + 20, x:x + 24] = 1
    return masks


def test_davis_jaccard_hand_computed():
    logits = torch.full((2, 1, 4, 4), -1.0)
    masks = torch.zeros(2, 1, 4, 4)
    logits[0, 0, 0, :4] = 1.0      # prediction: 4 pixels
    masks[0, 0, 0, :2] = 1.0       # ground truth: 2 of them -> J = 2 / 4
    assert float(davis_jaccard(logits, masks)) == pytest.approx((0.5 + 1.0) / 2)  # frame 2: both empty -> 1


def test_box2mask_actor_loss_is_eq4():
    torch.manual_seed(0)
    net = sta_net.steepest_descent_resnet50(label_encoder_dims=(4, 8, 8, 16), frozen_backbone_layers="all", **SMALL)
    actor = Box2MaskActor(net)
    actor.train()
    assert net.decoder.training and not net.feature_extractor.training  # frozen backbone BN stays in eval mode
    masks = _masks(3, 2)
    boxes = torch.zeros(3, 2, 4)
    for i in range(3):
        for j in range(2):
            ys, xs = torch.nonzero(masks[i, j], as_tuple=True)
            boxes[i, j] = torch.tensor([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1])
    images = torch.randn(3, 2, 3, H, W) * 50
    loss, stats = actor({"images": images, "boxes": boxes, "masks": masks})
    with torch.no_grad():
        first, refined = net(images, boxes)
    expect_first = torch.stack([_lovasz_frame(first[i, j], masks[i, j]) for i in range(3) for j in range(2)]).mean()
    expect_ref = torch.stack([_lovasz_frame(refined[i, j], masks[i, j]) for i in range(3) for j in range(2)]).mean()
    assert float(stats["Loss/first"]) == pytest.approx(float(expect_first), rel=1e-5)
    assert float(stats["Loss/refined"]) == pytest.approx(float(expect_ref), rel=1e-5)
    assert float(loss.detach()) == pytest.approx(float(expect_first + expect_ref), rel=1e-5)
    assert float(stats["J/refined"]) == pytest.approx(float(davis_jaccard(refined, masks)))
    loss.backward()
    assert all(p.grad is None for p in net.feature_extractor.parameters())
    for module in (net.bbox_encoder, net.label_encoder, net.segm_encoder, net.decoder, net.target_model_segm):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters()), module
    with pytest.raises(ValueError, match="expects images"):
        actor({"images": images[0], "boxes": boxes, "masks": masks})


def _lwl_batch(ttr=1, tte=3, s=2):
    torch.manual_seed(1)
    return {"train_images": torch.randn(ttr, s, 3, H, W) * 50, "test_images": torch.randn(tte, s, 3, H, W) * 50,
            "train_masks": _masks(ttr, s, 1), "test_masks": _masks(tte, s, 2)}


def test_lwl_actor_uses_the_refined_filter_and_freezes_bn():
    torch.manual_seed(0)
    net = lwl_net.steepest_descent_resnet50(label_encoder_dims=(4, 8, 8), frozen_backbone_layers=["conv1", "bn1"],
                                            **SMALL)
    data = _lwl_batch()
    actor = LWLActor(net)
    actor.train()
    assert not any(m.training for m in net.modules())  # disable_all_bn: every module in eval mode
    bn = net.decoder.state_dict()
    bn_stats = {k: v.clone() for k, v in bn.items() if "running" in k}
    loss, stats = actor(data)
    for k, v in bn_stats.items():
        assert torch.equal(net.decoder.state_dict()[k], v), k
    refined = net(data["train_images"], data["test_images"], data["train_masks"], num_refinement_iter=2,
                  predict_with_refined_filter=True)
    flat_logits, flat_masks = refined.reshape(-1, 1, H, W), data["test_masks"].reshape(-1, H, W)
    expect = 100.0 * lovasz_softmax_flat(torch.sigmoid(flat_logits).permute(0, 2, 3, 1).reshape(-1, 1),
                                         flat_masks.reshape(-1), classes=[1])
    assert float(loss.detach()) == pytest.approx(float(expect.detach()), rel=1e-5)
    assert float(stats["J"]) == pytest.approx(float(davis_jaccard(refined, data["test_masks"])))
    # the reference's no-op refinement: only the first test frame agrees
    plain = net(data["train_images"], data["test_images"], data["train_masks"], num_refinement_iter=2)
    assert torch.allclose(plain[0], refined[0])
    assert not torch.allclose(plain[1:], refined[1:])
    ref_actor = LWLActor(net, predict_with_refined_filter=False)
    ref_loss, _ = ref_actor(data)
    assert float(ref_loss.detach()) != pytest.approx(float(loss.detach()), rel=1e-6)


def test_lwl_box_actor_trains_only_the_box_encoder_mode():
    torch.manual_seed(0)
    net = lwl_box_net.steepest_descent_resnet50(label_encoder_dims=(4, 8, 8), box_label_encoder_dims=(8, 8),
                                                final_bn=False, **SMALL)
    actor = LWLBoxActor(net)
    actor.train()
    assert net.box_label_encoder.training and not net.decoder.training and not net.feature_extractor.training
    data = _lwl_batch(ttr=2)
    masks = data["train_masks"]
    boxes = torch.stack([torch.stack([torch.tensor([float(torch.nonzero(masks[i, j])[:, 1].min()),
                                                    float(torch.nonzero(masks[i, j])[:, 0].min()), 24.0, 20.0])
                                      for j in range(2)]) for i in range(2)])
    loss, stats = actor({"train_images": data["train_images"], "train_boxes": boxes, "train_masks": masks})
    logits = net(data["train_images"], boxes.reshape(-1, 4))
    expect = 10.0 * lovasz_softmax_flat(torch.sigmoid(logits).reshape(-1, 1), masks.reshape(-1), classes=[1]) / 2
    assert float(loss.detach()) == pytest.approx(float(expect.detach()), rel=1e-5)
    assert float(stats["Loss/segm_box"]) == pytest.approx(float(loss.detach()))
    actor.eval()
    assert not net.box_label_encoder.training
