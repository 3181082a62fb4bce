"""The synthetic generator: seeded, fast, and with the Fig. 1 property (a distractor inside the box sometimes)."""
import time

import numpy as np
import pytest
from PIL import Image

from box2mask.synthetic import (SyntheticVideo, box_twins, make_ambiguous_video, make_video, make_videos,
                                write_davis_layout)
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


def test_original_generator_output_is_unchanged():
    """Workspaces and reports of the original benchmark identify their data by a digest of the generated arrays:
    adding the 'ambiguous' generator must not change what make_video draws for a seed (digest of the output before
    make_ambiguous_video existed)."""
    import hashlib
    v = make_video(7, size=(96, 72), num_frames=6, num_distractors=2, distractor_motion="mixed", motion="wobble")
    digest = hashlib.sha256()
    for array in (v.frames, v.masks, v.distractor_masks):
        digest.update(array.tobytes())
    assert digest.hexdigest() == "f8547e71d9b7f561de542238c3e8b5bf633c15ca9b0eb45535019dd8195374f3"


def in_box(mask, box):
    x, y, w, h = np.asarray(box).astype(int)
    return int(mask[y:y + h, x:x + w].sum())


@pytest.mark.parametrize("motion", ["linear", "wobble", "random_walk"])
def test_ambiguous_generator_single_frames_are_ambiguous_by_construction(motion):
    """In every frame the target is visible with its tight box; each distractor lies exactly on the box (touching all
    four sides, inside it) in some frames -- a twin no single frame can tell from the target -- and is outside the
    box in others, so the set of objects in the box changes over the video and only the target stays in every frame."""
    for seed in range(4):
        v = make_ambiguous_video(seed, size=(120, 90), num_frames=24, num_distractors=2, motion=motion)
        twins = box_twins(v)
        assert v.distractor_masks.shape == (2, 24, 90, 120)
        in_box_sets = set()
        for i in range(len(v)):
            assert v.masks[i].any() and list(v.boxes[i]) == tight_box(v.masks[i])
            assert not (v.distractor_masks[:, i].astype(bool) & v.masks[i].astype(bool)).any()
            present = frozenset(k for k in range(2) if in_box(v.distractor_masks[k, i], v.boxes[i]) > 0)
            in_box_sets.add(present)
            for k in twins[i]:  # a twin: inside the box and spanning it, like the target (to 1 px)
                d = v.distractor_masks[k, i].astype(bool)
                assert in_box(d, v.boxes[i] + np.array([-1, -1, 2, 2])) >= 0.98 * d.sum()
                assert np.abs(np.array(tight_box(d)) - v.boxes[i]).max() <= 2  # each side within 1 px
        assert len(in_box_sets) >= 2  # the objects in the box change
        for k in range(2):
            frames_twin = [i for i in range(len(v)) if k in twins[i]]
            frames_out = [i for i in range(len(v)) if in_box(v.distractor_masks[k, i], v.boxes[i]) == 0]
            assert len(frames_twin) >= 2 and len(frames_out) >= 2, (seed, k, frames_twin, frames_out)


def test_ambiguous_generator_has_no_single_frame_cue_in_its_bookkeeping():
    """Which object is the target, and whether it is in front of its twin, vary from video to video; twins cover
    about as much of the box as the target."""
    targets, target_in_front_of_twin, ratios = set(), set(), []
    for seed in range(16):
        v = make_ambiguous_video(seed, size=(120, 90), num_frames=24, num_distractors=2)
        targets.add(v.info["target"])
        order = v.info["depth_order"]
        others = [k for k in range(3) if k != v.info["target"]]
        for i, twins in enumerate(box_twins(v)):
            for k in twins:
                target_in_front_of_twin.add(order.index(v.info["target"]) > order.index(others[k]))
                ratios.append(v.distractor_masks[k, i].sum() / v.masks[i].sum())
    assert targets == {0, 1, 2}
    assert target_in_front_of_twin == {True, False}
    assert 0.7 < float(np.median(ratios)) < 1.4


def test_ambiguous_generator_is_seeded_and_selectable():
    a, b = make_ambiguous_video(3, num_frames=20, num_distractors=2), make_ambiguous_video(3, num_frames=20,
                                                                                           num_distractors=2)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.masks, b.masks)
    videos = make_videos(2, seed=3, generator="ambiguous", num_frames=20, num_distractors=2)
    assert np.array_equal(videos[0].frames, a.frames) and videos[0].info["generator"] == "ambiguous"
    with pytest.raises(ValueError, match="generator"):
        make_videos(1, generator="nope")
    with pytest.raises(ValueError, match="too few"):
        make_ambiguous_video(0, num_frames=10, num_distractors=3)


def test_box_twins_by_hand():
    """A 10x10 target box (a Γ along its top and left sides): a distractor along the bottom and right sides that
    reaches within 1 px of the other two is a twin; one that stops 2 px short, or sticks out of the box, is not."""
    n, h, w = 4, 30, 30
    masks = np.zeros((n, h, w), np.uint8)
    masks[:, 10, 10:20] = 1
    masks[:, 10:20, 10] = 1                      # box x 10..19, y 10..19; 19 px
    d = np.zeros((1, n, h, w), np.uint8)
    d[0, 0, 19, 11:20] = 1
    d[0, 0, 11:20, 19] = 1                       # frame 0: reaches x = 11 and y = 11: a twin
    d[0, 1, 19, 12:20] = 1
    d[0, 1, 11:20, 19] = 1                       # frame 1: stops at x = 12, 2 px short of the left side
    d[0, 2, 19, 11:22] = 1
    d[0, 2, 11:20, 21] = 1                       # frame 2: its right side at x = 21, 2 px out of the box
    d[0, 3, 19, 11:15] = 1                       # frame 3: a short bar, 4 px (< 25 % of the target's area)
    boxes = np.array([[10, 10, 10, 10]] * n, dtype=float)
    video = SyntheticVideo("hand", np.zeros((n, h, w, 3), np.uint8), masks, boxes, d)
    assert box_twins(video) == [[0], [], [], []]
    assert box_twins(video, tolerance=2) == [[0], [0], [0], []]
    assert box_twins(video, tolerance=0) == [[], [], [], []]
