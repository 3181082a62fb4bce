"""Crop geometry (ltr.data.processing_utils): hand-computed windows, padding, box mapping, jitter bounds."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from ltr.data import processing_utils as pu


def test_box_from_mask_is_tight_and_none_for_empty():
    m = np.zeros((10, 12), np.float32)
    m[2:5, 3:9] = 1  # rows 2..4, cols 3..8
    assert pu.box_from_mask(m).tolist() == [3, 2, 6, 3]
    assert pu.box_from_mask(torch.from_numpy(m)).tolist() == [3, 2, 6, 3]
    assert pu.box_from_mask(np.zeros((4, 4))) is None
    with pytest.raises(ValueError, match="2-D"):
        pu.box_from_mask(np.zeros((2, 4, 4)))


def test_window_centred_on_box_when_it_fits():
    # area 20*10 = 200, output 40x20 (area 800): scale = sqrt(200/800) * 2 = 1 -> a 40x20 crop
    w = pu.crop_window(torch.tensor([90.0, 40, 20, 10]), (100, 200), 2.0, (40, 20), "replicate")
    assert (w.x1, w.y1, w.x2, w.y2) == (80, 35, 120, 55)
    assert w.padding((100, 200)) == (0, 0, 0, 0)


def test_window_shifted_inside_at_the_border():
    # same 40x20 crop around a box at the top-left corner: shifted to start at (0, 0)
    w = pu.crop_window(torch.tensor([0.0, 0, 20, 10]), (100, 200), 2.0, (40, 20), "replicate")
    assert (w.x1, w.y1, w.width, w.height) == (0, 0, 40, 20)
    # ... and at the bottom-right corner
    w = pu.crop_window(torch.tensor([180.0, 90, 20, 10]), (100, 200), 2.0, (40, 20), "inside_major")
    assert (w.x2, w.y2, w.width, w.height) == (200, 100, 40, 20)


def test_inside_modes_on_a_crop_larger_than_the_image():
    # image 100 high x 200 wide, square output; box 32x32 at the centre, factor 5 -> a 160x160 crop
    box = torch.tensor([84.0, 34, 32, 32])
    rep = pu.crop_window(box, (100, 200), 5.0, (40, 40), "replicate")
    assert (rep.width, rep.height) == (160, 160)
    assert (rep.x1, rep.y1) == (20, -30)  # x: fits (centred on the box); y: 60 px overflow split 30/30
    assert rep.padding((100, 200)) == (0, 30, 0, 30)
    major = pu.crop_window(box, (100, 200), 5.0, (40, 40), "inside_major")
    assert (major.x1, major.y1, major.width, major.height) == (20, -30, 160, 160)  # fits along x: no shrink
    inside = pu.crop_window(box, (100, 200), 5.0, (40, 40), "inside")
    assert (inside.width, inside.height) == (100, 100)  # shrunk by 1.6 to fit the height
    assert inside.padding((100, 200)) == (0, 0, 0, 0) and (inside.x1, inside.y1) == (50, 0)
    # shrinking bounded by max_scale_change: 160 / 1.25 = 128 -> still 14 px over on each side
    bounded = pu.crop_window(box, (100, 200), 5.0, (40, 40), "inside", max_scale_change=1.25)
    assert (bounded.width, bounded.height, bounded.y1) == (128, 128, -14)


def test_inside_major_shrinks_to_the_major_axis():
    # output 2:1; a crop of 400x200 in a 300x120 (w x h) image: ratios 1.33 (x) and 1.67 (y)
    box = torch.tensor([130.0, 50, 40, 20])  # area 800 -> scale = sqrt(800/2) * 5 / 20 * ... see below
    out = (40, 20)
    scale = math.sqrt(40 * 20 / (40 * 20)) * 10.0
    w = pu.crop_window(box, (120, 300), 10.0, out, "inside_major")
    crop_w, crop_h = math.ceil(40 * scale), math.ceil(20 * scale)  # 400 x 200
    shrink = min(crop_w / 300, crop_h / 120)  # 1.333: fits along x, 40 px over along y
    assert (w.width, w.height) == (math.floor(crop_w / shrink), math.floor(crop_h / shrink)) == (300, 150)
    assert (w.x1, w.y1) == (0, -15)
    w = pu.crop_window(box, (120, 300), 10.0, out, "inside")
    assert (w.width, w.height) == (240, 120) and w.padding((120, 300)) == (0, 0, 0, 0)


def test_window_rejects_bad_boxes_and_modes():
    with pytest.raises(ValueError, match="without area"):
        pu.crop_window(torch.tensor([1.0, 1, 0, 5]), (10, 10), 5.0, (8, 8))
    with pytest.raises(ValueError, match="Crop mode"):
        pu.crop_window(torch.tensor([1.0, 1, 3, 5]), (10, 10), 5.0, (8, 8), "outside")
    with pytest.raises(ValueError, match="4 values"):
        pu.crop_window(torch.tensor([1.0, 1, 3]), (10, 10), 5.0, (8, 8))


def _coordinate_image(h, w):
    """Channel 0 = x, channel 1 = y, channel 2 = 7 (float32, exact under an unscaled crop)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([xx, yy, np.full_like(xx, 7)], axis=2)


