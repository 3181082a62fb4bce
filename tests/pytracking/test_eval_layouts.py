"""ltr.dataset.layouts: every official layout on tiny fixtures, bad-input errors, the VOT mask codec."""
from pathlib import Path

import numpy as np
import pytest

from evalkit_fixtures import (make_davis, make_got10k, make_lasot, make_otb, make_trackingnet, make_vot, make_ytvos,
                              moving_boxes, write_jpg, frame_with_box)
from ltr.dataset.layouts import (AnnotationError, DavisLayout, Got10kLayout, LasotLayout, MissingFileError, OtbLayout,
                                 TrackingNetLayout, VotLayout, VotMask, YouTubeVosLayout, decode_vot_mask,
                                 encode_vot_mask, parse_vot_region, read_boxes, rle_decode, rle_encode,
                                 list_frames, vot_region_bbox)

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


# ----------------------------------------------------------------------------------------------------- GOT-10k
def test_got10k_val_flags_and_absent_frames(tmp_path):
    boxes = moving_boxes(5)
    make_got10k(tmp_path, "val", {"GOT-10k_Val_000001": boxes}, absence={"GOT-10k_Val_000001": [0, 0, 1, 0, 0]},
                cover={"GOT-10k_Val_000001": [8, 5, 0, 3, 8]})
    lay = Got10kLayout(tmp_path, "val")
    assert lay.sequence_names() == ["GOT-10k_Val_000001"]
    seq = lay.sequence("GOT-10k_Val_000001")
    assert [p.name for p in seq.frames] == [f"{i:08d}.jpg" for i in range(1, 6)]
    np.testing.assert_allclose(seq.boxes, boxes)
    assert seq.visible.tolist() == [True, True, False, True, True]
    assert seq.flags["cover"].tolist() == [8, 5, 0, 3, 8]
    assert seq.meta["resolution"] == "(64, 48)" and seq.meta["url"] == "https://example.org/GOT-10k_Val_000001"


def test_got10k_test_has_first_box_only(tmp_path):
    make_got10k(tmp_path, "test", {"GOT-10k_Test_000001": moving_boxes(4)})
    seq = Got10kLayout(tmp_path, "test").sequence("GOT-10k_Test_000001")
    assert seq.boxes.shape == (4, 4)
    np.testing.assert_allclose(seq.boxes[0], moving_boxes(1)[0])
    assert np.isnan(seq.boxes[1:]).all() and seq.visible is None


