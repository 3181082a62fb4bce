"""The synthetic generator: seeded, fast, and with the Fig. 1 property (a distractor inside the box sometimes)."""
import time

import numpy as np
import pytest
from PIL import Image

from box2mask.synthetic import make_video, make_videos, write_davis_layout
from ltr.data.image_io import read_image, read_mask


def tight_box(mask):
    ys, xs = np.nonzero(mask)
    return [xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1]


def test_same_seed_same_video_other_seed_other_video():
    a, b, c = make_video(3), make_video(3), make_video(4)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.masks, b.masks)
    assert np.array_equal(a.boxes, b.boxes)
    assert not np.array_equal(a.frames, c.frames)


def test_shapes_types_and_tight_boxes():
    v = make_video(1, size=(120, 90), num_frames=10, num_distractors=2)
    assert v.frames.shape == (10, 90, 120, 3) and v.frames.dtype == np.uint8
    assert v.masks.shape == (10, 90, 120) and set(np.unique(v.masks)) <= {0, 1}
    assert v.distractor_masks.shape == (2, 10, 90, 120)
    for i in range(10):
        assert v.masks[i].any()
        assert list(v.boxes[i]) == tight_box(v.masks[i])
        # distractors are never drawn over the target (it is in front) and do not overlap each other's pixels
        assert not (v.distractor_masks[:, i].astype(bool) & v.masks[i].astype(bool)).any()
        assert (v.distractor_masks[:, i].sum(axis=0) <= 1).all()


@pytest.mark.parametrize("motion", ["linear", "wobble", "random_walk"])
@pytest.mark.parametrize("distractor_motion", ["static", "moving"])
def test_distractor_inside_the_box_in_some_frames_only(motion, distractor_motion):
    hits = 0
    for seed in range(8):
        v = make_video(seed, num_frames=24, motion=motion, distractor_motion=distractor_motion)
        inside = []
        for i in range(len(v)):
            x, y, w, h = v.boxes[i].astype(int)
            inside.append(int(v.distractor_masks[0, i, y:y + h, x:x + w].sum()))
        inside = np.array(inside)
        if (inside >= 20).any() and (inside == 0).any():
            hits += 1
    # Not every random trajectory can guarantee both (a moving distractor may stay near the target),
    # but the large majority must show the ambiguity and its resolution.
    assert hits >= 6


def test_static_distractors_stay_moving_ones_move():
    v = make_video(5, num_distractors=2, distractor_motion="mixed")
    static, moving = v.info["distractor_tops"]
    assert (static == static[0]).all()
    assert np.linalg.norm(moving[-1] - moving[0]) > 5
    # a static distractor's visible pixels always lie in one fixed footprint no larger than its shape
    d = v.distractor_masks[0].astype(bool)
    assert d.any(axis=0).sum() <= d.sum(axis=(1, 2)).max() + v.masks.sum(axis=(1, 2)).max()


def test_target_moves():
    v = make_video(2, motion="linear", travel=0.75)
    assert np.linalg.norm(v.boxes[-1, :2] - v.boxes[0, :2]) > 0.2 * 160


def test_fast_enough_for_training():
    start = time.perf_counter()
    videos = make_videos(50, seed=10, num_frames=16)
    assert time.perf_counter() - start < 10.0
    assert len({v.name for v in videos}) == 50


def test_bad_options():
    with pytest.raises(ValueError, match="motion"):
        make_video(0, motion="teleport")
    with pytest.raises(ValueError, match="distractor_motion"):
        make_video(0, distractor_motion="dance")


def test_write_davis_layout(tmp_path):
    videos = make_videos(2, seed=0, num_frames=5, size=(64, 48), num_distractors=1)
    root = write_davis_layout(tmp_path / "synth", videos)
    names = [v.name for v in videos]
    assert (root / "ImageSets" / "2016" / "val.txt").read_text().split() == names
    assert (root / "sequences.txt").read_text().split() == names
    for v in videos:
        for i in range(5):
            frame = read_image(root / "JPEGImages" / "480p" / v.name / f"{i:05d}.jpg")
            assert frame.shape == (48, 64, 3)
            assert np.abs(frame.astype(int) - v.frames[i]).mean() < 6  # JPEG
            png = root / "Annotations" / "480p" / v.name / f"{i:05d}.png"
            with Image.open(png) as im:
                assert im.mode == "P"
            assert np.array_equal(read_mask(png), v.masks[i])  # object id 1, distractors are background
    assert not list(root.rglob("*.tmp"))
