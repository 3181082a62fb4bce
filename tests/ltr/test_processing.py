"""Joint transforms and the LWL / Box2Mask processings: image, mask and box stay consistent; crops as specified."""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
import torch

from ltr.data import transforms as tfm
from ltr.data.processing_base import CropParams, JitterParams, process_group
from ltr.data.processing_box2mask import BOX2MASK_CROP, Box2MaskProcessing
from ltr.data.processing_lwl import LWL_CROP, LWLProcessing, lwl_frame_transform, lwl_joint_transform
from ltr.data.processing_utils import box_from_mask
from ltr.models.backbone.resnet_mrcnn import MRCNN_MEAN_BGR


def _frame(h=60, w=80, box=(20, 10, 30, 20), seed=0):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    mask = np.zeros((h, w), np.float32)
    x, y, bw, bh = box
    mask[y:y + bh, x:x + bw] = 1
    return image, mask


# ------------------------------------------------------------------------------------------------------ transforms
def test_flip_moves_image_mask_and_box_together():
    image, mask = _frame()
    flip = tfm.HorizontalFlip(probability=1.0)
    (im,), (m,), (b,) = flip([image], [mask], [box_from_mask(mask)])
    np.testing.assert_array_equal(im, image[:, ::-1])
    assert b.tolist() == box_from_mask(m).tolist() == [30, 10, 30, 20]  # 80 - 20 - 30 = 30
    (im,), _, _ = tfm.HorizontalFlip(probability=0.0)([image])
    assert im is image


def test_joint_roll_is_shared_and_per_frame_roll_is_not():
    frames = [np.arange(6, dtype=np.uint8).reshape(1, 2, 3).repeat(2, 0)] * 40
    random.seed(3)
    flipped, _, _ = tfm.HorizontalFlip(0.5)(frames, joint=True)
    states = {bool((f == frames[0][:, ::-1]).all()) for f in flipped}
    assert len(states) == 1
    flipped, _, _ = tfm.HorizontalFlip(0.5)(frames, joint=False)
    assert {bool((f == frames[0][:, ::-1]).all()) for f in flipped} == {True, False}


def test_bgr_grayscale_brightness_normalize():
    image, _ = _frame()
    (bgr,), _, _ = tfm.ToBGR()([image])
    np.testing.assert_array_equal(bgr, image[:, :, ::-1])
    (gray,), _, _ = tfm.ToGrayscale(probability=1.0)([image])
    expect = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    for c in range(3):
        np.testing.assert_array_equal(gray[:, :, c], expect)
    (gray_bgr,), _, _ = tfm.ToGrayscale(probability=1.0, bgr=True)([bgr])
    np.testing.assert_array_equal(gray_bgr[:, :, 0], expect)
    random.seed(0)
    jitter = tfm.BrightnessJitter(0.5)
    factor = jitter.roll()
    out = jitter.image(image, factor)
    np.testing.assert_allclose(out, np.clip(image.astype(np.float32) * factor, 0, 255), rtol=1e-6)
    assert 0.5 <= factor <= 1.5
    (t,), (m,), _ = tfm.Normalize(mean=(1.0, 2.0, 3.0), std=(2.0, 2.0, 2.0))([image], [np.ones((60, 80), np.float32)])
    assert t.shape == (3, 60, 80) and t.dtype == torch.float32
    assert float(t[1, 5, 7]) == pytest.approx((float(image[5, 7, 1]) - 2.0) / 2.0)
    assert isinstance(m, torch.Tensor) and m.shape == (60, 80)


