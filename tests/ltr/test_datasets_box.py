"""Box training datasets (GOT-10k, LaSOT, TrackingNet) on tiny fixtures in the official layouts."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from ltr.data.image_io import ImageReadError
from ltr.dataset import Got10k, Lasot, MissingSequencesError, TrackingNet
from ltr.dataset.layouts import AnnotationError, Got10kLayout, MissingFileError
from ltr.dataset.splits import data_spec_path
from tests.ltr.dataset_fixtures import make_got10k, make_lasot, make_trackingnet, moving

GOT = ["GOT-10k_Train_000002", "GOT-10k_Train_000004", "GOT-10k_Train_000006"]  # indices 1, 3, 5


@pytest.fixture
def got10k_root(tmp_path):
    n = 6
    return make_got10k(tmp_path / "got10k", {name: moving(n, start=(2 + k, 3)) for k, name in enumerate(GOT)},
                       absence={GOT[1]: [0, 0, 1, 1, 0, 0]},
                       cover={GOT[1]: [8, 8, 0, 0, 4, 8], GOT[2]: [8, 8, 8, 8, 8, 0]},
                       classes={GOT[0]: "zebra"})


def _indices(filename):
    """The split file's indices, parsed here independently of the library."""
    return [int(line) for line in data_spec_path(filename).read_text().split()]


