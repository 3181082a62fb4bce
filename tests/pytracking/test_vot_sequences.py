"""VOT sequence folders written by pytracking.vot_integration.sequences, read back with vot-toolkit's own loader."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("vot")

from vot.dataset import load_dataset  # noqa: E402
from vot.experiment.multistart import find_anchors  # noqa: E402
from vot.region.shapes import Mask, Rectangle  # noqa: E402

from ltr.data.image_io import read_image, read_mask  # noqa: E402
from pytracking.vot_integration.sequences import (SequenceWriteError, convert_folder, default_anchors,  # noqa: E402
                                                  main, write_sequence)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def _toolkit_mask(region, width, height):
    """Full-size mask of a toolkit region (Mask with offset)."""
    assert isinstance(region, Mask)
    out = np.zeros((height, width), np.uint8)
    m, (x0, y0) = region.mask, region.offset
    out[y0:y0 + m.shape[0], x0:x0 + m.shape[1]] = m
    return out


def _frames_and_masks(n=6, w=40, h=30):
    yy, xx = np.mgrid[0:h, 0:w]
    frames = [np.stack([(xx * 5 + 10 * t) % 256, yy * 7 % 256, np.full_like(xx, 128)], -1).astype(np.uint8)
              for t in range(n)]  # smooth content: JPEG stays close to the input
    masks = []
    for t in range(n):
        m = np.zeros((h, w), np.uint8)
        m[5 + t:12 + t, 3 + 2 * t:15 + 2 * t] = 1
        m[20, 30 - t] = 1
        masks.append(m)
    return frames, masks


def test_default_anchors_hand_cases():
    assert default_anchors([True] * 15, 7) == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, -1]
    # slot 0 starts invisible -> anchor moves to frame 2; slot 5..9 never visible -> no anchor
    vis = [False, False, True, True, True, False, False, False, False, False, True, True]
    assert default_anchors(vis, 5) == [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, -1, 0]
    with pytest.raises(SequenceWriteError, match="never visible"):
        default_anchors([False] * 4, 2)


def test_masks_roundtrip_through_the_toolkit_loader(tmp_path):
    frames, masks = _frames_and_masks()
    write_sequence(tmp_path, "seqA", frames, masks=masks, anchor_spacing=3, fps=25)
    ds = load_dataset(str(tmp_path))
    seq = ds["seqA"]
    assert len(seq) == 6 and (seq.width, seq.height) == (40, 30) and seq.metadata("fps") == 25
    for i in range(6):
        np.testing.assert_array_equal(_toolkit_mask(seq.groundtruth(i), 40, 30), masks[i])
        # JPEG frames decode to nearly the input (quality 95)
        assert np.abs(read_image(seq.frame(i).filename()).astype(int) - frames[i]).mean() < 4
    assert find_anchors(seq, "anchor") == ([0], [3])  # frame 3 of 6: 4 frames backward > 3 forward
    assert (tmp_path / "list.txt").read_text() == "seqA\n"


def test_boxes_list_merge_and_resume(tmp_path):
    frames, _ = _frames_and_masks(4)
    boxes = [[1.5, 2.25, 10, 8], [2, 3, 10, 8], [3, 4, 10.125, 8], [4, 5, 10, 8]]
    write_sequence(tmp_path, "b1", frames, boxes=boxes, anchor_spacing=2)
    write_sequence(tmp_path, "b2", frames, boxes=boxes, anchors=[1, 0, 0, -1])
    assert (tmp_path / "list.txt").read_text() == "b1\nb2\n"
    seq = load_dataset(str(tmp_path))["b1"]
    r = seq.groundtruth(2)
    assert isinstance(r, Rectangle) and (r.x, r.y, r.width, r.height) == (3, 4, 10.125, 8)
    assert find_anchors(load_dataset(str(tmp_path))["b2"], "anchor") == ([0], [3])
    # an existing folder is complete by construction: it is kept (resume), list.txt unchanged
    stamp = (tmp_path / "b1" / "groundtruth.txt").stat().st_mtime_ns
    write_sequence(tmp_path, "b1", frames, boxes=[[0, 0, 1, 1]] * 4)
    assert (tmp_path / "b1" / "groundtruth.txt").stat().st_mtime_ns == stamp
    write_sequence(tmp_path, "b1", frames, boxes=[[0, 0, 1, 1]] * 4, overwrite=True)
    assert (tmp_path / "b1" / "groundtruth.txt").read_text().splitlines()[0] == "0,0,1,1"
    assert (tmp_path / "list.txt").read_text() == "b1\nb2\n"


@pytest.mark.parametrize("kwargs,match", [
    (dict(boxes=[[0, 0, 1, 1]] * 3), "4 frames but 3"),
    (dict(masks=[np.zeros((5, 5), np.uint8)] * 4), "mask shape"),
    (dict(), "exactly one"),
    (dict(boxes=[[0, 0, 1, 1]] * 4, anchors=[1, 0]), "anchor values"),
])
def test_bad_inputs_raise_and_leave_nothing(tmp_path, kwargs, match):
    frames, _ = _frames_and_masks(4)
    with pytest.raises(SequenceWriteError, match=match):
        write_sequence(tmp_path, "bad", frames, **kwargs)
    assert not (tmp_path / "bad").exists()
    assert not any(p.name.startswith(".bad") for p in tmp_path.iterdir())


def test_frame_size_mismatch_names_the_frame(tmp_path):
    frames, masks = _frames_and_masks(3)
    frames[2] = frames[2][:20]
    with pytest.raises(SequenceWriteError, match="frame 2"):
        write_sequence(tmp_path, "s", frames, masks=masks)
    assert list(tmp_path.iterdir()) == []


def test_convert_folder_davis_style_palette_masks(tmp_path):
    frames, masks = _frames_and_masks(11)
    src = tmp_path / "src"
    (src / "JPEGImages").mkdir(parents=True)
    (src / "Annotations").mkdir()
    for i, (f, m) in enumerate(zip(frames, masks)):
        Image.fromarray(f).save(src / "JPEGImages" / f"{i:05d}.png")       # PNG frames -> re-encoded as JPEG
        labels = m * 2                                                      # target = label 2
        labels[0, :4] = 1                                                   # another object, label 1
        im = Image.fromarray(labels, mode="L").convert("P")
        im.save(src / "Annotations" / f"{i:05d}.png")
    out = tmp_path / "vot"
    rc = main([str(out), str(src / "JPEGImages"), "--masks", str(src / "Annotations"), "--name", "dav",
               "--object-id", "2", "--anchor-spacing", "5"])
    assert rc == 0
    seq = load_dataset(str(out))["dav"]
    assert len(seq) == 11
    for i in (0, 4, 10):
        np.testing.assert_array_equal(_toolkit_mask(seq.groundtruth(i), 40, 30), masks[i])
    assert find_anchors(seq, "anchor") == ([0, 5], [10])
    (src / "Annotations" / "00004.png").unlink()
    with pytest.raises(SequenceWriteError, match="00004"):
        convert_folder(out, src / "JPEGImages", masks_dir=src / "Annotations", name="dav2")


def test_real_davis_frames_copied_bytewise(tmp_path):
    root = SHARED / "data" / "davis2016-dev"
    if not root.exists():
        pytest.skip(f"shared DAVIS data not available: {root}")
    jpg_dirs = sorted(p for p in root.rglob("*") if p.is_dir() and any(p.glob("*.jpg")))
    if not jpg_dirs:
        pytest.skip("no DAVIS frame folder found")
    frame_dir = jpg_dirs[0]
    ann_dir = next((p for p in root.rglob(frame_dir.name) if p.is_dir() and any(p.glob("*.png"))), None)
    if ann_dir is None:
        pytest.skip("no DAVIS annotation folder found")
    frames = sorted(frame_dir.glob("*.jpg"))[:4]
    masks = [read_mask(ann_dir / (f.stem + ".png")) > 0 for f in frames]
    write_sequence(tmp_path, "davis", frames, masks=[m.astype(np.uint8) for m in masks])
    seq = load_dataset(str(tmp_path))["davis"]
    assert (tmp_path / "davis" / "color" / "00000001.jpg").read_bytes() == frames[0].read_bytes()
    h, w = masks[0].shape
    assert (seq.width, seq.height) == (w, h)
    np.testing.assert_array_equal(_toolkit_mask(seq.groundtruth(3), w, h), masks[3])
