"""LWL tracker behaviour the reference vectors cannot see: box-initialised multi-object starts, lost targets, the
box rule after the multi-object merge, empty generated initial masks, and the initialiser's device."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from lwl_fixtures import small_lwl, small_params
from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper
from pytracking.libs.box_to_mask import STAInitializer
from pytracking.libs.segmentation import extreme_point_box, state_to_box
from pytracking.tracker.lwl import LWL

SMALL_STA = dict(filter_size=3, num_filters=4, optim_iter=2, out_feature_dim=16, clf_feat_blocks=0, final_conv=True,
                 backbone_type="resnet18", backbone_width=8, decoder_mdim=8, use_bn_in_label_enc=False,
                 label_encoder_dims=(4, 8, 8, 16))
BOX1, BOX2 = [40.0, 30.0, 30.0, 25.0], [5.0, 5.0, 20.0, 15.0]


def _video(n=4, h=90, w=120, seed=0):
    rng = np.random.default_rng(seed)
    frames = (rng.random((n, h, w, 3)) * 60 + 80).astype(np.uint8)
    labels = np.zeros((n, h, w), np.uint8)
    for t in range(n):
        frames[t, 30 + t:55 + t, 40 + 3 * t:70 + 3 * t] = (200, 40, 40)
        labels[t, 30 + t:55 + t, 40 + 3 * t:70 + 3 * t] = 1
        frames[t, 5:20, 5:25] = (40, 200, 40)
        labels[t, 5:20, 5:25] = 2
    return frames, labels


def _sta_initializer(bias: float = 0.5, seed: int = 4) -> STAInitializer:
    from ltr.models.lwl import sta_net

    torch.manual_seed(seed)
    sta = sta_net.steepest_descent_resnet50(**SMALL_STA).eval()
    with torch.no_grad():
        sta.decoder.project.conv2.bias.fill_(bias)
    return STAInitializer(net=sta, scale=4.0, input_size=(64, 112), input_format="bgr255_mrcnn")


def _set_decoder_bias(params, value: float) -> None:
    with torch.no_grad():
        params.net.net.decoder.project.conv2.bias.fill_(value)


def _multi_info(labels=None, boxes=None):
    boxes = boxes or {"1": BOX1, "2": BOX2}
    info = {"init_object_ids": list(boxes), "object_ids": list(boxes), "sequence_object_ids": list(boxes),
            "init_bbox": boxes, "sequence_name": "toy"}
    if labels is not None:
        info["init_mask"] = labels
    return info


def test_box2mask_multi_object_first_frame_is_the_generated_mask_not_the_dataset_mask():
    frames, labels = _video()
    gt = labels[0].copy()
    gt[gt == 1] = 0
    gt[32:36, 42:46] = 1                       # a "ground truth" that the generated mask cannot be
    init = _sta_initializer()
    params = small_params(small_lwl(5), init_with_box=True, output_box_mode="extreme", init_mask_generator=init)
    expected = {k: init(frames[0], b) > 0.5 for k, b in (("1", BOX1), ("2", BOX2))}
    assert expected["1"].sum() > 50 and expected["2"].sum() > 50
    wrapper = MultiObjectWrapper(LWL, params)
    out = wrapper.initialize(frames[0], _multi_info(gt))
    seg = out["segmentation"]
    assert not np.array_equal(seg == 1, gt == 1)
    for k, other in (("1", "2"), ("2", "1")):
        mine = seg == int(k)
        assert not (mine & ~expected[k]).any()                         # only where the generated mask is
        assert mine[expected[k] & ~expected[other]].all()              # everywhere it is (overlaps: either)
        raw = torch.as_tensor(out["segmentation_raw"][k])
        assert raw.is_floating_point() and raw.min() >= 0 and raw.max() <= 1        # merged: probabilities
        assert out["target_bbox"][k] == extreme_point_box(seg == int(k))
    out = wrapper.track(frames[1], {"previous_output": out})
    assert set(out["target_bbox"]) == {"1", "2"}


def test_box2mask_multi_object_box_only_start():
    frames, _ = _video()
    params = small_params(small_lwl(5), init_with_box=True, init_mask_generator=_sta_initializer())
    wrapper = MultiObjectWrapper(LWL, params)
    out = wrapper.initialize(frames[0], _multi_info())      # no init_mask at all
    assert set(np.unique(out["segmentation"])) <= {0, 1, 2} and (out["segmentation"] > 0).any()
    for f in frames[1:]:
        out = wrapper.track(f, {"previous_output": out})
        assert out["segmentation"].shape == frames.shape[1:3]


def test_lost_target_keeps_the_search_state_box_single_object():
    frames, labels = _video()
    params = small_params(small_lwl(1))
    tracker = LWL(params)
    tracker.initialize(frames[0], {"init_mask": (labels[0] == 1).astype(np.uint8), "init_bbox": BOX1})
    _set_decoder_bias(params, -1e4)            # every logit very negative: the target is lost
    out = tracker.track(frames[1])
    assert out["segmentation"].sum() == 0
    assert out["target_bbox"] == pytest.approx(state_to_box(tracker.pos, tracker.target_sz))
    w, h = out["target_bbox"][2:]
    assert w < 60 and h < 60                    # not a huge image-centred box


def test_lost_target_keeps_each_objects_state_after_the_merge():
    frames, labels = _video()
    params = small_params(small_lwl(3))
    wrapper = MultiObjectWrapper(LWL, params)
    out = wrapper.initialize(frames[0], _multi_info(labels[0]))
    _set_decoder_bias(params, -1e4)
    out = wrapper.track(frames[1], {"previous_output": out})
    for k in ("1", "2"):
        lwl = wrapper.trackers[k]
        assert out["target_bbox"][k] == pytest.approx(state_to_box(lwl.pos, lwl.target_sz))
    assert out["target_bbox"]["1"] != pytest.approx(out["target_bbox"]["2"])


def test_extreme_boxes_hold_after_the_merge():
    frames, labels = _video()
    params = small_params(small_lwl(3), output_box_mode="extreme")
    wrapper = MultiObjectWrapper(LWL, params)
    out = wrapper.initialize(frames[0], _multi_info(labels[0]))
    for f in frames[1:]:
        out = wrapper.track(f, {"previous_output": out})
        for k in ("1", "2"):
            mask = out["segmentation"] == int(k)
            if mask.any():
                assert out["target_bbox"][k] == extreme_point_box(mask)


@pytest.mark.parametrize("kind", ["stanet", "boxinit"])
def test_empty_generated_initial_mask_falls_back_to_the_filled_box(kind, caplog):
    frames, _ = _video()
    if kind == "stanet":
        params = small_params(small_lwl(5), init_with_box=True, init_mask_generator=_sta_initializer(bias=-1e4))
    else:
        params = small_params(small_lwl(2, boxinit=True), init_with_box=True)
        params.net.initialize()
        _set_decoder_bias(params, -1e4)
    tracker = LWL(params)
    with caplog.at_level(logging.WARNING):
        out = tracker.initialize(frames[0], {"init_bbox": BOX1, "sequence_name": "toy-seq"})
    assert any("toy-seq" in r.getMessage() and "filled box" in r.getMessage() for r in caplog.records)
    filled = np.zeros(frames.shape[1:3], np.uint8)
    filled[30:55, 40:70] = 1
    np.testing.assert_array_equal(out["segmentation"], filled)
    assert tracker.init_mask_crop.sum() > 0           # LWL learns from the box, not from an all-background label


def test_sta_initializer_follows_the_trackers_device(monkeypatch):
    from pytracking.parameter.lwl import lwl_box2mask

    assert lwl_box2mask.parameters().init_mask_generator.device is None        # decided by the tracker
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)              # as on a GPU machine
    init = _sta_initializer()
    params = small_params(small_lwl(5), init_with_box=True, init_mask_generator=init)    # use_gpu=False
    params.net.device = torch.device("cuda")       # what NetWithBackbone picks when CUDA is available
    frames, _ = _video()
    LWL(params).initialize(frames[0], {"init_bbox": BOX1})
    assert init.device == torch.device("cpu")
    assert next(init.net.parameters()).device == torch.device("cpu")


def test_debug_level_1_logs_states_and_level_2_writes_the_views(tmp_path, caplog):
    frames, labels = _video()
    params = small_params(small_lwl(1), debug=2, debug_dir=str(tmp_path / "dbg"))
    tracker = LWL(params)
    with caplog.at_level(logging.INFO, logger="pytracking.tracker.lwl.lwl"):
        tracker.initialize(frames[0], {"init_mask": (labels[0] == 1).astype(np.uint8), "init_bbox": BOX1,
                                       "sequence_name": "toy"})
        for f in frames[1:]:
            tracker.track(f)
    states = [r.getMessage() for r in caplog.records if "toy frame" in r.getMessage() and "pos=" in r.getMessage()]
    assert len(states) == len(frames)
    folder = tmp_path / "dbg" / "toy"
    for f in range(1, len(frames)):
        for view, shape in (("crop", (96, 160, 3)), ("target_scores", None), ("probability", (96, 160, 3)),
                            ("memory", None)):
            path = folder / f"{f:05d}_{view}.png"
            assert path.is_file(), path
            if shape is not None:
                from ltr.data.image_io import read_image
                assert read_image(path).shape == shape
    assert not list(folder.glob("00000_*.png"))              # views of tracked frames only

    quiet = LWL(small_params(small_lwl(1), debug=1, debug_dir=str(tmp_path / "quiet")))
    quiet.initialize(frames[0], {"init_mask": (labels[0] == 1).astype(np.uint8), "init_bbox": BOX1})
    quiet.track(frames[1])
    assert not (tmp_path / "quiet").exists()                 # level 1: log lines only
