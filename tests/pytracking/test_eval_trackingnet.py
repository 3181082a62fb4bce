"""TrackingNet: submission zip, server-formula scorer checked by hand, pack + local score of a TRAIN split."""
import zipfile

import numpy as np
import pytest

import evalkit_fixtures as fx
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.packing import IncompleteResultsError, pack_trackingnet
from pytracking.evaluation.running import RunOptions, run_dataset
from pytracking.evaluation.tracker import Tracker
from pytracking.evaluation.trackingnet_score import read_submission, score_split, trackingnet_scores


def trapezoid_0_1(curve):
    """Area under a 21-point curve sampled at 0, 0.05, ..., 1 (written out: dx * (sum - ends / 2))."""
    return 0.05 * (sum(curve) - (curve[0] + curve[-1]) / 2)


def test_server_formula_by_hand():
    # Sequence A: GT 10x10 at (0,0) in both frames; frame 0 submitted wrong (replaced by GT), frame 1 shifted by 5 px.
    #   inclusive pixels: intersection x 5..9 = 5 px wide, 10 high -> 50; union 150; IoU 1/3.
    #   centres differ by 5 px; normalised by the GT width 10 -> 0.5.
    # Sequence B: GT (0,0,4,4); frame 1 submitted (0.5, 2.5, 3.5, 4.4) rounds (half to even) to (0, 2, 4, 4):
    #   intersection rows 2..3 -> 4 x 2 = 8, union 16 + 16 - 8 = 24 -> IoU 1/3; centre offset 2 px in y,
    #   normalised 2 / 4 = 0.5.
    gt = {"A": np.array([[0, 0, 10, 10], [0, 0, 10, 10]], float), "B": np.array([[0, 0, 4, 4], [0, 0, 4, 4]], float)}
    pred = {"A": np.array([[50, 50, 1, 1], [5, 0, 10, 10]], float),
            "B": np.array([[0, 0, 4, 4], [0.5, 2.5, 3.5, 4.4]], float)}
    res = trackingnet_scores(gt, pred)
    t = [k * 0.05 for k in range(21)]
    # success: frame 0 (IoU 1) passes every t < 1, frame 1 (IoU 1/3) passes t <= 0.3; same in both sequences
    success = [(float(1 > x) + float(1 / 3 > x)) / 2 for x in t]
    # precision thresholds 0, 2.5, ..., 50 px: A's frame 1 (5 px) passes from 5 px, B's (2 px) from 2.5 px
    prec_a = [(1 + float(5 <= 2.5 * k)) / 2 for k in range(21)]
    prec_b = [(1 + float(2 <= 2.5 * k)) / 2 for k in range(21)]
    # normalised thresholds 0, 0.025, ..., 0.5: both frames 1 (0.5) pass only at the last threshold
    nprec = [(1 + float(k == 20)) / 2 for k in range(21)]
    assert res["success"] == pytest.approx(100 * trapezoid_0_1(success))
    assert res["success"] == pytest.approx(65.0)
    assert res["precision"] == pytest.approx(100 * trapezoid_0_1([(a + b) / 2 for a, b in zip(prec_a, prec_b)]))
    assert res["norm_precision"] == pytest.approx(100 * trapezoid_0_1(nprec))
    assert res["norm_precision"] == pytest.approx(51.25)
    with pytest.raises(KeyError, match="lacks 1 sequence"):
        trackingnet_scores(gt, {"A": pred["A"]})
    with pytest.raises(ValueError, match="1 submitted boxes for 2 frames"):
        trackingnet_scores(gt, {"A": pred["A"], "B": pred["B"][:1]})


@pytest.fixture
def tn(tmp_path):
    train = {"t0": fx.moving_boxes(12, step=(3, 2)), "t1": fx.moving_boxes(4, start=(30, 20))}
    test = {"x0": fx.moving_boxes(11), "x1": fx.moving_boxes(3)}
    fx.make_trackingnet(tmp_path / "tn", "TRAIN_0", train)
    fx.make_trackingnet(tmp_path / "tn", "TEST", test)
    return tmp_path / "tn", train, test


def tracker(cls, name):
    return Tracker(name, "default", tracker_class=cls, params_factory=fx.parameters_for_tests)


def test_pack_test_split_format(tmp_path, tn):
    root, _, test = tn
    seqs = get_dataset("trackingnet", root=root).get_sequence_list()
    tr = tracker(fx.ConstantTracker, "const")
    run_dataset(seqs, tr, opts=RunOptions(results_root=tmp_path / "res"), sequences=["x0"], progress=False)
    with pytest.raises(IncompleteResultsError, match=r"x1: missing .*trackingnet/x1.txt"):
        pack_trackingnet(seqs, "const", "default", None, tmp_path / "res", tmp_path / "sub.zip")
    run_dataset(seqs, tr, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    out = pack_trackingnet(seqs, "const", "default", None, tmp_path / "res", tmp_path / "sub.zip")
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["x0.txt", "x1.txt"]  # archive root, one file per sequence
        lines = zf.read("x0.txt").decode().splitlines()
    assert len(lines) == 11 and all(line == "10.00,8.00,12.00,10.00" for line in lines)  # frame 0 included


def test_pack_and_score_train_split(tmp_path, tn):
    root, train, _ = tn
    seqs = get_dataset("trackingnet_train_0", root=root).get_sequence_list()
    assert [len(s) for s in seqs] == [12, 4]
    for cls, name in ((fx.BrightBoxTracker, "bright"), (fx.ConstantTracker, "const")):
        run_dataset(seqs, tracker(cls, name), opts=RunOptions(results_root=tmp_path / "res"), progress=False)
        pack_trackingnet(seqs, name, "default", None, tmp_path / "res", tmp_path / f"{name}.zip")
    perfect = score_split(root, "TRAIN_0", tmp_path / "bright.zip")
    assert perfect["n_sequences"] == 2
    # every IoU is 1: the success curve is 1 at thresholds 0..0.95 and 0 at 1.0 -> area 0.05 * (20 - 1 / 2)
    assert perfect["success"] == pytest.approx(97.5)
    assert perfect["precision"] == pytest.approx(100.0) and perfect["norm_precision"] == pytest.approx(100.0)
    const = score_split(root, "TRAIN_0", tmp_path / "const.zip")
    assert const["success"] < perfect["success"] and const["precision"] < 100
    assert read_submission(tmp_path / "const.zip")["t1"].shape == (4, 4)
    with pytest.raises(ValueError, match="first box only"):
        score_split(root, "TEST", tmp_path / "const.zip")