def test_crop_image_content_and_replicate_padding():
    image = _coordinate_image(20, 30)
    window = pu.CropWindow(-3, 5, 7, 12)  # 10 wide, 7 high; 3 columns left of the image
    crop = pu.crop_image(image, window, (10, 7))
    assert crop.shape == (7, 10, 3)
    np.testing.assert_array_equal(crop[:, :, 0], np.tile(np.clip(np.arange(-3, 7), 0, None), (7, 1)))
    np.testing.assert_array_equal(crop[:, :, 1], np.tile(np.arange(5, 12)[:, None], (1, 10)))
    zero = pu.crop_image(image, window, (10, 7), border="zero")
    assert (zero[:, :3] == 0).all() and (zero[:, 3:, 2] == 7).all()
    # right/bottom padding: exactly the overflow, no extra replicated column (the reference's quirk)
    right = pu.crop_image(image, pu.CropWindow(25, 15, 30, 20), (5, 5))
    np.testing.assert_array_equal(right[0, :, 0], [25, 26, 27, 28, 29])


def test_crop_image_resizes_and_keeps_single_channels():
    image = np.full((8, 8, 1), 5, np.uint8)
    out = pu.crop_image(image, pu.CropWindow(0, 0, 8, 8), (4, 4))
    assert out.shape == (4, 4, 1) and (out == 5).all()
    far = pu.crop_image(np.ones((8, 8, 3), np.uint8), pu.CropWindow(20, 20, 24, 24), (2, 2))
    assert far.shape == (2, 2, 3) and (far == 0).all()  # a window outside the image is all padding


def test_crop_mask_is_nearest_and_zero_padded():
    mask = np.zeros((10, 10), np.float32)
    mask[4:6, 4:6] = 1
    out = pu.crop_mask(mask, pu.CropWindow(-10, -10, 10, 10), (10, 10))  # 2x downscale, 10 px of padding
    assert set(np.unique(out)) <= {0.0, 1.0}
    assert out[:5].sum() == 0 and out[:, :5].sum() == 0
    assert out[7, 7] == 1 and out.sum() == 1  # the 2x2 square becomes one pixel at (4+10)/2


def test_box_mapping_round_trip_hand_computed():
    window = pu.CropWindow(10, 20, 110, 70)  # 100 x 50
    crop_box = pu.box_to_crop(torch.tensor([30.0, 30, 20, 10]), window, (200, 200))
    assert crop_box.tolist() == pytest.approx([40.0, 40.0, 40.0, 40.0])
    back = pu.box_from_crop(crop_box, window, (200, 200))
    assert back.tolist() == pytest.approx([30.0, 30.0, 20.0, 10.0])


def test_jitter_box_bounds_and_identity():
    box = torch.tensor([50.0, 40, 20, 10])
    assert pu.jitter_box(box, 0.0, 0.0).tolist() == pytest.approx(box.tolist())
    torch.manual_seed(0)
    for _ in range(200):
        j = pu.jitter_box(box, 3.0, 0.0)
        assert j[2:].tolist() == pytest.approx([20.0, 10.0])
        shift = (j[:2] + 0.5 * j[2:]) - torch.tensor([60.0, 45.0])
        assert (shift.abs() <= 0.5 * math.sqrt(200.0) * 3.0 + 1e-4).all()
    sizes = torch.stack([pu.jitter_box(box, 0.0, 0.5, "uniform")[2:] / box[2:] for _ in range(200)])
    assert (sizes >= math.exp(-0.5) - 1e-5).all() and (sizes <= math.exp(0.5) + 1e-5).all()
    with pytest.raises(ValueError, match="scale_mode"):
        pu.jitter_box(box, 1.0, 1.0, "cauchy")


def test_sample_target_adaptive_returns_consistent_crops():
    image = _coordinate_image(60, 80)
    mask = np.zeros((60, 80), np.float32)
    mask[20:30, 30:50] = 1
    crop, crop_box, mask_crop = pu.sample_target_adaptive(image, torch.tensor([30.0, 20, 20, 10]), 2.0, (40, 20),
                                                          "inside", mask=mask)
    assert crop.shape == (20, 40, 3) and mask_crop.shape == (20, 40)
    assert crop_box.tolist() == [20.0, 15.0, 40.0, 20.0]
    assert pu.box_from_mask(mask_crop).tolist() == [10.0, 5.0, 20.0, 10.0]
    np.testing.assert_array_equal(crop[0, :, 0], np.arange(20, 60))
