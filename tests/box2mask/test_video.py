"""Video input and box validation: every bad input gives the documented error naming sequence and frame, or the
documented skip."""
import logging

import numpy as np
import pytest

from box2mask.boxfile import BoxFileError, read_box_file, read_flag_file
from box2mask.video import BoxError, FrameReadError, FrameSizeError, VideoFrames, validate_boxes
from ltr.data.image_io import write_image


def frames(n=4, h=20, w=30):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def write_frames(folder, arrays, ext=".png"):
    paths = []
    for i, a in enumerate(arrays):
        p = folder / f"{i:05d}{ext}"
        write_image(p, a)
        paths.append(p)
    return paths


def test_arrays_list_and_stack():
    arrs = frames()
    v = VideoFrames(arrs, seq_name="s")
    assert len(v) == 4 and v.image_size == (30, 20) and v.frame_name(2) == "00002"
    assert np.array_equal(v[1], arrs[1]) and np.array_equal(v[-1], arrs[3])
    v2 = VideoFrames(np.stack(arrs))
    assert np.array_equal(v2[3], arrs[3])
    with pytest.raises(IndexError, match="'s': frame 4 out of range"):
        v[4]


def test_paths_lazy_lru(tmp_path):
    arrs = frames(6)
    v = VideoFrames(write_frames(tmp_path, arrs), seq_name="lazy", cache_size=2)
    assert not v._cache  # nothing decoded yet
    for i in range(6):
        assert np.array_equal(v[i], arrs[i])  # PNG is lossless
        assert len(v._cache) <= 2
    assert list(v._cache) == [4, 5]
    v[4]
    assert list(v._cache) == [5, 4]  # most recently used last
    assert v.frame_name(3) == "00003" and v.image_size == (30, 20)


def test_from_folder_sorted(tmp_path):
    arrs = frames(3)
    write_frames(tmp_path, arrs, ".jpg")
    (tmp_path / "notes.txt").write_text("not a frame")
    v = VideoFrames.from_folder(tmp_path)
    assert len(v) == 3 and v.name == tmp_path.name
    (tmp_path / "empty").mkdir()
    with pytest.raises(FrameReadError, match="'empty': no image files"):
        VideoFrames.from_folder(tmp_path / "empty")
    with pytest.raises(FrameReadError, match="Frame folder not found"):
        VideoFrames.from_folder(tmp_path / "nope")


def test_missing_frame_named_at_construction(tmp_path):
    paths = write_frames(tmp_path, frames(3))
    paths[1].unlink()
    with pytest.raises(FrameReadError, match=r"Sequence 'cam1': frame 1 not found: .*00001.png"):
        VideoFrames(paths, seq_name="cam1")


def test_unreadable_frame_named_on_access(tmp_path):
    paths = write_frames(tmp_path, frames(3), ".jpg")
    paths[2].write_bytes(b"this is not a jpeg")
    v = VideoFrames(paths, seq_name="cam2")
    v[0]
    with pytest.raises(FrameReadError, match=r"Sequence 'cam2': frame 2: .*00002.jpg"):
        v[2]
    with pytest.raises(FrameReadError, match=r"'cam2': frame 2 cannot be read"):
        v.check_sizes()


def test_frames_of_different_sizes(tmp_path):
    arrs = frames(3)
    arrs[2] = np.zeros((21, 30, 3), np.uint8)
    with pytest.raises(FrameSizeError, match=r"'mix': frame 2 is 30x21 but frame 0 is 30x20"):
        VideoFrames(arrs, seq_name="mix")
    v = VideoFrames(write_frames(tmp_path, arrs), seq_name="mixp")
    with pytest.raises(FrameSizeError, match=r"'mixp': frame 2 \(.*00002.png\) is 30x21"):
        v.check_sizes()
    with pytest.raises(FrameSizeError, match="frame 2"):
        v[2]


def test_bad_array_types():
    with pytest.raises(FrameSizeError, match="frame 1 must be an RGB uint8"):
        VideoFrames([np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.uint8)], seq_name="g")
    with pytest.raises(FrameSizeError, match="frame 0 must be an RGB uint8"):
        VideoFrames([np.zeros((4, 4, 3), np.float32)])
    with pytest.raises(FrameReadError, match="has no frames"):
        VideoFrames([], seq_name="empty")


# ---- validate_boxes -------------------------------------------------------------------------------------------

def test_valid_boxes_pass_unchanged():
    boxes = [[1, 2, 5, 6], [0, 0, 30, 20], [10.5, 3.25, 4, 4]]
    out, valid = validate_boxes(boxes, 3, (30, 20), seq_name="ok")
    assert out.dtype == np.float64 and out.shape == (3, 4)
    assert np.array_equal(out, np.array(boxes, float)) and valid.all()


