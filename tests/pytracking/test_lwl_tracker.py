"""The LWL tracker: the reference's 5-frame multi-object VOS run, and invariants on random-weight networks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from lwl_fixtures import small_lwl, small_params, tracker_vector
from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper
from pytracking.tracker.lwl import LWL


def _close(out, ref, factor=1e-3, name=""):
    out, ref = torch.as_tensor(out).double(), torch.as_tensor(ref).double()
    assert out.shape == ref.shape, name
    err = (out - ref).abs().max().item()
    assert err <= factor * ref.abs().max().item() + 1e-12, f"{name}: {err:.3g} vs max {ref.abs().max().item():.3g}"


def _stats(t):
    t = t.double()
    return torch.stack([t.mean(), t.std(), t.abs().max()])


@pytest.fixture(scope="module")
def vector_run():
    from pytracking.features.net_wrappers import NetWithBackbone
    from pytracking.parameter.lwl.lwl_ytvos import parameters

    d, net = tracker_vector()
    params = parameters()
    params.override(use_gpu=False)
    params.net = NetWithBackbone(net=net, device="cpu")
    tracker = MultiObjectWrapper(LWL, params)
    frames = d["inputs"]["frames_rgb_hwc"].numpy()
    info0 = {"init_mask": d["inputs"]["init_mask"].numpy(), "init_bbox": {"1": d["inputs"]["init_bbox"].tolist()},
             "init_object_ids": ["1"], "object_ids": ["1"], "sequence_object_ids": ["1"]}
    runs = []
    for t in range(len(frames)):
        out = tracker.initialize(frames[0], info0) if t == 0 else tracker.track(frames[t], {"previous_output": runs[-1][0]})
        lwl = tracker.trackers["1"]
        state = {"pos": lwl.pos.clone(), "target_sz": lwl.target_sz.clone(), "target_scale": float(lwl.target_scale),
                 "base_target_sz": lwl.base_target_sz.clone(), "filter": lwl.target_filter.clone(),
                 "weights": lwl.memory.stored()[2].clone(), "num_stored": lwl.memory.num_stored}
        if t == 0:
            state.update(init_sample_pos=lwl.init_sample_pos.clone(), init_crop=lwl.init_mask_crop[0, 0].clone())
        else:
            state.update(prev_pos=lwl.prev_pos.clone(), prev_scale=float(lwl.prev_scale),
                         sample_pos_arg=lwl.sample_pos_arg.clone(), sample_scale_arg=float(lwl.sample_scale_arg),
                         sample_coords=lwl.sample_coords.clone(), crop=lwl.crop_scores[0, 0].clone())
        runs.append((out, state))
    return d, runs


@pytest.mark.parametrize("t", range(5))
def test_reference_vos_vector(vector_run, t):
    d, runs = vector_run
    out, st = runs[t]
    ref, rst = d["outputs"][t], d["states"][t]
    assert (out["segmentation"] != ref["segmentation"].numpy()).mean() <= 0.001
    p = out["segmentation_raw"]["1"]
    _close(p[::2, ::2], ref["segmentation_raw_sub"], name="segmentation_raw")
    _close(p.double().mean(dim=1), ref["segmentation_raw_row_mean"])
    _close(p.double().mean(dim=0), ref["segmentation_raw_col_mean"])
    _close(out["target_bbox"]["1"], ref["target_bbox"], name="target_bbox")
    for k in ("pos", "target_sz", "base_target_sz"):
        _close(st[k], rst[k], name=k)
    _close(st["target_scale"], rst["target_scale"])
    assert st["num_stored"] == rst["num_stored_samples"].item()
    _close(st["weights"], rst["sample_weights"], name="sample_weights")
    f = st["filter"]
    _close(f.double().mean(dim=(0, 1, 3, 4)), rst["target_filter_channel_mean"], name="filter_channel_mean")
    _close(_stats(f), rst["target_filter_stats"], name="filter_stats")
    if "target_filter" in rst:
        _close(f, rst["target_filter"], name="filter")
    else:
        _close(f[..., :64, :, :], rst["target_filter_in0to63"], name="filter")
    if t == 0:
        _close(st["init_sample_pos"], rst["init_sample_pos"])
        m = st["init_crop"]
        _close(m[::4, ::4], rst["init_crop_mask_sub"], name="init_crop")
        _close(m.double().mean(dim=1), rst["init_crop_mask_row_mean"])
        _close(m.double().mean(dim=0), rst["init_crop_mask_col_mean"])
    else:
        for k in ("prev_pos", "sample_pos_arg", "sample_coords"):
            _close(st[k], rst[k], name=k)
        _close(st["prev_scale"], rst["prev_scale"])
        _close(st["sample_scale_arg"], rst["sample_scale_arg"])
        c = st["crop"]
        _close(c[::4, ::4], rst["crop_scores_sub"], name="crop_scores")
        _close(c.double().mean(dim=1), rst["crop_scores_row_mean"])
        _close(c.double().mean(dim=0), rst["crop_scores_col_mean"])


def _video(n=6, h=90, w=120, seed=0):
    rng = np.random.default_rng(seed)
    frames = (rng.random((n, h, w, 3)) * 60 + 80).astype(np.uint8)
    masks = np.zeros((n, h, w), np.uint8)
    for t in range(n):
        y, x = 30 + t, 40 + 3 * t
        frames[t, y:y + 25, x:x + 30] = (200, 40, 40)
        masks[t, y:y + 25, x:x + 30] = 1
    return frames, masks


def _run_single(params, frames, info0):
    tracker = LWL(params)
    outs = [tracker.initialize(frames[0], info0)]
    filters = [tracker.target_filter.clone()]
    for f in frames[1:]:
        outs.append(tracker.track(f))  # no previous_output: the tracker's own (single-object mode)
        filters.append(tracker.target_filter.clone())
        assert abs(float(tracker.memory.stored()[2].sum()) - 1.0) < 1e-5
    return tracker, outs, filters


def test_single_object_mask_init_invariants():
    frames, masks = _video()
    net = small_lwl(1)
    params = small_params(net)
    info0 = {"init_mask": masks[0], "init_bbox": [40.0, 30.0, 30.0, 25.0]}
    tracker, outs, filters = _run_single(params, frames, info0)
    for o in outs:
        assert o["segmentation"].shape == frames.shape[1:3] and o["segmentation"].dtype == np.uint8
        assert len(o["target_bbox"]) == 4
    assert torch.equal(torch.as_tensor(outs[0]["segmentation_raw"]), torch.as_tensor(masks[0], dtype=torch.float32))
    assert torch.equal(filters[0], filters[1])          # no update before frame 3 (one-frame delay)
    assert not torch.allclose(filters[1], filters[2])   # updated from frame 3 on
    assert tracker.memory.num_stored == len(frames) - 1
    _, outs2, filters2 = _run_single(small_params(net), frames, info0)  # deterministic
    assert all(np.array_equal(a["segmentation"], b["segmentation"]) for a, b in zip(outs, outs2))
    assert torch.equal(filters[-1], filters2[-1])


def test_boxinit_outputs_probability_and_extreme_boxes():
    frames, _ = _video()
    net = small_lwl(2, boxinit=True)
    params = small_params(net, init_with_box=True, learning_rate=0.2, init_samples_minimum_weight=0.0,
                          train_skipping=5, net_opt_update_iter=5, lower_init_weight=True, output_box_mode="extreme")
    tracker, outs, _ = _run_single(params, frames, {"init_bbox": [-10.0, 30.0, 60.0, 25.0]})
    raw0 = torch.as_tensor(outs[0]["segmentation_raw"])
    assert raw0.min() >= 0 and raw0.max() <= 1            # a probability, not logits (reference quirk Q7 fixed)
    for o in outs[1:]:
        seg = o["segmentation"]
        if seg.any():
            ys, xs = np.nonzero(seg)
            assert o["target_bbox"] == [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_multi_object_two_objects_and_late_start():
    frames, masks = _video()
    labels = masks.copy()
    labels[:, 5:20, 5:25] = 2
    params = small_params(small_lwl(3))
    wrapper = MultiObjectWrapper(LWL, params)
    out = wrapper.initialize(frames[0], {"init_mask": labels[0] * (labels[0] == 1), "init_object_ids": ["1"],
                                         "object_ids": ["1"], "sequence_object_ids": ["1", "2"],
                                         "init_bbox": {"1": [40.0, 30.0, 30.0, 25.0]}})
    assert set(np.unique(out["segmentation"])) <= {0, 1}
    out = wrapper.track(frames[1], {"previous_output": out, "init_object_ids": ["2"], "init_mask": labels[1],
                                    "init_bbox": {"2": [5.0, 5.0, 20.0, 15.0]}, "sequence_object_ids": ["1", "2"]})
    assert set(out["segmentation_raw"]) == {"1", "2"}
    total = out["segmentation_raw"]["1"] + out["segmentation_raw"]["2"]
    assert torch.all(total <= 1.0 + 1e-5)                # soft aggregation: probabilities of a softmax
    out = wrapper.track(frames[2], {"previous_output": out})
    assert set(out["target_bbox"]) == {"1", "2"} and out["segmentation"].shape == labels.shape[1:]


def test_box2mask_initialised_tracker_uses_stanet_mask_inside_the_box():
    from ltr.models.lwl import sta_net
    from pytracking.libs.box_to_mask import STAInitializer

    torch.manual_seed(4)
    sta = sta_net.steepest_descent_resnet50(**dict(SMALL_STA)).eval()
    with torch.no_grad():
        sta.decoder.project.conv2.bias.fill_(0.5)
    frames, _ = _video()
    init = STAInitializer(net=sta, scale=4.0, input_size=(64, 112), device="cpu", input_format="bgr255_mrcnn")
    params = small_params(small_lwl(5), init_with_box=True, output_box_mode="extreme", init_mask_generator=init)
    tracker, outs, _ = _run_single(params, frames, {"init_bbox": [40.0, 30.0, 30.0, 25.0]})
    first = outs[0]["segmentation"]
    assert first.sum() > 0
    outside = first.copy()
    outside[30:55, 40:70] = 0
    assert outside.sum() == 0                        # STANet's mask is limited to the box
    assert all(len(o["target_bbox"]) == 4 for o in outs)


SMALL_STA = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
                 backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False,
                 label_encoder_dims=(4, 8, 8, 16))