def test_affine_keeps_mask_binary_and_box_around_it():
    image, mask = _frame(box=(30, 20, 20, 16))
    affine = tfm.RandomAffine(max_rotation=15.0, max_scale=0.2)
    random.seed(1)
    for _ in range(10):
        params = affine.roll()
        angle, scale = params
        assert -15 <= angle <= 15 and np.exp(-0.2) <= scale <= np.exp(0.2)
        m = affine.mask(mask, params)
        assert set(np.unique(m)) <= {0.0, 1.0}
        b = affine.box(box_from_mask(mask), mask.shape, params)
        tight = box_from_mask(m)
        # the rotated rectangle's bounding box contains the rotated mask (1 px rounding)
        assert tight[0] >= b[0] - 1 and tight[1] >= b[1] - 1
        assert tight[0] + tight[2] <= b[0] + b[2] + 1 and tight[1] + tight[3] <= b[1] + b[3] + 1
        assert abs(m.sum() - mask.sum() * scale ** 2) < 0.15 * mask.sum() * scale ** 2
    zero_rotation = affine.image(image, (0.0, 1.0))
    np.testing.assert_array_equal(zero_rotation, image)


def test_transform_checks_list_lengths():
    with pytest.raises(ValueError, match="2 images but 1 masks"):
        tfm.ToBGR()([np.zeros((2, 2, 3))] * 2, [np.zeros((2, 2))])


# ----------------------------------------------------------------------------------------------- process_group
def test_process_group_uses_mask_boxes_and_crops_around_them():
    image, mask = _frame(h=100, w=200, box=(90, 40, 20, 10))
    crop = CropParams(2.0, (40, 20), "replicate")
    out = process_group([image], [torch.from_numpy(mask)], [torch.tensor([0.0, 0, 5, 5])], crop)
    # the dataset's (wrong) box is ignored: the crop is the 40x20 window around the mask at (80, 35)
    np.testing.assert_array_equal(out["images"][0].permute(1, 2, 0).numpy(), image[35:55, 80:120].astype(np.float32))
    assert out["boxes"][0].tolist() == pytest.approx([10.0, 5.0, 20.0, 10.0])
    assert out["masks"][0].sum() == 200
    empty = np.zeros_like(mask)
    out = process_group([image], [empty], [torch.tensor([90.0, 40, 20, 10])], crop)  # empty mask: dataset box
    assert out["boxes"][0].tolist() == pytest.approx([10.0, 5.0, 20.0, 10.0]) and out["masks"].sum() == 0
    with pytest.raises(ValueError, match="Frame 0 of x/y: empty mask"):
        process_group([image], [empty], None, crop, where=" of x/y")
    with pytest.raises(ValueError, match="image size"):
        process_group([image], [mask[:50]], None, crop)
    with pytest.raises(ValueError, match="no masks"):
        process_group([image], None, None, crop)


# ----------------------------------------------------------------------------------------------------- Box2Mask
def test_box2mask_processing_matches_the_paper_recipe():
    frames = [_frame(h=480, w=854, box=(300 + 10 * k, 200, 60, 40), seed=k) for k in range(3)]
    proc = Box2MaskProcessing(flip_probability=0.0)
    assert proc.crop == BOX2MASK_CROP and BOX2MASK_CROP.output_size == (832, 480)
    out = proc({"images": [f[0] for f in frames], "masks": [f[1] for f in frames], "bbox": None,
                "dataset": "d", "sequence": "s", "frame_ids": [4, 9, 20]})
    assert out["images"].shape == (3, 3, 480, 832) and out["masks"].shape == (3, 480, 832)
    assert out["frame_ids"].tolist() == [4, 9, 20] and (out["dataset"], out["sequence"]) == ("d", "s")
    for k in range(3):
        box = out["boxes"][k]
        # 5x the box: the box covers 1/25 of the crop area and sits at its centre
        assert float(box[2] * box[3]) / (832 * 480) == pytest.approx(1 / 25, rel=0.02)
        centre = box[:2] + box[2:] / 2
        assert centre.tolist() == pytest.approx([416.0, 240.0], abs=4)
        tight = box_from_mask(out["masks"][k])
        assert tight.tolist() == pytest.approx(box.tolist(), abs=2.0)
    # network convention: BGR minus the Mask R-CNN mean
    image = out["images"][0].permute(1, 2, 0).numpy() + np.array(MRCNN_MEAN_BGR, np.float32)
    assert image.min() >= -1e-3 and image.max() <= 255 + 1e-3
    m = out["masks"][0].numpy() > 0.5
    src = frames[0][0][frames[0][1] > 0.5][:, ::-1].astype(np.float32)
    assert image[m].mean(axis=0) == pytest.approx(src.mean(axis=0), abs=8)


