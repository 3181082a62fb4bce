"""The SAM 2 box2mask method with a random-weight SAM 2.1 tiny (the package's own config, small input size).

Random weights make the masks themselves meaningless, so these tests check what the method does with the model:
the prompts it sends, the memory it keeps, the box limit, the empty-mask path, determinism, and its errors."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pytest
import torch

from tests import sam2_fixtures as fx

from box2mask.predictor import Box2MaskPredictor
from pytracking.libs import sam2_model
from pytracking.libs.sam2_box import NO_OBJECT_SCORE, SAM2BoxSegmenter, box_region


@pytest.fixture(scope="module")
def model():
    return fx.random_model(seed=0)


def sam2_method(model, **kw):
    from box2mask.sam2_method import SAM2Method

    return SAM2Method(model, device="cpu", **kw)


def outside(mask, box):
    x0, y0, x1, y1 = box_region(box, *mask.shape)
    rest = mask.copy()
    rest[y0:y1, x0:x1] = 0
    return int(rest.sum())


def patch_outputs(monkeypatch, model, value):
    """Make every decoder output ``value`` (a float, or ``f(is_init_cond_frame) -> float``) on the whole frame."""
    real = model.track_step

    def step(**kw):
        out = real(**kw)
        v = value(kw["is_init_cond_frame"]) if callable(value) else value
        out["pred_masks"] = torch.full_like(out["pred_masks"], v)
        out["pred_masks_high_res"] = torch.full_like(out["pred_masks_high_res"], v)
        return out

    monkeypatch.setattr(model, "track_step", step)


def test_masks_inside_boxes_absent_frames_empty_deterministic_paths_like_arrays(model, tmp_path):
    from ltr.data.image_io import write_image

    frames, boxes = fx.textured_frames(5), fx.moving_boxes(5)
    absent = [False, False, True, False, False]
    predictor = Box2MaskPredictor(sam2_method(model))
    masks = predictor.predict(frames, boxes, absent=absent)
    assert sorted(masks) == [0, 1, 2, 3, 4]
    assert not masks[2].any()                                    # absent: empty, never used
    for t in (0, 1, 3, 4):
        assert masks[t].any() and outside(masks[t], boxes[t]) == 0
    again = predictor.predict(frames, boxes, absent=absent)
    assert all(np.array_equal(masks[t], again[t]) for t in masks)
    paths = []
    for i, f in enumerate(frames):
        write_image(tmp_path / f"{i:05d}.png", f)
        paths.append(tmp_path / f"{i:05d}.png")
    from_paths = predictor.predict(paths, boxes, absent=absent)
    assert all(np.array_equal(masks[t], from_paths[t]) for t in masks)


def test_prompts_and_memory_reach_the_model(model, monkeypatch):
    calls = []
    patch_outputs(monkeypatch, model, 5.0)                       # every frame non-empty: no retries
    inner = model.track_step

    def spy(**kw):
        calls.append({"k": kw["frame_idx"], "init": kw["is_init_cond_frame"],
                      "coords": kw["point_inputs"]["point_coords"].tolist(),
                      "labels": kw["point_inputs"]["point_labels"].tolist(),
                      "cond": sorted(kw["output_dict"]["cond_frame_outputs"]),
                      "memory": sorted(kw["output_dict"]["non_cond_frame_outputs"]), "n": kw["num_frames"]})
        return inner(**kw)

    monkeypatch.setattr(model, "track_step", spy)
    frames, boxes = fx.textured_frames(5), fx.moving_boxes(5)
    Box2MaskPredictor(sam2_method(model)).predict(frames, boxes, absent=[False, False, True, False, False])
    assert [c["k"] for c in calls] == [0, 1, 2, 3]               # the absent frame 2 leaves no gap in the memory
    assert [c["init"] for c in calls] == [True, False, False, False]
    s = fx.IMAGE_SIZE
    # frame 0's box [10, 12, 24, 20] in a 64x48 frame -> corners in model pixels (128x128), labels 2 and 3
    np.testing.assert_allclose(calls[0]["coords"], [[[10 * s / 64, 12 * s / 48], [34 * s / 64, 32 * s / 48]]],
                               rtol=1e-6)
    assert all(c["labels"] == [[2, 3]] for c in calls)
    np.testing.assert_allclose(calls[3]["coords"], [[[18 * s / 64, 12 * s / 48], [42 * s / 64, 32 * s / 48]]],
                               rtol=1e-6)                        # frame 4's box
    assert [c["cond"] for c in calls] == [[], [0], [0], [0]]
    assert [c["memory"] for c in calls] == [[], [], [1], [1, 2]]
    assert {c["n"] for c in calls} == {4}                        # told the number of valid frames


def test_box_limit_of_masks_and_memory(model, monkeypatch):
    patch_outputs(monkeypatch, model, 10.0)                      # the model says "object" everywhere
    encoded = []
    real = model._encode_new_memory
    monkeypatch.setattr(model, "_encode_new_memory",
                        lambda **kw: (encoded.append(kw["pred_masks_high_res"].clone()), real(**kw))[1])
    frames = fx.textured_frames(3)
    boxes = np.array([[10.5, 12.25, 20.3, 15.5], [-5.0, 30.0, 20.0, 40.0], [40.0, 2.0, 30.0, 10.0]])
    masks = Box2MaskPredictor(sam2_method(model)).predict(frames, boxes)
    for t, box in enumerate(boxes):
        x0, y0, x1, y1 = box_region(box, 48, 64)
        expected = np.zeros((48, 64), np.uint8)
        expected[y0:y1, x0:x1] = 1
        np.testing.assert_array_equal(masks[t], expected)        # exactly the pixels the (clipped) box covers
    assert (x0, y0, x1, y1) == (40, 2, 64, 12)
    assert box_region(boxes[0], 48, 64) == (10, 12, 31, 28)      # partly covered pixels included
    assert len(encoded) == 3
    high = encoded[0][0, 0]                                      # memory from the box-limited mask
    assert (high > 0).sum() > 0 and (high == NO_OBJECT_SCORE).sum() > 0 and (high > 0).sum() < high.numel() / 4


def test_empty_mask_retries_without_memory(model, monkeypatch):
    patch_outputs(monkeypatch, model, lambda init: 3.0 if init else NO_OBJECT_SCORE)
    method = sam2_method(model)
    frames, boxes = fx.textured_frames(3), fx.moving_boxes(3)
    masks = Box2MaskPredictor(method).predict(frames, boxes)
    assert method.stats["retried_without_memory"] == 2 and method.stats["no_object"] == 0
    assert all(masks[t].any() and outside(masks[t], boxes[t]) == 0 for t in masks)


def test_no_object_gives_the_filled_box_with_a_warning_naming_the_frame(model, monkeypatch, caplog):
    patch_outputs(monkeypatch, model, NO_OBJECT_SCORE)
    method = sam2_method(model)
    frames, boxes = fx.textured_frames(2), fx.moving_boxes(2)
    with caplog.at_level(logging.WARNING):
        masks = Box2MaskPredictor(method).predict(frames, boxes, seq_name="clip7")
    for t in (0, 1):
        assert int(masks[t].sum()) == 24 * 20 and outside(masks[t], boxes[t]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'clip7'" in w and "frame 1" in w and "filled box" in w for w in warnings)
    assert method.stats["no_object"] == 2
    segmenter = SAM2BoxSegmenter(model, device="cpu", empty="empty")   # for callers with their own fallback
    result = next(segmenter.run(lambda i: frames[i], boxes, [0]))
    assert result.source == "empty" and not result.mask.any()


def test_context_all_gives_masks_independent_of_the_targets(model):
    frames, boxes = fx.textured_frames(5, seed=3), fx.moving_boxes(5)
    full = Box2MaskPredictor(sam2_method(model)).predict(frames, boxes)
    method = sam2_method(model)
    resumed = Box2MaskPredictor(method).predict(frames, boxes, targets=[3, 4])
    assert method.stats["frames"] == 5                           # frames 0-2 run for the memory only
    assert all(np.array_equal(full[t], resumed[t]) for t in (3, 4))
    sparse = sam2_method(model, context="targets")
    Box2MaskPredictor(sparse).predict(frames, boxes, targets=[1, 4])
    assert sparse.stats["frames"] == 2
    assert sam2_method(model, memory=False).frames_to_run(np.ones(5, bool), [4]) == [4]


def test_without_memory_every_frame_is_its_own_single_frame_run(model):
    frames, boxes = fx.textured_frames(3, seed=5), fx.moving_boxes(3)
    predictor = Box2MaskPredictor(sam2_method(model, memory=False))
    masks = predictor.predict(frames, boxes)
    for t in range(3):
        alone = predictor.predict([frames[t]], boxes[t:t + 1])[0]
        np.testing.assert_array_equal(masks[t], alone)


def test_memory_bank_stays_bounded_and_pruning_changes_nothing(monkeypatch):
    small = fx.random_model(seed=1, image_size=64)
    with torch.no_grad():                                        # the object is always "present": real logits
        small.sam_mask_decoder.pred_obj_score_head.layers[-1].bias.fill_(20.0)
    logits = []
    real = small.track_step
    monkeypatch.setattr(small, "track_step", lambda **kw: (lambda out: (logits.append(out["pred_masks"]), out)[1])(
        real(**kw)))
    frames, boxes = fx.textured_frames(18, seed=2), fx.moving_boxes(18) * [0.5, 1, 0.5, 1]
    pruned = SAM2BoxSegmenter(small, device="cpu")
    kept = SAM2BoxSegmenter(small, device="cpu")
    kept.reach = 10 ** 6
    a = [r.mask for r in pruned.run(lambda i: frames[i], boxes, range(18))]
    first = list(logits)
    logits.clear()
    b = [r.mask for r in kept.run(lambda i: frames[i], boxes, range(18))]
    assert pruned.reach == 16 and pruned.stats["max_memory_entries"] == 16
    assert kept.stats["max_memory_entries"] == 17                # frames 1-17 remembered
    assert len(first) == len(logits) >= 18
    assert all(torch.equal(x, y) for x, y in zip(first, logits))  # memory attention saw the same memory
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert len({float(x.std()) for x in first}) > 10             # and the logits are not a constant


def test_amp_rules(model):
    with pytest.raises(ValueError, match="only used on CUDA"):
        SAM2BoxSegmenter(model, device="cpu", amp="bf16")
    with pytest.raises(ValueError, match="bf16"):
        SAM2BoxSegmenter(model, device="cpu", amp="fp16")
    assert SAM2BoxSegmenter(model, device="cpu").amp is None     # 'auto': float32 on the CPU


# ------------------------------------------------------------------------------------------------------- errors
def one_line(error) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


def test_missing_sam2_extra_is_a_clear_error(monkeypatch, tmp_path):
    from box2mask.methods import build_method

    for name in [m for m in sys.modules if m == "sam2" or m.startswith("sam2.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sam2", None)               # as if not installed
    with pytest.raises(ImportError) as e:
        build_method("sam2", checkpoint=str(tmp_path / "sam2.1_hiera_tiny.pt"))
    text = one_line(e)
    assert isinstance(e.value, RuntimeError)                    # reported by the CLI as a plain error
    assert "SAM 2 is not installed" in text and "sam2==1.1.0" in text and "SAM2_BUILD_CUDA=0" in text


def test_checkpoint_and_config_errors(model, tmp_path):
    from ltr.admin.loading import CheckpointError

    build = sam2_model.build_sam2_model
    with pytest.raises(FileNotFoundError) as e:
        build(str(tmp_path / "sam2.1_hiera_tiny.pt"))
    assert "SAM 2 checkpoint (--checkpoint) not found" in one_line(e) and "sam2.1_hiera_tiny.pt" in one_line(e)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError) as e:
        build(str(garbage), "sam2.1_hiera_t")
    assert "Cannot read SAM 2 checkpoint" in one_line(e) and "garbage.pt" in one_line(e)
    other = tmp_path / "other.pt"
    torch.save({"state_dict": {"w": torch.zeros(1)}}, other)
    with pytest.raises(CheckpointError) as e:
        build(str(other), "sam2.1_hiera_t")
    assert "other.pt is not a SAM 2 checkpoint" in one_line(e) and "'model'" in one_line(e)
    with pytest.raises(ValueError) as e:
        build(str(other))                                        # config not implied by this file name
    assert "--config" in one_line(e) and "sam2.1_hiera_t" in one_line(e)
    with pytest.raises(ValueError) as e:
        build(str(other), "sam3_hiera_q")
    assert "Unknown SAM 2 config 'sam3_hiera_q'" in one_line(e) and "sam2.1_hiera_b+" in one_line(e)
    # weights of SAM 2.1 tiny with the small config: names the file, the config and the right config
    tiny = tmp_path / "sam2.1_hiera_tiny.pt"
    state = model.state_dict()
    torch.save({"model": state}, tiny)
    with pytest.raises(CheckpointError) as e:
        build(str(tiny), "sam2.1_hiera_s")
    text = one_line(e)
    assert "does not match config 'sam2.1_hiera_s'" in text and "goes with --config sam2.1_hiera_t" in text
    assert "missing" in text and "shape mismatches" in text
    # a shape changed in an otherwise right file
    key = "sam_mask_decoder.iou_token.weight"
    with pytest.raises(CheckpointError, match=rf"1 shape mismatches \[{key} \(2, 3\) vs \(1, 256\)\]; official"):
        sam2_model.load_sam2_weights(model, dict(state, **{key: torch.zeros(2, 3)}), tmp_path / "x.pt",
                                     "sam2.1_hiera_t")
    with pytest.raises(ValueError, match="multiple of 32"):
        build(str(tiny), image_size=100)
    with pytest.raises(ValueError, match="needs a checkpoint"):
        build(None, "sam2.1_hiera_t")


def test_official_checkpoint_loads_with_its_implied_config(model, tmp_path_factory):
    path = fx.session_checkpoint(tmp_path_factory, model)
    loaded = sam2_model.build_sam2_model(str(path), image_size=fx.IMAGE_SIZE)   # config from the file name
    assert loaded.sam2_config_name == "sam2.1_hiera_t" and loaded.image_size == fx.IMAGE_SIZE
    for (k, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):   # the same seed-0 weights
        assert torch.equal(a, b), k