def test_box_count_must_match():
    with pytest.raises(BoxError, match=r"Sequence 'short': 2 boxes for 3 frames \(fewer boxes than frames"):
        validate_boxes([[0, 0, 1, 1]] * 2, 3, (30, 20), seq_name="short")
    with pytest.raises(BoxError, match=r"'long': 4 boxes for 3 frames \(more"):
        validate_boxes([[0, 0, 1, 1]] * 4, 3, (30, 20), seq_name="long")
    with pytest.raises(BoxError, match=r"'cols': boxes must be N rows of \[x, y, w, h\]"):
        validate_boxes([[0, 0, 1]] * 3, 3, (30, 20), seq_name="cols")
    with pytest.raises(BoxError, match="'flags': 2 absent flags for 3 frames"):
        validate_boxes([[0, 0, 1, 1]] * 3, 3, (30, 20), absent=[0, 1], seq_name="flags")


@pytest.mark.parametrize("bad, reason", [
    ([np.nan, 2, 5, 5], "NaN/infinite"),
    ([1, 2, np.inf, 5], "NaN/infinite"),
    ([1, 2, 0, 5], "zero or negative"),
    ([1, 2, 5, -3], "zero or negative"),
    ([40, 2, 5, 5], "completely outside the 30x20 image"),
    ([-10, -10, 5, 5], "completely outside"),
])
def test_bad_box_skip_or_error(bad, reason, caplog):
    boxes = [[1, 1, 5, 5], bad, [2, 2, 5, 5]]
    with caplog.at_level(logging.WARNING, logger="box2mask.video"):
        out, valid = validate_boxes(boxes, 3, (30, 20), seq_name="seqA")
    assert valid.tolist() == [True, False, True]
    assert "seqA" in caplog.text and "frame 1" in caplog.text and reason.split()[0] in caplog.text
    with pytest.raises(BoxError, match=rf"Sequence 'seqA': box of frame 1 .* {reason}"):
        validate_boxes(boxes, 3, (30, 20), seq_name="seqA", on_bad_box="error")


def test_partly_outside_is_clipped_silently(caplog):
    with caplog.at_level(logging.WARNING):
        out, valid = validate_boxes([[-5, 15, 10, 10], [25, -2, 10, 4]], 2, (30, 20))
    assert valid.all() and not caplog.text
    assert out[0].tolist() == [0, 15, 5, 5]
    assert out[1].tolist() == [25, 0, 5, 2]


def test_absent_flags_win_and_keep_values():
    boxes = [[1, 1, 5, 5], [np.nan] * 4, [2, 2, 5, 5]]
    out, valid = validate_boxes(boxes, 3, (30, 20), absent=[False, True, True], on_bad_box="error")
    assert valid.tolist() == [True, False, False]  # no error: flagged frames are not checked
    assert np.isnan(out[1]).all() and out[2].tolist() == [2, 2, 5, 5]


def test_bad_mode_and_non_numeric():
    with pytest.raises(ValueError, match="on_bad_box"):
        validate_boxes([[0, 0, 1, 1]], 1, (4, 4), on_bad_box="ignore")
    with pytest.raises(BoxError, match="not numeric"):
        validate_boxes([["a", 0, 1, 1]], 1, (4, 4))


# ---- box files ------------------------------------------------------------------------------------------------

def test_read_box_file_formats(tmp_path):
    p = tmp_path / "gt.txt"
    p.write_text("1,2,3,4\n5 6 7 8\nnan\nNaN,NaN,NaN,NaN\n9\t10\t11\t12\n\n")
    boxes, absent = read_box_file(p)
    assert boxes.shape == (5, 4)
    assert absent.tolist() == [False, False, True, True, False]
    assert boxes[4].tolist() == [9, 10, 11, 12]


def test_read_box_file_errors(tmp_path):
    p = tmp_path / "gt.txt"
    p.write_text("1,2,3,4\n1,2,3\n")
    with pytest.raises(BoxFileError, match=r"gt.txt, line 2: expected 4 values"):
        read_box_file(p)
    p.write_text("1,2,3,4\nx,2,3,4\n")
    with pytest.raises(BoxFileError, match="line 2: not numbers"):
        read_box_file(p)
    with pytest.raises(FileNotFoundError, match="Missing box file: .*none.txt"):
        read_box_file(tmp_path / "none.txt")


def test_read_flag_file(tmp_path):
    p = tmp_path / "absent.label"
    p.write_text("0\n1\ntrue\n0\n")
    assert read_flag_file(p, expected=4).tolist() == [False, True, True, False]
    with pytest.raises(BoxFileError, match="4 flags for 5 frames"):
        read_flag_file(p, expected=5)
    p.write_text("0\nmaybe\n")
    with pytest.raises(BoxFileError, match="line 2: expected 0/1"):
        read_flag_file(p)
