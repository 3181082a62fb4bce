"""Region conversions of the TraX server: masks with offsets, tight boxes, replies (real trax objects, no process)."""
from __future__ import annotations

import numpy as np
import pytest

trax = pytest.importorskip("trax")

from pytracking.vot_integration.regions import box_to_mask, crop_to_bounds, fit_to_image, mask_bounds, tight_box  # noqa: E402
from pytracking.utils.params import TrackerParams  # noqa: E402
from pytracking.vot_integration.trax_server import (TrackerFactory, TrackerOutputError, import_class,  # noqa: E402
                                                    initial_info, output_properties, output_region, parse_overrides)


def test_tight_box_and_bounds_hand_values():
    m = np.zeros((20, 30), np.uint8)
    m[4:9, 7:19] = 1          # rows 4..8, cols 7..18
    m[12, 2] = 1              # a stray pixel extends the box
    assert mask_bounds(m) == (2, 4, 18, 12)
    assert tight_box(m) == [2.0, 4.0, 17.0, 9.0]   # [xmin, ymin, xmax-xmin+1, ymax-ymin+1]
    assert tight_box(np.zeros((5, 5))) is None and mask_bounds(np.zeros((5, 5))) is None
    with pytest.raises(ValueError, match="2-D"):
        tight_box(np.zeros((2, 2, 2)))


def test_fit_to_image_pads_and_crops_bottom_right():
    small = np.ones((3, 4), np.uint8) * 255
    full = fit_to_image(small, width=6, height=5)
    assert full.shape == (5, 6) and full.dtype == np.uint8
    assert full[:3, :4].all() and full.sum() == 12          # values normalised to 1, zeros right/bottom
    big = np.ones((9, 9), np.uint8)
    assert fit_to_image(big, width=4, height=2).sum() == 8  # cropped to the image


def test_crop_to_bounds_is_contiguous_and_handles_empty():
    m = np.zeros((10, 12), np.uint8)
    m[3:6, 5:11] = 7
    crop, x0, y0 = crop_to_bounds(m)
    assert (x0, y0) == (5, 3) and crop.shape == (3, 6) and crop.flags["C_CONTIGUOUS"] and set(np.unique(crop)) == {1}
    crop, x0, y0 = crop_to_bounds(np.zeros((4, 4), np.uint8))
    assert crop.shape == (1, 1) and crop.sum() == 0 and (x0, y0) == (0, 0)


def test_box_to_mask_pixel_centres():
    m = box_to_mask([2, 1, 3, 2], 8, 6)
    assert tight_box(m) == [2.0, 1.0, 3.0, 2.0] and m.sum() == 6
    # centres 3.5..12.5 lie in [3.4, 13.4) -> columns 3..12; rows: centres in [4.6, 16.6) -> 5..16 (clipped to 10)
    m = box_to_mask([3.4, 4.6, 10.0, 12.0], 20, 10)
    assert tight_box(m) == [3.0, 5.0, 10.0, 5.0]
    assert box_to_mask([-5, -5, 3, 3], 10, 10).sum() == 0    # entirely outside


@pytest.mark.parametrize("x0,y0", [(0, 0), (7, 3), (25, 17)])
def test_initial_mask_with_offset_becomes_full_size(x0, y0):
    width, height = 32, 24
    crop = np.zeros((5, 6), np.uint8)
    crop[1:4, 2:6] = 1
    crop[0, 0] = 1
    region = trax.Mask.create(crop, x0, y0)
    info = initial_info(region, width, height)
    expected = np.zeros((height + 10, width + 10), np.uint8)
    expected[y0:y0 + 5, x0:x0 + 6] = crop
    expected = expected[:height, :width]
    assert info["init_mask"].shape == (height, width)
    np.testing.assert_array_equal(info["init_mask"], expected)
    assert info["init_bbox"] == tight_box(expected)


def test_initial_rectangle_and_polygon_give_box_only():
    info = initial_info(trax.Rectangle.create(3.5, 4.25, 10, 12), 40, 30)
    assert info == {"init_bbox": [3.5, 4.25, 10.0, 12.0]}
    info = initial_info(trax.Polygon.create([(1, 2), (11, 2), (11, 7), (1, 7)]), 40, 30)
    assert info == {"init_bbox": [1.0, 2.0, 10.0, 5.0]}