def test_got10k_errors_name_the_file(tmp_path):
    make_got10k(tmp_path, "val", {"a": moving_boxes(3)})
    (tmp_path / "val" / "a" / "groundtruth.txt").write_text("1,2,3,4\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=r"a/groundtruth.txt has 2 boxes but the sequence has 3 frames"):
        Got10kLayout(tmp_path, "val").sequence("a")
    (tmp_path / "val" / "a" / "groundtruth.txt").write_text("1,2,3,4\n1,2,x,4\n1,2,3,4\n")
    with pytest.raises(AnnotationError, match=r"groundtruth.txt, line 2"):
        Got10kLayout(tmp_path, "val").sequence("a")
    (tmp_path / "val" / "a" / "groundtruth.txt").write_text("1,2,3,4\n" * 3)
    (tmp_path / "val" / "a" / "cover.label").unlink()
    with pytest.raises(MissingFileError, match=r"a/cover.label"):
        Got10kLayout(tmp_path, "val").sequence("a")
    with pytest.raises(MissingFileError, match=r"GOT-10k test folder: .*/test$"):
        Got10kLayout(tmp_path, "test").sequence_names()
    (tmp_path / "test").mkdir()
    with pytest.raises(MissingFileError, match=r"test/list.txt"):
        Got10kLayout(tmp_path, "test").sequence_names()


# ----------------------------------------------------------------------------------------------------- TrackingNet
def test_trackingnet_numeric_frame_order(tmp_path):
    boxes = moving_boxes(12, step=(3, 2))
    make_trackingnet(tmp_path, "TRAIN_0", {"seqA": boxes})
    make_trackingnet(tmp_path, "TEST", {"seqT": boxes[:11]})
    seq = TrackingNetLayout(tmp_path, "TRAIN_0").sequence("seqA")
    assert [p.name for p in seq.frames] == [f"{i}.jpg" for i in range(12)]  # 10.jpg after 9.jpg
    np.testing.assert_allclose(seq.boxes, boxes)
    both = TrackingNetLayout(tmp_path, ["TRAIN_0", "TEST"])
    assert both.sequence_names() == ["seqA", "seqT"]
    t = both.sequence("seqT")
    assert t.meta["split"] == "TEST" and len(t) == 11 and np.isnan(t.boxes[1:]).all()
    with pytest.raises(ValueError, match="TRAIN_99"):
        TrackingNetLayout(tmp_path, "TRAIN_99")


def test_list_frames_text_names_and_mixed_types(tmp_path):
    for n in ["b.jpg", "a.jpg", "c.jpg", "skip.txt"]:
        (tmp_path / n).write_bytes(b"x")
    assert [p.name for p in list_frames(tmp_path)] == ["a.jpg", "b.jpg", "c.jpg"]
    (tmp_path / "d.png").write_bytes(b"x")
    with pytest.raises(AnnotationError, match=r"mixes image types \(3 .jpg, 1 .png; not .jpg: d.png\)"):
        list_frames(tmp_path)
    with pytest.raises(MissingFileError, match="nothere"):
        list_frames(tmp_path / "nothere")


# ----------------------------------------------------------------------------------------------------- LaSOT
def test_lasot_split_and_visibility(tmp_path):
    make_lasot(tmp_path, {"cat-1": moving_boxes(4), "cat-2": moving_boxes(3), "dog-3": moving_boxes(3)},
               test=["cat-2", "dog-3"], occlusion={"cat-2": [0, 1, 0]})
    lay = LasotLayout(tmp_path, "test")
    assert lay.sequence_names() == ["cat-2", "dog-3"]
    seq = lay.sequence("cat-2")
    assert seq.visible.tolist() == [True, False, True] and seq.meta["class"] == "cat"
    assert LasotLayout(tmp_path, "all").sequence_names() == ["cat-1", "cat-2", "dog-3"]
    with pytest.raises(MissingFileError, match="training_set.txt"):
        LasotLayout(tmp_path, "train").sequence_names()
    (tmp_path / "cat" / "cat-2" / "out_of_view.txt").write_text("0,0")
    with pytest.raises(AnnotationError, match="out_of_view.txt has 2 values"):
        lay.sequence("cat-2")


# ----------------------------------------------------------------------------------------------------- OTB
@pytest.mark.parametrize("sep", [",", "\t", " "])
def test_otb_delimiters_and_zero_based(tmp_path, sep):
    boxes = moving_boxes(3)
    make_otb(tmp_path, {"Walker": boxes}, sep=sep)
    seq = OtbLayout(tmp_path).sequence("Walker")
    np.testing.assert_allclose(seq.boxes, boxes)  # written 1-based, read 0-based


def test_otb_two_targets_and_frame_range(tmp_path):
    boxes = moving_boxes(3)
    make_otb(tmp_path, {"Jogging": boxes})
    gt = tmp_path / "Jogging" / "groundtruth_rect.txt"
    gt.rename(tmp_path / "Jogging" / "groundtruth_rect.1.txt")
    (tmp_path / "Jogging" / "groundtruth_rect.2.txt").write_text("1,1,5,5\n2,2,5,5\n3,3,5,5\n")
    # 'Football1' annotates images 1..74 only: 75 images + 74 boxes is consistent.
    for i in range(1, 76):
        write_jpg(tmp_path / "Football1" / "img" / f"{i:04d}.jpg", frame_with_box(None, 8, 8))
    (tmp_path / "Football1" / "groundtruth_rect.txt").write_text("1,1,2,2\n" * 74)
    lay = OtbLayout(tmp_path)
    assert lay.sequence_names() == ["Football1", "Jogging_1", "Jogging_2"]
    np.testing.assert_allclose(lay.sequence("Jogging_2").boxes[1], [1, 1, 5, 5])
    fb = lay.sequence("Football1")
    assert len(fb) == 74 and fb.frames[-1].name == "0074.jpg"
    (tmp_path / "Jogging" / "groundtruth_rect.2.txt").write_text("1,1,5,5\n")
    with pytest.raises(AnnotationError, match=r"groundtruth_rect.2.txt has 1 boxes but .* has 3 frames"):
        lay.sequence("Jogging_2")


def test_otb_real_crossing_sequence(tmp_path):
    src = SHARED / "data" / "otb-crossing"
    if not (src / "groundtruth_rect.txt").is_file():
        pytest.skip("shared OTB sequence not available")
    (tmp_path / "Crossing").symlink_to(src.resolve(), target_is_directory=True)
    seq = OtbLayout(tmp_path).sequence("Crossing")
    assert len(seq) == 120 and seq.frames[0].name == "0001.jpg" and seq.frames[-1].name == "0120.jpg"
    first = (src / "groundtruth_rect.txt").read_text().splitlines()[0]
    x, y, w, h = [float(v) for v in first.replace("\t", ",").split(",")]
    np.testing.assert_allclose(seq.boxes[0], [x - 1, y - 1, w, h])


# ----------------------------------------------------------------------------------------------------- VOT
def test_vot_folder_rect_polygon_mask_and_legacy(tmp_path):
    mask = np.zeros((6, 7), np.uint8)
    mask[2:5, 3:6] = 1
    lines_a = ["10,8,12,10", "1,2,11,2,11,9,1,9", encode_vot_mask(mask), "nan,nan,nan,nan"]
    make_vot(tmp_path, {"a": lines_a, "b": ["1,2,3,4", "2,3,4,5"]}, legacy=["b"])
    (tmp_path / "a" / "occlusion.tag").write_text("0\n1\n")  # shorter: zero-padded (toolkit rule)
    (tmp_path / "a" / "anchor.value").write_text("1\n0\n0\n-1\n")
    lay = VotLayout(tmp_path)
    seq = lay.sequence("a")
    assert [p.parent.name for p in seq.frames] == ["color"] * 4
    np.testing.assert_allclose(seq.boxes[0], [10, 8, 12, 10])
    np.testing.assert_allclose(seq.boxes[1], [1, 2, 10, 7])
    np.testing.assert_allclose(seq.boxes[2], [3, 2, 3, 3])
    assert np.isnan(seq.boxes[3]).all() and seq.regions[3] is None
    np.testing.assert_array_equal(seq.regions[2].to_full(7, 6), mask)
    assert seq.flags["occlusion"].tolist() == [0, 1, 0, 0] and seq.flags["anchor"].tolist() == [1, 0, 0, -1]
    legacy = lay.sequence("b")
    assert legacy.frames[0].parent.name == "b" and len(legacy) == 2
    (tmp_path / "a" / "groundtruth.txt").write_text("\n".join(lines_a[:3]) + "\n")
    with pytest.raises(AnnotationError, match="groundtruth.txt has 3 regions but the sequence has 4 frames"):
        lay.sequence("a")
    (tmp_path / "a" / "groundtruth.txt").write_text("1,2,3\n" * 4)
    with pytest.raises(AnnotationError, match=r"groundtruth.txt, line 1"):
        lay.sequence("a")


def test_vot_mask_string_by_hand():
    # 3x2 crop at (4, 5): rows [0 1 1] [1 0 0] -> runs: 1 zero, 3 ones, 2 zeros
    m = np.zeros((8, 10), np.uint8)
    m[5, 5:7] = 1
    m[6, 4] = 1
    assert encode_vot_mask(m) == "m4,5,3,2,1,3,2"
    dec = decode_vot_mask("m4,5,3,2,1,3,2")
    assert dec.offset == (4, 5)
    np.testing.assert_array_equal(dec.to_full(10, 8), m)
    assert encode_vot_mask(np.zeros((4, 4))) == "m0,0,0,0,0"
    assert rle_encode(np.array([1, 1, 0])) == [0, 2, 1]
    np.testing.assert_array_equal(rle_decode([0, 2, 1], 3, 1), [[1, 1, 0]])
    np.testing.assert_array_equal(rle_decode([1, 1], 2, 2), [[0, 1], [0, 0]])  # uncovered tail = 0
    with pytest.raises(ValueError, match="sum to 5"):
        rle_decode([2, 3], 2, 2)
    # a mask in column 0 only is encoded (the toolkit's optimiser would drop it)
    col0 = np.zeros((3, 3), np.uint8)
    col0[1, 0] = 1
    assert encode_vot_mask(col0) == "m0,1,1,1,0,1"


def test_vot_mask_encoder_matches_vot_toolkit():
    vot_shapes = pytest.importorskip("vot.region.shapes")
    vot_io = pytest.importorskip("vot.region.io")
    rng = np.random.default_rng(0)
    for trial in range(30):
        h, w = rng.integers(5, 40, size=2)
        m = (rng.random((h, w)) > rng.uniform(0.2, 0.9)).astype(np.uint8)
        if trial % 3 == 0:
            m[:, :] = 0
            y, x = rng.integers(0, h - 2), rng.integers(1, w - 2)
            m[y:y + 2, x:x + 2] = 1
        if m[:, 1:].sum() == 0:
            continue  # the toolkit's column-0 quirk
        ours = encode_vot_mask(m)
        assert ours == str(vot_shapes.Mask(m, optimize=True)), trial
        theirs = vot_io.parse_region(ours)
        full = VotMask(theirs.mask, theirs.offset).to_full(w, h)
        np.testing.assert_array_equal(decode_vot_mask(ours).to_full(w, h), full)
        np.testing.assert_array_equal(full, m)


def test_parse_vot_region_kinds():
    assert parse_vot_region("0") is None
    np.testing.assert_allclose(vot_region_bbox(parse_vot_region("1.5,2,3,4")), [1.5, 2, 3, 4])
    poly = parse_vot_region("0,0,4,0,4,3,0,3")
    assert poly.shape == (4, 2)
    np.testing.assert_allclose(vot_region_bbox(poly), [0, 0, 4, 3])


# ----------------------------------------------------------------------------------------------------- DAVIS / YT-VOS
def test_davis_layout(tmp_path):
    frames = [{1: (2, 2, 5, 5), 2: (20, 10, 6, 6)}, {1: (3, 2, 5, 5), 2: (21, 10, 6, 6)}, {1: (4, 2, 5, 5)}]
    make_davis(tmp_path, {"dogs": frames, "cat": frames[:2]})
    lay = DavisLayout(tmp_path, "2017", "val")
    assert lay.sequence_names() == ["dogs", "cat"]
    seq = lay.sequence("dogs")
    assert seq.frame_names() == ["00000", "00001", "00002"] and sorted(seq.annotations) == [0, 1, 2]
    assert seq.object_ids is None
    with pytest.raises(MissingFileError, match=r"ImageSets/2016/val.txt"):
        DavisLayout(tmp_path, "2016", "val").sequence_names()
    (tmp_path / "ImageSets" / "2016").mkdir()
    (tmp_path / "ImageSets" / "2016" / "val.txt").write_text(
        "/JPEGImages/480p/cat/00000.jpg /Annotations/480p/cat/00000.png\n"
        "/JPEGImages/480p/cat/00001.jpg /Annotations/480p/cat/00001.png\n")
    assert DavisLayout(tmp_path, "2016", "val").sequence_names() == ["cat"]
    (tmp_path / "Annotations" / "480p" / "cat" / "00007.png").write_bytes(b"")
    with pytest.raises(AnnotationError, match="00007.png has no matching frame"):
        lay.sequence("cat")


def test_youtubevos_layout_objects_appearing_later(tmp_path):
    frames = [{1: (2, 2, 5, 5)}, {1: (3, 2, 5, 5), 2: (20, 10, 6, 6)}, {1: (4, 2, 5, 5), 2: (21, 10, 6, 6)}]
    make_ytvos(tmp_path, {"vid1": frames})
    seq = YouTubeVosLayout(tmp_path, "valid").sequence("vid1")
    assert seq.frame_names() == ["00000", "00005", "00010"]
    assert seq.object_ids == [1, 2] and seq.first_frames == {1: 0, 2: 1}
    assert sorted(seq.annotations) == [0, 1] and seq.categories[2] == "thing"
    (tmp_path / "valid" / "Annotations" / "vid1" / "00005.png").unlink()
    with pytest.raises(MissingFileError, match=r"vid1/00005.png"):
        YouTubeVosLayout(tmp_path, "valid").sequence("vid1")
    (tmp_path / "valid" / "meta.json").write_text("{not json")
    with pytest.raises(AnnotationError, match="meta.json"):
        YouTubeVosLayout(tmp_path, "valid").sequence_names()


def test_read_boxes_nan_and_first_only(tmp_path):
    p = tmp_path / "gt.txt"
    p.write_text("1,2,3,4\nnan,nan,nan,nan\n")
    b = read_boxes(p, 2)
    assert np.isnan(b[1]).all()
    with pytest.raises(AnnotationError, match="expected only the first-frame box"):
        read_boxes(p, 2, first_only=True)
    p.write_text("")
    with pytest.raises(AnnotationError, match="Empty"):
        read_boxes(p)