# ------------------------------------------------------------------------------------------------------- GOT-10k
def test_got10k_info_frames_and_meta(got10k_root):
    ds = Got10k(got10k_root, split="all")
    assert ds.get_name() == "got10k" and ds.get_num_sequences() == 3 and not ds.has_mask() and ds.is_video_sequence()
    assert [ds.get_sequence_name(i) for i in range(3)] == GOT
    info = ds.get_sequence_info(1)
    boxes = moving(6, start=(3, 3))
    keep = np.array([1, 1, 0, 0, 1, 1], bool)
    assert info["valid"].tolist() == keep.tolist() and info["visible"].tolist() == keep.tolist()
    assert torch.equal(info["bbox"], torch.tensor(boxes * keep[:, None], dtype=torch.float32))  # absent rows zero
    assert info["visible_ratio"].tolist() == [1, 1, 0, 0, 0.5, 1]
    assert ds.get_sequence_info(2)["visible"].tolist() == [True] * 5 + [False]  # cover 0 without absence flag

    frames, anno, meta = ds.get_frames(1, [0, 4, 4])
    assert len(frames) == 3 and frames[0].shape == (30, 40, 3) and frames[0].dtype == np.uint8
    x, y, w, h = boxes[4]
    centre = frames[1][y + h // 2, x + w // 2]
    assert centre[0] > 200 and centre[1] < 80 and centre[2] < 80  # the red target: channels are RGB
    assert "mask" not in anno
    assert [b.tolist() for b in anno["bbox"]] == [boxes[0].tolist(), boxes[4].tolist(), boxes[4].tolist()]
    assert [v.item() for v in anno["valid"]] == [True, True, True]
    assert meta["object_class_name"] == "cat" and ds.get_meta_info(0)["object_class_name"] == "zebra"
    assert meta["motion_class"] == "running"


@pytest.mark.parametrize("split,filename", [("ltrtrain", "got10k_train_split.txt"),
                                            ("ltrval", "got10k_val_split.txt"),
                                            ("vottrain", "got10k_vot_train_split.txt")])
def test_got10k_index_splits_map_to_train_names(got10k_root, split, filename, caplog):
    idx = _indices(filename)
    on_disk = {1: GOT[0], 3: GOT[1], 5: GOT[2]}
    expected = [on_disk[i] for i in idx if i in on_disk]
    first_missing = f"GOT-10k_Train_{next(i for i in idx if i not in on_disk) + 1:06d}"
    with caplog.at_level(logging.WARNING):
        ds = Got10k(got10k_root, split=split, skip_missing=True)
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == expected
    assert first_missing in caplog.text
    with pytest.raises(MissingSequencesError, match=first_missing):
        Got10k(got10k_root, split=split)


def test_got10k_split_files_cover_fixture_as_expected():
    # facts of pytracking's lists: index 1 is a val sequence, 3 and 5 are in vottrain
    assert 1 in _indices("got10k_val_split.txt") and {3, 5} <= set(_indices("got10k_vot_train_split.txt"))


def test_got10k_explicit_sequences_and_bad_split(got10k_root):
    ds = Got10k(got10k_root, sequences=[GOT[2]])
    assert len(ds) == 1 and ds.get_sequence_name(0) == GOT[2]
    with pytest.raises(ValueError, match="split"):
        Got10k(got10k_root, split="nonsense")
    with pytest.raises(MissingSequencesError, match="GOT-10k_Train_000099"):
        Got10k(got10k_root, sequences=["GOT-10k_Train_000099"])


def test_got10k_missing_and_corrupt_files_name_the_path(got10k_root):
    seq_dir = got10k_root / "train" / GOT[0]
    (seq_dir / "groundtruth.txt").unlink()
    gt = got10k_root / "train" / GOT[1] / "groundtruth.txt"
    gt.write_text("".join(gt.read_text().splitlines(keepends=True)[:4]))  # 4 boxes for 6 frames
    bad_jpg = got10k_root / "train" / GOT[2] / "00000003.jpg"
    bad_jpg.write_bytes(b"not a jpeg")
    ds = Got10k(got10k_root)
    with pytest.raises(MissingFileError, match=str(seq_dir / "groundtruth.txt")):
        ds.get_sequence_info(0)
    with pytest.raises(AnnotationError, match=str(gt)):
        ds.get_sequence_info(1)
    ds.get_frames(2, [0, 1])  # intact frames still read
    with pytest.raises(ImageReadError, match=str(bad_jpg)):
        ds.get_frames(2, [2])
    with pytest.raises(IndexError, match="frame ids \\[6\\]"):
        ds.get_frames(2, [0, 6])
    for bad in (3, -1, True):
        with pytest.raises(IndexError, match="sequence id"):
            ds.get_sequence_info(bad)


def test_got10k_missing_list_file_is_named(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(MissingFileError, match="list.txt"):
        Got10k(tmp_path)


def test_got10k_is_lazy_and_caches(got10k_root, monkeypatch):
    calls = []
    original = Got10kLayout.sequence
    monkeypatch.setattr(Got10kLayout, "sequence", lambda self, name: calls.append(name) or original(self, name))
    ds = Got10k(got10k_root, cache_size=1)
    assert len(ds) == 3 and ds.get_sequence_name(2) == GOT[2] and calls == []  # nothing parsed yet
    first = ds.get_sequence_info(1)
    assert ds.get_sequence_info(1) is first and calls == [GOT[1]]
    ds.get_frames(1, [0])  # same sequence: still in the LRU cache
    assert calls == [GOT[1]]
    ds.get_sequence_info(0)  # evicts GOT[1] (cache_size=1) ...
    ds.get_frames(1, [0], anno=first)  # ... so its frame list is parsed again, but its info stays cached
    assert calls == [GOT[1], GOT[0], GOT[1]] and ds.get_sequence_info(1) is first


# --------------------------------------------------------------------------------------------------------- LaSOT
@pytest.fixture
def lasot_root(tmp_path):
    seqs = {"airplane-1": moving(5), "airplane-2": moving(7), "airplane-3": moving(4, start=(5, 5))}
    return make_lasot(tmp_path / "lasot", seqs, occlusion={"airplane-2": [0, 0, 1, 0, 0, 0, 0]},
                      out_of_view={"airplane-2": [0, 0, 0, 0, 1, 0, 0]})


def test_lasot_train_split_and_visibility(lasot_root, caplog):
    with caplog.at_level(logging.WARNING):
        ds = Lasot(lasot_root, split="train", skip_missing=True)
    # pytracking's list holds airplane-2 and -3 (not -1, a test sequence), in the file's order
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == ["airplane-2", "airplane-3"]
    assert "airplane-10" in caplog.text  # the first listed sequence that is missing
    with pytest.raises(MissingSequencesError, match="airplane-10"):
        Lasot(lasot_root, split="train")
    info = ds.get_sequence_info(0)
    assert info["visible"].tolist() == [True, True, False, True, False, True, True]
    assert info["valid"].tolist() == info["visible"].tolist()
    assert info["bbox"][2].tolist() == [0, 0, 0, 0] and info["bbox"][3].tolist() == moving(7)[3].tolist()
    frames, anno, meta = ds.get_frames(0, [6])
    assert frames[0].shape == (30, 40, 3) and meta["object_class_name"] == "airplane"
    assert anno["bbox"][0].tolist() == moving(7)[6].tolist()


def test_lasot_all_and_explicit(lasot_root):
    ds = Lasot(lasot_root, split="all")
    assert [ds.get_sequence_name(i) for i in range(3)] == ["airplane-1", "airplane-2", "airplane-3"]
    assert Lasot(lasot_root, sequences=["airplane-1"]).get_sequence_info(0)["valid"].all()
    (lasot_root / "airplane" / "airplane-3" / "out_of_view.txt").write_text("0,0")
    with pytest.raises(AnnotationError, match="out_of_view.txt"):
        ds.get_sequence_info(2)


# --------------------------------------------------------------------------------------------------- TrackingNet
@pytest.fixture
def trackingnet_root(tmp_path):
    root = tmp_path / "trackingnet"
    a = moving(12, step=(2, 1), size=(6, 5))
    a[3, 2] = 0  # a zero-width box: not usable
    make_trackingnet(root, "TRAIN_0", {"vid_a": a})
    make_trackingnet(root, "TRAIN_3", {"vid_b": moving(3)})
    return root


def test_trackingnet_names_order_and_validity(trackingnet_root):
    ds = TrackingNet(trackingnet_root)
    assert ds.splits == ["TRAIN_0", "TRAIN_3"]
    assert [ds.get_sequence_name(i) for i in range(len(ds))] == ["TRAIN_0/vid_a", "TRAIN_3/vid_b"]
    paths = ds.get_frame_paths(0)
    assert [p.name for p in paths] == [f"{i}.jpg" for i in range(12)]  # numeric order: 10.jpg after 9.jpg
    info = ds.get_sequence_info(0)
    assert info["valid"].tolist() == [True] * 3 + [False] + [True] * 8 and info["bbox"][3].tolist() == [0] * 4
    frames, anno, _ = ds.get_frames(0, [10])
    x, y, w, h = moving(12, size=(6, 5))[10]
    assert frames[0][y + h // 2, x + w // 2, 0] > 200 and anno["bbox"][0].tolist() == [x, y, w, h]


def test_trackingnet_selection(trackingnet_root, tmp_path):
    assert [TrackingNet(trackingnet_root, sequences=["vid_b"]).get_sequence_name(0)] == ["TRAIN_3/vid_b"]
    assert len(TrackingNet(trackingnet_root, splits=["TRAIN_3"])) == 1
    with pytest.raises(MissingSequencesError, match="TRAIN_0/nope"):
        TrackingNet(trackingnet_root, sequences=["TRAIN_0/nope"])
    with pytest.raises(ValueError, match="TEST"):
        TrackingNet(trackingnet_root, splits=["TEST"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingFileError, match="TRAIN_k"):
        TrackingNet(tmp_path / "empty")


def test_root_from_settings(got10k_root, monkeypatch):
    monkeypatch.setenv("B2M_GOT10K_DIR", str(got10k_root))
    assert len(Got10k()) == 3