def test_box2mask_crop_never_exceeds_the_image_and_flips_jointly():
    # a big object: 5x its box is larger than the image -> the crop is the largest one that fits
    image, mask = _frame(h=120, w=160, box=(40, 30, 80, 60))
    proc = Box2MaskProcessing(CropParams(5.0, (80, 48), "inside"), flip_probability=1.0)
    out = proc({"images": [image, image], "masks": [mask, mask], "bbox": None})
    # 5x the box would be 448x269; the largest crop with the output aspect ratio inside the image is 160x96,
    # rows 12..107 (centred on the box), resized by 1/2: the box [40, 30, 80, 60] becomes [20, 9, 40, 30] (and
    # stays there when mirrored, 80 - 20 - 40 = 20)
    for k in range(2):
        tight = box_from_mask(out["masks"][k])
        assert tight.tolist() == pytest.approx(out["boxes"][k].tolist(), abs=1.0)
        assert out["boxes"][k].tolist() == pytest.approx([20.0, 9.0, 40.0, 30.0], abs=0.5)
    ref = cv2.resize(image[12:108, :][:, ::-1, ::-1], (80, 48)).astype(np.float32) - np.float32(MRCNN_MEAN_BGR)
    np.testing.assert_allclose(out["images"][0].permute(1, 2, 0).numpy(), ref, atol=1.0)


# ----------------------------------------------------------------------------------------------------------- LWL
def test_lwl_processing_groups_and_transforms():
    frames = [_frame(h=240, w=320, box=(130 + 5 * k, 100, 50, 40), seed=k) for k in range(4)]
    data = {"train_images": [frames[0][0]], "train_masks": [frames[0][1]], "train_bbox": None,
            "test_images": [f[0] for f in frames[1:]], "test_masks": [f[1] for f in frames[1:]], "test_bbox": None,
            "dataset": "d", "sequence": "s"}
    proc = LWLProcessing(CropParams(5.0, (64, 48), "inside_major"))
    random.seed(0)
    torch.manual_seed(0)
    out = proc(data)
    assert out["train_images"].shape == (1, 3, 48, 64) and out["test_images"].shape == (3, 3, 48, 64)
    assert out["train_masks"].shape == (1, 48, 64) and out["test_boxes"].shape == (3, 4)
    for g in ("train", "test"):
        assert set(torch.unique(out[f"{g}_masks"]).tolist()) <= {0.0, 1.0}
        assert out[f"{g}_masks"].flatten(1).sum(1).min() > 0
    # without jitter and augmentation the box is centred and covers 1/25 of the crop (inside_major, fits)
    plain = LWLProcessing(CropParams(5.0, (64, 48), "inside_major"), jitter={},
                          joint_transform=tfm.ToBGR(), transform=tfm.Normalize(MRCNN_MEAN_BGR))
    out = plain(data)
    box = out["train_boxes"][0]
    assert float(box[2] * box[3]) / (64 * 48) == pytest.approx(1 / 25, rel=0.05)
    assert (box[:2] + box[2:] / 2).tolist() == pytest.approx([32.0, 24.0], abs=1.0)


def test_lwl_defaults_follow_the_reference():
    assert LWL_CROP == CropParams(5.0, (832, 480), "inside_major", None)
    proc = LWLProcessing()
    assert proc.jitter["train"] == JitterParams(3.0, 0.25) and proc.jitter["test"] == JitterParams((5.5, 4.5), 0.5)
    joint = [type(t).__name__ for t in lwl_joint_transform().transforms]
    assert joint == ["ToGrayscale", "ToBGR", "HorizontalFlip"]
    frame = lwl_frame_transform()
    assert [type(t).__name__ for t in frame.transforms] == ["RandomAffine", "BrightnessJitter", "Normalize"]
    assert frame.transforms[0].max_rotation == 15.0 and frame.transforms[0].max_scale == 0.2
    assert frame.transforms[2].mean == MRCNN_MEAN_BGR
