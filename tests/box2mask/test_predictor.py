"""Box2MaskPredictor: arrays and paths in, one mask per frame out, absent frames empty, bad input named."""
import numpy as np
import pytest

from box2mask.classic.baselines import FilledBoxMethod
from box2mask.predictor import Box2MaskPredictor, MaskMethod
from box2mask.video import BoxError, FrameReadError, VideoFrames
from ltr.data.image_io import write_image


class Recorder(FilledBoxMethod):
    """The filled box, remembering what the predictor asked for."""

    def __init__(self):
        self.calls = []

    def predict_video(self, video, boxes, valid, targets):
        self.calls.append((list(targets), valid.copy()))
        yield from super().predict_video(video, boxes, valid, targets)


def make_frames(n=5, h=24, w=32):
    return [np.full((h, w, 3), 10 * i, np.uint8) for i in range(n)]


BOXES = [[2, 3, 10, 5], [4, 4, 6, 6], [0, 0, 32, 24], [30, 20, 10, 10], [1.5, 2.5, 3, 3]]


def expected_box_mask(box, h=24, w=32):
    m = np.zeros((h, w), np.uint8)
    x0, y0 = int(np.floor(box[0])), int(np.floor(box[1]))
    x1, y1 = min(int(np.ceil(box[0] + box[2])), w), min(int(np.ceil(box[1] + box[3])), h)
    m[y0:y1, x0:x1] = 1
    return m


def test_predict_on_arrays_gives_box_masks():
    masks = Box2MaskPredictor(FilledBoxMethod()).predict(make_frames(), BOXES)
    assert sorted(masks) == [0, 1, 2, 3, 4]
    for i, box in enumerate(BOXES):
        assert masks[i].dtype == np.uint8 and masks[i].shape == (24, 32)
        assert np.array_equal(masks[i], expected_box_mask(box))  # frame 3 is clipped to the image


def test_predict_on_paths(tmp_path):
    paths = []
    for i, f in enumerate(make_frames()):
        paths.append(tmp_path / f"f{i}.png")
        write_image(paths[-1], f)
    masks = Box2MaskPredictor(FilledBoxMethod()).predict([str(p) for p in paths], BOXES, seq_name="disk")
    assert np.array_equal(masks[1], expected_box_mask(BOXES[1]))
    video = VideoFrames(paths, seq_name="disk")
    assert np.array_equal(Box2MaskPredictor(FilledBoxMethod()).predict(video, BOXES)[4],
                          expected_box_mask(BOXES[4]))


def test_absent_frames_get_empty_masks_and_are_not_given_to_the_method():
    rec = Recorder()
    boxes = [list(b) for b in BOXES]
    boxes[2] = [np.nan] * 4                        # invalid box -> absent (skip)
    masks = Box2MaskPredictor(rec).predict(make_frames(), boxes, absent=[False, True, False, False, False])
    assert not masks[1].any() and not masks[2].any()
    assert masks[0].any() and masks[3].any()
    targets, valid = rec.calls[0]
    assert targets == [0, 3, 4] and valid.tolist() == [True, False, False, True, True]


def test_targets_subset_in_order_and_generator():
    rec = Recorder()
    gen = Box2MaskPredictor(rec).propagate(make_frames(), BOXES, targets=[4, 1, 1], progress=True)
    assert [i for i, _ in gen] == [1, 4]
    assert rec.calls[0][0] == [1, 4]
    with pytest.raises(IndexError, match=r"'clip': target frame\(s\) \[7\] outside 0..4"):
        Box2MaskPredictor(rec).propagate(make_frames(), BOXES, targets=[0, 7], seq_name="clip")


def test_all_targets_absent():
    masks = Box2MaskPredictor(FilledBoxMethod()).predict(make_frames(2), [[np.nan] * 4] * 2)
    assert all(not m.any() for m in masks.values())


def test_bad_inputs_fail_before_any_mask(tmp_path):
    p = Box2MaskPredictor(FilledBoxMethod())
    with pytest.raises(BoxError, match="'vid': 4 boxes for 5 frames"):
        p.propagate(make_frames(), BOXES[:4], seq_name="vid")  # raised at the call, not at the first next()
    with pytest.raises(BoxError, match="'vid': box of frame 1 .* zero or negative"):
        p.predict(make_frames(), [BOXES[0], [1, 1, 0, 3]] + BOXES[2:], seq_name="vid", on_bad_box="error")
    with pytest.raises(FrameReadError, match="'vid': frame 0 not found"):
        p.predict([tmp_path / "nope.jpg"], [BOXES[0]], seq_name="vid")


class Broken:
    name = "broken"

    def __init__(self, skip=False, shape=None):
        self.skip, self.shape = skip, shape

    def predict_video(self, video, boxes, valid, targets):
        for t in targets[:-1] if self.skip else targets:
            yield t, np.zeros(self.shape or video[t].shape[:2], np.uint8)


def test_misbehaving_method_is_reported():
    with pytest.raises(RuntimeError, match="'broken' stopped before frame 4 of sequence 'v'"):
        Box2MaskPredictor(Broken(skip=True)).predict(make_frames(), BOXES, seq_name="v")
    with pytest.raises(RuntimeError, match=r"returned frame 0 with shape \(3, 3\)"):
        Box2MaskPredictor(Broken(shape=(3, 3))).predict(make_frames(), BOXES)
    with pytest.raises(TypeError, match="not a MaskMethod"):
        Box2MaskPredictor(object())
    assert isinstance(Broken(), MaskMethod)
