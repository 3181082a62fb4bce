"""The learned method: cached sliding-window STANet == naive per-window forward, one backbone pass per frame."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from box2mask.predictor import Box2MaskPredictor
from box2mask.stanet_method import STANetMethod, build_stanet_method
from ltr.admin.loading import save_network
from pytracking.libs.box_to_mask import crop_around_box

SMALL = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
             backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False,
             label_encoder_dims=(4, 8, 8, 16))
SIZE = (64, 112)


@pytest.fixture(scope="module")
def net():
    from ltr.models.lwl import sta_net

    torch.manual_seed(0)
    net = sta_net.steepest_descent_resnet50(**SMALL).eval()
    with torch.no_grad():  # centre the random logits so that masks are neither empty nor full
        imgs = torch.randn(3, 1, 3, *SIZE) * 50
        boxes = torch.tensor([[20.0, 10.0, 60.0, 40.0]]).expand(3, 1, 4).contiguous()
        _, refined = net(imgs, boxes, num_iter=3)
        net.decoder.project.conv2.bias -= refined.median()
    return net


@pytest.fixture(scope="module")
def video():
    rng = np.random.default_rng(0)
    n = 9
    frames = (rng.random((n, 72, 96, 3)) * 255).astype(np.uint8)
    boxes = np.array([[10 + 2 * i, 15, 40, 30] for i in range(n)], float)
    return list(frames), boxes


def _run(net, video, **kw):
    method = STANetMethod(net, num_frames=3, interval=2, iterations=3, input_size=SIZE, device="cpu",
                          input_format="bgr255_mrcnn", **kw)
    masks = Box2MaskPredictor(method).predict(*video)
    return method, masks


def test_cached_equals_naive_with_one_backbone_pass_per_frame(net, video):
    naive, ref = _run(net, video, naive=True)
    cached, out = _run(net, video)
    assert naive.backbone_passes_per_frame == 3.0
    assert cached.backbone_passes_per_frame == 1.0
    fg = sum(m.sum() for m in ref.values())
    assert 0 < fg < sum(m.size for m in ref.values())  # a real test: masks are neither empty nor full
    for t in ref:
        assert np.array_equal(out[t], ref[t]), t


def test_without_refinement_cached_equals_naive_first_pass(net, video):
    _, ref = _run(net, video, naive=True, refine=False)
    _, out = _run(net, video, refine=False)
    _, refined = _run(net, video)
    assert all(np.array_equal(out[t], ref[t]) for t in ref)
    assert any(not np.array_equal(out[t], refined[t]) for t in ref)  # the refinement pass changes masks


def test_window_batch_and_cache_cap_do_not_change_masks(net, video):
    default, ref = _run(net, video)
    assert default.window_batch == 1  # on the CPU one window per batch is the fast choice
    capped, out = _run(net, video, window_batch=2, max_cached_frames=2)
    assert capped.backbone_passes_per_frame > 1.0  # evicted frames were recomputed
    assert all(np.array_equal(out[t], ref[t]) for t in ref)
    batched, out = _run(net, video, window_batch=4)
    assert batched.window_batch == 4 and batched.backbone_passes_per_frame == 1.0
    assert all(np.array_equal(out[t], ref[t]) for t in ref)
    with pytest.raises(ValueError, match="window_batch"):
        _run(net, video, window_batch=0)


def test_frame_batch_splits_backbone_and_decoder_calls_without_changing_masks(net, video, monkeypatch):
    default, ref = _run(net, video)
    assert default.frame_batch == 1  # on the CPU frames go through the backbone and first-pass decoder one by one
    batch_sizes = []
    original = type(net).decode
    monkeypatch.setattr(type(net), "decode", lambda self, m, *a, **kw: batch_sizes.append(m.shape[0] * m.shape[1])
                        or original(self, m, *a, **kw))
    together, out = _run(net, video, frame_batch=100, window_batch=2)
    assert max(batch_sizes) == 2 * 3  # T frames of two windows decoded in one call
    assert all(np.array_equal(out[t], ref[t]) for t in ref)
    batch_sizes.clear()
    pairs, out = _run(net, video, frame_batch=2, window_batch=2)
    assert max(batch_sizes) == 2 and pairs.backbone_passes_per_frame == 1.0
    assert all(np.array_equal(out[t], ref[t]) for t in ref)
    with pytest.raises(ValueError, match="frame_batch"):
        _run(net, video, frame_batch=0)


def test_masks_stay_inside_the_box_and_absent_frames_are_empty(net, video):
    frames, boxes = video
    absent = [False] * len(frames)
    absent[4] = True
    method = STANetMethod(net, num_frames=3, interval=2, iterations=3, input_size=SIZE, device="cpu")
    masks = Box2MaskPredictor(method).predict(frames, boxes, absent=absent)
    assert masks[4].sum() == 0
    for t, m in masks.items():
        x, y, w, h = boxes[t].astype(int)
        outside = m.copy()
        outside[y:y + h, x:x + w] = 0
        assert outside.sum() == 0


def test_crop_geometry_maps_the_box_into_the_crop():
    image = torch.zeros(1, 3, 100, 200)
    crop = crop_around_box(image, [50.0, 30.0, 40.0, 20.0], scale=4.0, output_sz=(48, 84))
    assert crop.image.shape == (1, 3, 48, 84)
    x, y, w, h = crop.box.tolist()
    assert abs(w * h * 16 - 48 * 84) / (48 * 84) < 0.05  # crop area = 16 x box area
    assert abs((x + (w - 1) / 2) - (84 - 1) / 2) < 1.0 and abs((y + (h - 1) / 2) - (48 - 1) / 2) < 1.0


def test_crop_geometry_by_hand():
    # The reference helper's numbers for box [50, 30, 40, 20] (x, y, w, h) in a 100x200 image, scale 4, output 48x84:
    # centre (y, x) = (39.5, 69.5); crop scale sqrt(80 * 160) / sqrt(48 * 84) = 1.78174 -> requested (85.52, 149.67),
    # rounded (86, 150); corners tl = (39 - 42.5, 69 - 74.5) = (-3.5, -5.5), br = (39 + 44, 69 + 76) = (83, 145);
    # crop centre 0.5 * (tl + br - 1) = (39.25, 69.25), scale sqrt(86.5 / 48 * 150.5 / 84) = 1.796867;
    # box centre in the crop (0.25 / 1.796867 + 23.5, 0.25 / 1.796867 + 41.5), size (20, 40) / 1.796867.
    crop = crop_around_box(torch.zeros(1, 3, 100, 200), [50.0, 30.0, 40.0, 20.0], scale=4.0, output_sz=(48, 84))
    scale = (86.5 / 48 * 150.5 / 84) ** 0.5
    assert crop.sample_pos.tolist() == [39.25, 69.25] and crop.sample_scale == pytest.approx(scale, rel=1e-6)
    h, w = 20 / scale, 40 / scale
    cy, cx = 0.25 / scale + 23.5, 0.25 / scale + 41.5
    assert crop.box.tolist() == pytest.approx([cx - (w - 1) / 2, cy - (h - 1) / 2, w, h], rel=1e-5)


def test_build_from_checkpoint_and_refuses_other_networks(net, tmp_path):
    path = save_network(net, tmp_path / "sta_small.pth", info={"input_format": "bgr255_mrcnn"})
    method = build_stanet_method(str(path), num_frames=3, interval=2, iterations=3, device="cpu", input_size=SIZE)
    assert method.input_format == "bgr255_mrcnn"
    from ltr.models.lwl import lwl_net

    lwl = lwl_net.steepest_descent_resnet50(**dict(SMALL, label_encoder_dims=(4, 8, 8)))
    with pytest.raises(ValueError, match="not a STANet"):
        build_stanet_method(str(save_network(lwl, tmp_path / "lwl.pth")))


def test_evaluate_command_with_a_small_stanet_first_pass_and_input_size(net, tmp_path, capsys):
    from box2mask.cli import main as box2mask_main
    from ltr.data.image_io import write_image, write_indexed_png

    root = tmp_path / "davis"
    for i in range(4):
        img = np.full((72, 96, 3), 60, np.uint8)
        lab = np.zeros((72, 96), np.uint8)
        lab[20:40, 10 + 3 * i:40 + 3 * i] = 1
        img[lab > 0] = 200
        write_image(root / "JPEGImages" / "480p" / "s" / f"{i:05d}.jpg", img)
        write_indexed_png(root / "Annotations" / "480p" / "s" / f"{i:05d}.png", lab)
    ckpt = save_network(net, tmp_path / "sta.pth", info={"input_format": "bgr255_mrcnn"})
    argv = ["evaluate", "--data", str(root), "--method", "stanet", "--checkpoint", str(ckpt), "--device", "cpu",
            "--num-frames", "3", "--interval", "1", "--iterations", "2", "--no-refine", "--input-size", "64", "112",
            "--out", str(tmp_path / "out")]
    assert box2mask_main(argv) == 0
    assert (tmp_path / "out" / "results.csv").is_file()
    assert box2mask_main(argv) == 0  # the same settings resume in the same folder