def test_initial_empty_mask_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        initial_info(trax.Mask.create(np.zeros((2, 2), np.uint8), 3, 3), 10, 10)


def test_mask_reply_is_bbox_crop_with_offset():
    seg = np.zeros((24, 32), np.uint8)
    seg[5:9, 10:20] = 1
    seg[7, 25] = 1
    region = output_region({"segmentation": seg, "target_bbox": [0, 0, 1, 1]}, "mask", 32, 24)
    assert region.type == trax.Region.MASK
    assert region.offset() == (10, 5) and region.size() == (16, 4)
    np.testing.assert_array_equal(fit_to_image(region.array(True), 32, 24), seg)


def test_mask_reply_from_box_tracker_and_empty_mask():
    region = output_region({"target_bbox": [4, 2, 5, 3]}, "mask", 16, 12)
    np.testing.assert_array_equal(fit_to_image(region.array(True), 16, 12), box_to_mask([4, 2, 5, 3], 16, 12))
    region = output_region({"segmentation": np.zeros((12, 16), np.uint8)}, "mask", 16, 12)
    assert region.array().sum() == 0


def test_rectangle_reply_from_box_or_mask():
    region = output_region({"target_bbox": [1.5, 2, 3, 4]}, "rectangle", 16, 12)
    assert region.type == trax.Region.RECTANGLE and region.bounds() == (1.5, 2.0, 3.0, 4.0)
    seg = np.zeros((12, 16), np.uint8)
    seg[3:6, 4:10] = 1
    assert output_region({"segmentation": seg}, "rectangle", 16, 12).bounds() == (4.0, 3.0, 6.0, 3.0)
    assert output_region({"target_bbox": [np.nan, 1, 2, 3]}, "rectangle", 16, 12).bounds() == (0.0, 0.0, 0.0, 0.0)


def test_reply_errors_name_the_problem():
    with pytest.raises(TrackerOutputError, match="shape"):
        output_region({"segmentation": np.zeros((5, 5), np.uint8)}, "mask", 16, 12)
    with pytest.raises(TrackerOutputError, match="neither"):
        output_region({"score": 1}, "rectangle", 16, 12)
    assert output_properties({"confidence": 0.25}) == {"confidence": "0.25"} and output_properties({}) == {}


def test_parse_overrides_and_import_class():
    assert parse_overrides(["a=1", "b=foo", "c=[1, 2]", "d=True", "e=a=b"]) == {
        "a": 1, "b": "foo", "c": [1, 2], "d": True, "e": "a=b"}
    with pytest.raises(ValueError, match="key=value"):
        parse_overrides(["novalue"])
    assert import_class("pytracking.utils.params:TrackerParams").__name__ == "TrackerParams"
    with pytest.raises(ValueError, match="module:Name"):
        import_class("pytracking.utils.params.TrackerParams")
    with pytest.raises(ValueError, match="no attribute"):
        import_class("pytracking.utils.params:Nope")


def test_factory_shares_params_and_preloads_the_network():
    class Net:
        loads = 0

        def initialize(self):
            Net.loads += 1

    class T:
        predicts_segmentation_mask = True

        def __init__(self, params):
            self.params = params

    params = TrackerParams(net=Net(), x=1)
    factory = TrackerFactory(T, params, "t")
    factory.preload()
    a, b = factory.create(), factory.create()
    assert Net.loads == 1 and a is not b and a.params is b.params is params and factory.predicts_mask
    TrackerFactory(T, TrackerParams(), "no net").preload()   # nothing to load: no error


def test_preload_also_loads_the_initial_mask_model_on_the_networks_device():
    class Net:
        device = "cpu"

        def initialize(self):
            pass

    class Generator:
        def __init__(self):
            self.calls = []

        def initialize(self, device=None):
            self.calls.append(device)

    generator = Generator()

    class T:
        def __init__(self, params):
            self.params = params

    factory = TrackerFactory(T, TrackerParams(net=Net(), init_mask_generator=generator), "t")
    factory.preload()
    factory.preload()
    assert generator.calls == ["cpu"]          # before the handshake, once, on the tracker's device
