"""The method registry and the no-weights methods on generated videos."""
import importlib.util

import numpy as np
import pytest

from box2mask.classic import ClassicMethod, FilledBoxMethod, GrabCutMethod
from box2mask.classic.aggregation import frame_terms, solve_ridge
from box2mask.classic.base import grabcut
from box2mask.methods import UnknownMethodError, build_method
from box2mask.predictor import Box2MaskPredictor, MaskMethod
from box2mask.synthetic import make_video
from pytracking.analysis.vos_metrics import region_similarity


def mean_j(video, masks, frames=None):
    frames = range(len(video)) if frames is None else frames
    return float(np.mean([region_similarity(video.masks[i], masks[i]) for i in frames]))


def test_registry_builds_each_method_with_options():
    assert isinstance(build_method("classic"), ClassicMethod) and build_method("classic").name == "classic"
    c = build_method("classic", num_frames=3, interval=7, iterations=2, sample_scale=2.0)
    assert (c.num_frames, c.interval, c.iterations, c.sample_scale) == (3, 7, 2, 2.0)
    g = build_method("GrabCut", iterations=3, sample_scale=None)  # None options are dropped: the default crop
    assert isinstance(g, GrabCutMethod) and g.iterations == 3 and g.sample_scale == 1.5
    assert build_method("grabcut", sample_scale=0).sample_scale is None                 # 0: the whole frame
    assert isinstance(build_method(), GrabCutMethod) and build_method().sample_scale == 1.5   # the default
    assert isinstance(build_method("box"), FilledBoxMethod)
    for m in (c, g, build_method("box")):
        assert isinstance(m, MaskMethod)


def test_registry_errors():
    with pytest.raises(UnknownMethodError, match="Unknown box2mask method 'sam'"):
        build_method("sam")
    with pytest.raises(TypeError, match=r"Method 'box' takes no option\(s\) \['num_frames'\]"):
        build_method("box", num_frames=3)
    with pytest.raises(ValueError, match="'stanet' needs a network checkpoint"):
        build_method("stanet")


@pytest.mark.skipif(importlib.util.find_spec("box2mask.stanet_method") is not None,
                    reason="the STANet method is installed; its own tests cover it")
def test_stanet_without_module_is_a_clear_error(tmp_path):
    with pytest.raises(ImportError, match="Method 'stanet' is not available"):
        build_method("stanet", checkpoint=str(tmp_path / "net.pth"))


def test_ridge_recovers_a_linear_map():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 4))
    z_true = np.array([1.0, -2.0, 0.5, 3.0])
    terms = [frame_terms(x[:250], x[:250] @ z_true, np.ones(250)), frame_terms(x[250:], x[250:] @ z_true,
                                                                              np.ones(250))]
    assert np.allclose(solve_ridge(terms, 1e-9), z_true, atol=1e-6)
    # Zero confidence on corrupted labels: they are ignored.
    y = x[:250] @ z_true
    y_bad = y.copy()
    y_bad[:50] += 100.0
    w = np.ones(250)
    w[:50] = 0.0
    assert np.allclose(solve_ridge([frame_terms(x[:250], y_bad, w)], 1e-9), z_true, atol=1e-6)
    with pytest.raises(ValueError):
        solve_ridge([], 1.0)


def test_tiny_and_full_boxes_never_give_empty_masks():
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 255, (60, 80, 3), dtype=np.uint8) for _ in range(4)]
    for box in ([10, 10, 1, 1], [10, 10, 2, 2], [79, 59, 1, 1], [0, 0, 80, 1], [0, 0, 80, 60]):
        for name in ("grabcut", "classic"):
            masks = Box2MaskPredictor(build_method(name)).predict(frames, [box] * 4)
            x, y, w, h = box
            assert masks[0][y:y + h, x:x + w].any(), (name, box)
            assert masks[0].sum() == masks[0][y:y + h, x:x + w].sum(), (name, box)  # nothing outside the box


def test_grabcut_wrapper_degenerate_inits():
    img = np.zeros((10, 10, 3), np.uint8)
    init = np.full((10, 10), 3, np.uint8)     # all probable foreground: no background samples
    assert grabcut(img, init, 5).all()
    init[:] = 0                               # all background
    assert not grabcut(img, init, 5).any()


@pytest.fixture(scope="module")
def video():
    return make_video(5, size=(160, 120), num_frames=20, num_distractors=1)


def test_filled_box_and_grabcut_on_a_generated_video(video):
    box = Box2MaskPredictor(FilledBoxMethod()).predict(list(video.frames), video.boxes)
    gc = Box2MaskPredictor(GrabCutMethod(sample_scale=0)).predict(list(video.frames), video.boxes,
                                                                  targets=range(0, 20, 4))     # whole frame
    gc_crop = Box2MaskPredictor(GrabCutMethod()).predict(list(video.frames), video.boxes, targets=range(0, 20, 4))
    assert 0.3 < mean_j(video, box) < 0.8
    assert mean_j(video, gc, range(0, 20, 4)) > mean_j(video, box, range(0, 20, 4)) + 0.15
    assert mean_j(video, gc_crop, range(0, 20, 4)) > 0.8
    for i in range(0, 20, 4):  # masks stay inside the box
        x, y, w, h = video.boxes[i].astype(int)
        outside = gc[i].copy()
        outside[y:y + h, x:x + w] = 0
        assert not outside.any()


def test_classic_is_deterministic_and_accurate(video):
    a = Box2MaskPredictor(ClassicMethod(num_frames=3, interval=3)).predict(list(video.frames), video.boxes)
    b = Box2MaskPredictor(ClassicMethod(num_frames=3, interval=3)).predict(list(video.frames), video.boxes)
    assert all(np.array_equal(a[i], b[i]) for i in a)
    assert mean_j(video, a) > 0.9


def test_classic_handles_short_videos_and_gaps(video):
    frames, boxes = list(video.frames[:4]), video.boxes[:4].copy()
    boxes[1] = np.nan
    masks = Box2MaskPredictor(ClassicMethod(num_frames=5, interval=5)).predict(frames, boxes)
    assert not masks[1].any() and all(masks[i].any() for i in (0, 2, 3))
    single = Box2MaskPredictor(ClassicMethod()).predict(frames[:1], boxes[:1])
    assert region_similarity(video.masks[0], single[0]) > 0.8
