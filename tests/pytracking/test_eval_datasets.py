"""pytracking.evaluation data / datasets: sequences from every layout, init info, lazy lookup, settings roots."""
import subprocess
import sys

import numpy as np
import pytest

from evalkit_fixtures import (make_davis, make_got10k, make_lasot, make_otb, make_trackingnet, make_vot, make_ytvos,
                              moving_boxes)
from ltr.dataset.layouts import encode_vot_mask
from pytracking.evaluation.data import SequenceList
from pytracking.evaluation.datasets import dataset_names, get_dataset


def test_box_datasets_build_sequences(tmp_path):
    b = moving_boxes(5)
    make_got10k(tmp_path / "got", "val", {"v1": b}, absence={"v1": [0, 1, 0, 0, 0]}, cover={"v1": [8, 0, 8, 8, 8]})
    make_got10k(tmp_path / "got", "test", {"t1": b})
    make_trackingnet(tmp_path / "tn", "TEST", {"x": b})
    make_trackingnet(tmp_path / "tn", "TRAIN_3", {"y": b})
    make_lasot(tmp_path / "lasot", {"car-1": b}, test=["car-1"])
    make_otb(tmp_path / "otb", {"Car": b})
    cases = {"got10k_val": "got", "got10k_test": "got", "trackingnet": "tn", "trackingnet_train_3": "tn",
             "lasot": "lasot", "otb": "otb"}
    for name, sub in cases.items():
        ds = get_dataset(name, root=tmp_path / sub)
        assert ds.name == name
        seq = ds.get_sequence_list()[0]
        assert seq.dataset == name and len(seq) == 5 and seq.object_ids is None
        np.testing.assert_allclose(seq.init_info()["init_bbox"], b[0])
        assert seq.frame_info(1) == {}
        if name in ("got10k_test", "trackingnet"):
            assert np.isnan(seq.ground_truth_rect[1:]).all()
        else:
            np.testing.assert_allclose(seq.ground_truth_rect, b)
    val = get_dataset("got10k_val", root=tmp_path / "got").get_sequence("v1")
    assert val.target_visible.tolist() == [True, False, True, True, True] and val.family == "got10k"


def test_sequence_list_lookup(tmp_path):
    make_otb(tmp_path, {"A": moving_boxes(3), "B": moving_boxes(3)})
    seqs = get_dataset("otb", root=tmp_path).get_sequence_list()
    assert isinstance(seqs, SequenceList) and seqs.names() == ["A", "B"]
    assert seqs["B"].name == "B" and seqs[0].name == "A" and seqs[["B"]].names() == ["B"]
    with pytest.raises(KeyError, match="'C'"):
        seqs["C"]
    with pytest.raises(KeyError, match=r"\['C'\] not in dataset otb"):
        get_dataset("otb", root=tmp_path).get_sequence_list(["C"])


def test_vot_mask_sequence_gives_init_mask(tmp_path):
    m = np.zeros((48, 64), np.uint8)
    m[10:20, 5:15] = 1
    make_vot(tmp_path, {"s": [encode_vot_mask(m), "1,1,2,2"]})
    info = get_dataset("vot", root=tmp_path).get_sequence("s").init_info()
    np.testing.assert_array_equal(info["init_mask"], m)
    np.testing.assert_allclose(info["init_bbox"], [5, 10, 10, 10])


def test_davis_single_and_multi_object(tmp_path):
    frames = [{1: (2, 2, 5, 5), 2: (20, 10, 6, 6)}, {1: (3, 2, 5, 5), 2: (21, 10, 6, 6)}]
    make_davis(tmp_path, {"two": frames}, year="2017")
    make_davis(tmp_path, {"two": frames}, year="2016")
    multi = get_dataset("davis2017_val", root=tmp_path).get_sequence("two")
    assert multi.object_ids == ["1", "2"] and multi.multiobj_mode
    info = multi.init_info()
    assert info["init_object_ids"] == ["1", "2"] and info["sequence_object_ids"] == ["1", "2"]
    assert (info["init_mask"] == 2).sum() == 36 and (info["init_mask"] == 1).sum() == 25
    assert info["init_bbox"]["1"] == [2.0, 2.0, 5.0, 5.0]
    single = get_dataset("davis2016_val", root=tmp_path).get_sequence("two")
    sinfo = single.init_info()
    assert single.object_ids is None and sinfo["init_mask"].sum() == 25 + 36
    assert sinfo["init_bbox"] == [2.0, 2.0, 24.0, 14.0]
    assert single.ground_truth_seg[1].endswith("two/00001.png")


def test_youtubevos_objects_appearing_later(tmp_path):
    frames = [{1: (2, 2, 5, 5)}, {1: (3, 2, 5, 5), 2: (20, 10, 6, 6)}, {1: (4, 2, 5, 5), 2: (21, 10, 6, 6)}]
    make_ytvos(tmp_path, {"vid": frames})
    seq = get_dataset("youtubevos_valid", root=tmp_path).get_sequence("vid")
    assert seq.object_ids == ["1", "2"] and sorted(seq.init_data) == [0, 1]
    first = seq.init_info()
    assert first["init_object_ids"] == ["1"] and first["object_ids"] == ["1"]
    assert set(np.unique(first["init_mask"])) == {0, 1}
    later = seq.frame_info(1)
    assert later["init_object_ids"] == ["2"] and later["object_ids"] == ["1", "2"]
    # the label map holds only the object starting here (object 1 is already being tracked)
    assert later["init_bbox"]["2"] == [20.0, 10.0, 6.0, 6.0] and set(np.unique(later["init_mask"])) == {0, 2}
    assert (later["init_mask"] == 2).sum() == 36
    assert seq.frame_info(2) == {}


def test_unknown_dataset_and_settings_root(tmp_path, monkeypatch):
    with pytest.raises(KeyError, match="Unknown dataset 'nope'.*got10k_val"):
        get_dataset("nope")
    make_otb(tmp_path, {"A": moving_boxes(2)})
    monkeypatch.setenv("B2M_OTB_DIR", str(tmp_path))
    assert get_dataset("otb").root == tmp_path
    monkeypatch.delenv("B2M_OTB_DIR")
    monkeypatch.setenv("B2M_SETTINGS", str(tmp_path / "none.json"))
    with pytest.raises(KeyError, match="otb_dir"):
        get_dataset("otb")
    assert {"got10k_val", "got10k_test", "trackingnet", "lasot", "otb", "vot", "davis2016_val", "davis2017_val",
            "youtubevos_valid"} <= set(dataset_names())


def test_lookup_imports_only_the_requested_module():
    code = ("import sys; from pytracking.evaluation.datasets import get_dataset\n"
            "try:\n    get_dataset('otb', root='/nonexistent')\nexcept Exception:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('pytracking.evaluation.') and m.endswith('dataset')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['pytracking.evaluation.otbdataset']"
