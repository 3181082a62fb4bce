"""Multi-object VOS training datasets (YouTube-VOS 2019 train, DAVIS) on tiny fixtures in the official layouts."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from PIL import Image

import ltr.dataset.davis as davis_module
import ltr.dataset.vos_dataset as vos_module
from ltr.data.image_io import ImageReadError, write_indexed_png
from ltr.dataset import Davis, MissingSequencesError, YouTubeVOS
from ltr.dataset.layouts import AnnotationError, MissingFileError, YouTubeVosLayout
from ltr.dataset.splits import data_spec_path
from tests.conftest import shared_path
from tests.ltr.dataset_fixtures import labels, make_davis, make_ytvos_train


def _first(filename):
    return data_spec_path(filename).read_text().split()


YT300, WEAK_A, WEAK_B = (_first(f"youtubevos2019_{s}.txt") for s in ("yt300", "weak_a", "weak_b"))
V1, V2, V3 = YT300[0], WEAK_A[0], WEAK_B[0]

# V1: object 1 everywhere; object 2 absent in the third annotated frame and partly covering object 1 in the last
V1_FRAMES = [{1: (2, 3, 8, 6), 2: (20, 10, 5, 5)}, {1: (4, 4, 8, 6), 2: (22, 12, 5, 5)},
             {1: (6, 5, 8, 6), 2: None}, {1: (2, 3, 8, 6), 2: (6, 3, 8, 6)}]
V2_FRAMES = [{1: (1, 1, 4, 4), 3: None}, {1: (2, 2, 4, 4), 3: None}, {1: (3, 3, 4, 4), 3: None}]
V3_FRAMES = [{1: (5, 5, 10, 10)}, {1: (6, 6, 10, 10)}]


@pytest.fixture
def yt_root(tmp_path):
    return make_ytvos_train(tmp_path / "ytvos", {V1: V1_FRAMES, V2: V2_FRAMES, V3: V3_FRAMES},
                            categories={1: "person", 2: "dog"}, extra_unannotated=[V1])


def _rect(box, w=40, h=30):
    m = np.zeros((h, w), np.float32)
    if box is not None:
        x, y, bw, bh = box
        m[y:y + bh, x:x + bw] = 1
    return m


# -------------------------------------------------------------------------------------------------- YouTube-VOS
def test_youtubevos_objects_boxes_masks(yt_root):
    ds = YouTubeVOS(yt_root, split="train")
    videos = sorted([V1, V2, V3])
    expected = [f"{v}/{o}" for v in videos for o in {V1: (1, 2), V2: (1, 3), V3: (1,)}[v]]
    assert ds.has_mask() and [ds.get_sequence_name(i) for i in range(len(ds))] == expected
    s = expected.index(f"{V1}/2")
    # the unannotated JPEG 00002 is not exposed: frame ids index the annotated frames
    assert [p.stem for p in ds.get_frame_paths(s)] == ["00000", "00005", "00010", "00015"]
    info = ds.get_sequence_info(s)
    assert info["valid"].tolist() == [True, True, False, True] and info["visible"].tolist() == info["valid"].tolist()
    assert info["bbox"].tolist() == [[20, 10, 5, 5], [22, 12, 5, 5], [0, 0, 0, 0], [6, 3, 8, 6]]
    covered = ds.get_sequence_info(expected.index(f"{V1}/1"))
    assert covered["bbox"][3].tolist() == [2, 3, 4, 6]  # object 2 covers columns 6..9 of object 1

    frames, anno, meta = ds.get_frames(s, [0, 2, 3])
    assert [m.shape for m in anno["mask"]] == [(30, 40)] * 3 and frames[0].shape == (30, 40, 3)
    for mask, box in zip(anno["mask"], [V1_FRAMES[0][2], None, V1_FRAMES[3][2]]):
        assert np.array_equal(mask.numpy(), _rect(box))  # label == 2, as 0/1 float
    assert [b.tolist() for b in anno["bbox"]] == [[20, 10, 5, 5], [0, 0, 0, 0], [6, 3, 8, 6]]
    assert meta == {"object_class_name": "dog", "video": V1, "object_id": 2}


def test_youtubevos_splits(yt_root):
    def names(split):
        ds = YouTubeVOS(yt_root, split=split, skip_missing=True)
        return sorted({ds.get_sequence_name(i).split("/")[0] for i in range(len(ds))})

    assert names("yt300") == [V1] and names("weak_a") == [V2] and names("weak_b") == [V3]
    assert names("train_minus_yt300") == sorted([V2, V3])
    with pytest.raises(MissingSequencesError, match=YT300[1]):  # V1 = YT300[0] is there, the next one is not
        YouTubeVOS(yt_root, split="yt300")
    with pytest.raises(ValueError, match="split"):
        YouTubeVOS(yt_root, split="valid")
    with pytest.raises(ValueError, match="version 2019"):
        YouTubeVOS(yt_root, version="2018")


def test_youtubevos_is_lazy(yt_root, monkeypatch):
    reads, parsed = [], []
    monkeypatch.setattr(vos_module, "read_mask", lambda p: reads.append(p) or np.array(Image.open(p)))
    original = YouTubeVosLayout.sequence
    monkeypatch.setattr(YouTubeVosLayout, "sequence", lambda self, v: parsed.append(v) or original(self, v))
    ds = YouTubeVOS(yt_root)
    names = [ds.get_sequence_name(i) for i in range(len(ds))]
    assert len(names) == 5 and reads == [] and parsed == []  # the index comes from meta.json alone
    ds.get_sequence_info(names.index(f"{V1}/1"))
    assert len(reads) == 4 and parsed == [V1]  # the 4 annotations of V1, once
    ds.get_sequence_info(names.index(f"{V1}/2"))
    assert len(reads) == 4  # the sibling object's boxes were computed from the same reads


def test_youtubevos_absent_object(yt_root, caplog):
    ds = YouTubeVOS(yt_root, sequences=[V2])
    assert [ds.get_sequence_name(i) for i in range(2)] == [f"{V2}/1", f"{V2}/3"]
    with pytest.raises(AnnotationError, match="meta.json.*bad object '3'"):  # listed without any frame
        ds.get_sequence_info(1)
    meta = yt_root / "train" / "meta.json"
    data = json.loads(meta.read_text())
    data["videos"][V2]["objects"]["3"]["frames"] = ["00000"]  # listed, but no pixel of it in any mask
    meta.write_text(json.dumps(data))
    ds = YouTubeVOS(yt_root, sequences=[V2])
    with caplog.at_level(logging.WARNING):
        info = ds.get_sequence_info(1)
    assert not info["valid"].any() and not info["visible"].any() and not info["bbox"].any()
    assert "never appears" in caplog.text
    _, anno, _ = ds.get_frames(1, [0, 1])
    assert all(float(m.sum()) == 0 for m in anno["mask"])


def test_youtubevos_bad_files(yt_root, tmp_path):
    bad = yt_root / "train" / "Annotations" / V3 / "00005.png"
    bad.write_bytes(b"\x89PNG garbage")
    ds = YouTubeVOS(yt_root, sequences=[V3])
    with pytest.raises(ImageReadError, match=str(bad)):
        ds.get_sequence_info(0)
    write_indexed_png(bad, labels({1: (6, 6, 10, 10)}, w=20, h=20))  # wrong size for its 40x30 frame
    ds = YouTubeVOS(yt_root, sequences=[V3])
    with pytest.raises(ValueError, match="00005.jpg"):
        ds.get_frames(0, [1])
    meta = yt_root / "train" / "meta.json"
    data = json.loads(meta.read_text())
    data["videos"]["0000000000"] = {"objects": {"1": {"category": "x", "frames": ["00000"]}}}
    meta.write_text(json.dumps(data))
    with pytest.raises(MissingSequencesError, match="0000000000"):  # listed in meta.json, no frame folder
        YouTubeVOS(yt_root)
    del data["videos"]["0000000000"]
    data["videos"][V3] = {"no_objects": {}}
    meta.write_text(json.dumps(data))
    ds = YouTubeVOS(yt_root)
    with pytest.raises(AnnotationError, match="meta.json.*'objects' of video " + V3):
        len(ds)
    meta.write_text("{not json")
    with pytest.raises(AnnotationError, match="meta.json"):
        YouTubeVOS(yt_root)
    meta.unlink()
    with pytest.raises(MissingFileError, match="meta.json"):
        YouTubeVOS(yt_root)


# ------------------------------------------------------------------------------------------------------- DAVIS
BEAR = [{1: (2, 2, 6, 6), 2: (20, 10, 6, 4)}, {1: (3, 2, 6, 6), 2: None}, {1: (4, 2, 6, 6), 2: (22, 12, 6, 4)}]
CAR = [{1: (10, 10, 5, 5)}, {1: (11, 10, 5, 5)}]


@pytest.fixture
def davis_root(tmp_path):
    return make_davis(tmp_path / "davis", {"bear": BEAR, "car": CAR}, version="2017", split="train")


def test_davis2017_multi_object(davis_root):
    ds = Davis(davis_root, version="2017", split="train")
    assert ds.get_name() == "davis2017_train"
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == ["bear/1", "bear/2", "car/1"]
    info = ds.get_sequence_info(1)
    assert info["valid"].tolist() == [True, False, True]
    assert info["bbox"].tolist() == [[20, 10, 6, 4], [0, 0, 0, 0], [22, 12, 6, 4]]
    _, anno, meta = ds.get_frames(0, [2])
    assert np.array_equal(anno["mask"][0].numpy(), _rect(BEAR[2][1])) and meta["object_id"] == 1


def test_davis_index_reads_first_annotations_only(davis_root, monkeypatch):
    reads = []
    monkeypatch.setattr(davis_module, "read_mask", lambda p: reads.append(p.name) or np.array(Image.open(p)))
    monkeypatch.setattr(vos_module, "read_mask", lambda p: reads.append(p.name) or np.array(Image.open(p)))
    ds = Davis(davis_root, version="2017", split="train")
    assert reads == []
    assert len(ds) == 3 and reads == ["00000.png", "00000.png"]  # one per video, to find its objects
    ds.get_sequence_info(2)
    assert reads[2:] == ["00000.png", "00001.png"]


def test_davis_void_label_and_missing_video(davis_root, caplog):
    first = labels({1: (10, 10, 5, 5)})
    first[0:2, 0:2] = 255  # void, not an object
    write_indexed_png(davis_root / "Annotations" / "480p" / "car" / "00000.png", first)
    (davis_root / "ImageSets" / "2017" / "train.txt").write_text("bear\ncar\nghost\n")
    with pytest.raises(MissingSequencesError, match="ghost"):
        Davis(davis_root, split="train")
    with caplog.at_level(logging.WARNING):
        ds = Davis(davis_root, split="train", skip_missing=True)
    assert "ghost" in caplog.text
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == ["bear/1", "bear/2", "car/1"]
    (davis_root / "Annotations" / "480p" / "car" / "00000.png").unlink()
    with pytest.raises(MissingFileError, match="00000.png"):
        len(Davis(davis_root, sequences=["car"]))


def test_davis_reads_synthetic_layout(tmp_path):
    from box2mask.synthetic import make_videos, write_davis_layout
    videos = make_videos(2, seed=3, num_frames=5)
    write_davis_layout(tmp_path, videos)  # version 2016, split val, object 1
    ds = Davis(tmp_path, version="2016", split="val")
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == [f"{v.name}/1" for v in videos]
    for seq_id, video in enumerate(videos):
        info = ds.get_sequence_info(seq_id)
        assert np.array_equal(info["bbox"].numpy(), video.boxes.astype(np.float32)) and info["valid"].all()
        frames, anno, _ = ds.get_frames(seq_id, range(len(video)))
        for t in range(len(video)):
            assert np.array_equal(anno["mask"][t].numpy(), video.masks[t].astype(np.float32))
            assert np.abs(frames[t].astype(int) - video.frames[t]).mean() < 8  # JPEG


def test_davis2016_real_binary_masks():
    root = shared_path("data", "davis2016-dev")
    ds = Davis(root, version="2016", sequences=["surf"])
    assert [ds.get_sequence_name(0)] == ["surf/1"]
    png = sorted((root / "Annotations" / "480p" / "surf").glob("*.png"))[3]
    m = np.array(Image.open(png)) > 0  # independent reading of the 0/255 mask
    if m.ndim == 3:
        m = m[..., 0]
    ys, xs = np.nonzero(m)
    assert ds.get_sequence_info(0)["bbox"][3].tolist() == [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                                                            ys.max() - ys.min() + 1]
    _, anno, _ = ds.get_frames(0, [3])
    assert np.array_equal(anno["mask"][0].numpy() == 1, m)
