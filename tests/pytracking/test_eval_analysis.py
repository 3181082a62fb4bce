"""pytracking.analysis: box measures vs hand-computed values, dataset tables, plots, J&F of saved masks."""
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import evalkit_fixtures as fx
from pytracking.analysis.box_metrics import (box_iou, center_errors, normalized_center_errors, precision_curve,
                                             success_curve)
from pytracking.analysis.evaluate import MissingResultsError, evaluate_trackers
from pytracking.analysis.plots import plot_all
from pytracking.analysis.vos_evaluation import evaluate_vos
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.running import RunOptions, results_dir, run_dataset, segmentation_dir
from pytracking.evaluation.tracker import Tracker


def test_iou_and_curves_by_hand():
    pred = np.array([[0, 0, 10, 10], [0, 0, 4, 4], [0, 0, 2, 2], [3, 3, 5, 5], [np.nan] * 4])
    gt = np.array([[5, 0, 10, 10], [2, 2, 4, 4], [10, 10, 2, 2], [3, 3, 5, 5], [0, 0, 5, 5]])
    iou = box_iou(pred, gt)
    np.testing.assert_allclose(iou, [50 / 150, 4 / 28, 0, 1, 0], atol=1e-12)
    curve = success_curve(iou)
    assert curve.shape == (101,)
    # IoUs 0.333, 0.143, 0, 1, 0 against thresholds t = k / 100 (strictly greater)
    assert curve[0] == 3 / 5 and curve[14] == 3 / 5 and curve[15] == 2 / 5 and curve[33] == 2 / 5
    assert curve[34] == 1 / 5 and curve[50] == 1 / 5 and curve[99] == 1 / 5 and curve[100] == 0
    np.testing.assert_allclose(center_errors(pred[:4], gt[:4]), [5, np.hypot(2, 2), np.hypot(10, 10), 0])
    np.testing.assert_allclose(normalized_center_errors(pred[:2], gt[:2]), [0.5, np.hypot(0.5, 0.5)])
    assert np.isinf(center_errors(pred[4:], gt[4:])[0])
    prec = precision_curve(np.array([5.0, 25.0, np.inf]))
    assert prec[4] == 0 and prec[5] == 1 / 3 and prec[20] == 1 / 3 and prec[25] == 2 / 3 and prec[50] == 2 / 3


def test_iou_matches_the_got10k_toolkit():
    metrics = pytest.importorskip("got10k.utils.metrics")
    rng = np.random.default_rng(1)
    a = np.c_[rng.uniform(-20, 60, (200, 2)), rng.uniform(1, 40, (200, 2))]
    b = np.c_[rng.uniform(-20, 60, (200, 2)), rng.uniform(1, 40, (200, 2))]
    for bound in (None, (64, 48)):
        np.testing.assert_allclose(box_iou(a, b, bound), metrics.rect_iou(a.copy(), b.copy(), bound=bound), atol=1e-12)
    # the toolkit's clipping keeps the width of a box that starts left of the image: [-5, 0, 10, 10] -> [0, 0, 10, 10]
    assert box_iou([[-5, 0, 10, 10]], [[0, 0, 10, 10]], bound=(20, 20))[0] == pytest.approx(1.0)


def const():
    return Tracker("const", "default", tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)


def test_got10k_protocol_ao_sr_by_hand(tmp_path):
    # target moves (+2, +1) per frame, 12x10; the constant tracker keeps frame 0's box:
    # frame i overlap (12 - 2i) x (10 - i), union 240 - overlap. Frame 2 is absent (cover 0): not scored.
    fx.make_got10k(tmp_path / "d", "val", {"a": fx.moving_boxes(5)}, absence={"a": [0, 0, 1, 0, 0]},
                   cover={"a": [8, 8, 0, 8, 8]})
    fx.make_got10k(tmp_path / "d2", "val", {"b": fx.moving_boxes(3, start=(4, 4))})
    ds = get_dataset("got10k_val", root=tmp_path / "d")
    seqs = ds.get_sequence_list()
    run_dataset(seqs, const(), opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    ev = evaluate_trackers(seqs, [const()], tmp_path / "res")
    ious = [90 / 150, 42 / 198, 24 / 216]
    row = ev.overall.loc["const_default"]
    assert row["AO"] == pytest.approx(np.mean(ious))
    assert row["SR0.5"] == pytest.approx(1 / 3) and row["SR0.75"] == 0.0 and row["Frames"] == 3
    np.testing.assert_allclose(ev.curves["const_default"]["success"][:12], 1.0)  # all three > 0.11
    assert ev.curves["const_default"]["success"][12] == pytest.approx(2 / 3)   # 24/216 = 0.111 <= 0.12
    per = ev.per_sequence.set_index("sequence")
    assert per.loc["a", "ao"] == pytest.approx(np.mean(ious)) and per.loc["a", "fps"] > 0


def test_otb_protocol_averages_sequences_and_includes_frame0(tmp_path):
    fx.make_otb(tmp_path / "otb", {"A": fx.moving_boxes(3), "B": fx.moving_boxes(2)})
    seqs = get_dataset("otb", root=tmp_path / "otb").get_sequence_list()
    run_dataset(seqs, const(), opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    ev = evaluate_trackers(seqs, [const()], tmp_path / "res")
    ao_a, ao_b = np.mean([1, 90 / 150, 64 / 176]), np.mean([1, 90 / 150])
    assert ev.overall.loc["const_default", "AO"] == pytest.approx((ao_a + ao_b) / 2)
    # centre offsets (2i, i): A -> 0, sqrt(5), sqrt(20); B -> 0, sqrt(5); all <= 20 px
    assert ev.overall.loc["const_default", "Precision@20"] == 1.0
    # normalised offsets (2i/12, i/10): frame 1 -> 0.1944, frame 2 -> 0.3887
    nprec_a = np.mean([(np.array([0, 0.1944, 0.3887])[:, None] <= np.linspace(0, 0.5, 51)).mean(0)])
    nprec_b = np.mean([(np.array([0, 0.1944])[:, None] <= np.linspace(0, 0.5, 51)).mean(0)])
    assert ev.overall.loc["const_default", "NormPrecision"] == pytest.approx((nprec_a + nprec_b) / 2, abs=1e-3)
    paths = plot_all(ev.curves, tmp_path / "plots", "otb")
    assert [p.name for p in paths] == ["otb_success.png", "otb_precision.png", "otb_norm_precision.png"]
    with Image.open(paths[0]) as im:
        assert im.format == "PNG" and im.size[0] > 100


def test_missing_and_malformed_results_are_named(tmp_path):
    fx.make_otb(tmp_path / "otb", {"A": fx.moving_boxes(3), "B": fx.moving_boxes(3)})
    seqs = get_dataset("otb", root=tmp_path / "otb").get_sequence_list()
    run_dataset(seqs, const(), opts=RunOptions(results_root=tmp_path / "res"), sequences=["A"], progress=False)
    with pytest.raises(MissingResultsError, match=r"const_default: 1 missing \(B\)"):
        evaluate_trackers(seqs, [const()], tmp_path / "res")
    run_dataset(seqs, const(), opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    bad = results_dir(const(), "otb", tmp_path / "res") / "B.txt"
    bad.write_text("1\t2\t3\t4\n")
    with pytest.raises(ValueError, match=r"B.txt has 1 boxes but sequence B has 3 frames"):
        evaluate_trackers(seqs, [const()], tmp_path / "res")


def test_vos_j_and_f_by_hand(tmp_path):
    # 4 frames; DAVIS scores frames 1 and 2 only. Object 1 predicted exactly (J = F = 1); object 2 missed in
    # frame 1 (J = 0, F = 0: no predicted boundary) and exact in frame 2 -> J = F = 0.5. Overall (1 + 0.5) / 2.
    gt = [{1: (2, 2, 8, 8), 2: (30, 20, 10, 8)}] * 4
    fx.make_davis(tmp_path / "davis", {"s": gt}, year="2017")
    ds = get_dataset("davis2017_val", root=tmp_path / "davis")
    seqs = ds.get_sequence_list()
    tr = Tracker("hand", "made")
    pred_dir = segmentation_dir(tr, "davis2017_val", tmp_path / "seg") / "s"
    preds = [gt[0], {1: (2, 2, 8, 8)}, gt[0], {1: (40, 2, 8, 8)}]  # last frame wrong: not scored
    for i, objs in enumerate(preds):
        fx.write_palette_png(pred_dir / f"{i:05d}.png", fx.label_map_with_boxes(objs))
    ev = evaluate_vos(seqs, [tr], tmp_path / "seg")
    per = ev.per_object.set_index("object")
    assert per.loc[1, "J_mean"] == 1.0 and per.loc[1, "F_mean"] == 1.0 and per.loc[1, "n_frames"] == 2
    assert per.loc[2, "J_mean"] == 0.5 and per.loc[2, "F_mean"] == 0.5 and per.loc[2, "J_recall"] == 0.5
    assert ev.overall.loc["hand_made", "J&F"] == pytest.approx(0.75)
    (pred_dir / "00002.png").unlink()
    with pytest.raises(FileNotFoundError, match=r"s/00002.png"):
        evaluate_vos(seqs, [tr], tmp_path / "seg")


def test_vos_tracker_run_scores_high_and_ytvos_is_refused(tmp_path):
    frames = [{1: (2, 2, 8, 8), 2: (30, 20, 10, 8)}, {1: (4, 2, 8, 8), 2: (31, 20, 10, 8)},
              {1: (6, 3, 8, 8), 2: (33, 21, 10, 8)}, {1: (8, 3, 8, 8), 2: (35, 21, 10, 8)}]
    fx.make_davis(tmp_path / "davis", {"s": frames}, year="2017")
    seqs = get_dataset("davis2017_val", root=tmp_path / "davis").get_sequence_list()
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    opts = RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                      multiobj_wrapper=fx.StandInMultiObjectWrapper)
    assert run_dataset(seqs, tr, opts=opts, progress=False).ok
    ev = evaluate_vos(seqs, [tr], tmp_path / "seg")
    assert ev.overall.loc["intensity_default", "J"] > 0.9 and ev.overall.loc["intensity_default", "objects"] == 2
    fx.make_ytvos(tmp_path / "yt", {"v": frames})
    yt = get_dataset("youtubevos_valid", root=tmp_path / "yt").get_sequence_list()
    with pytest.raises(ValueError, match="YouTube-VOS valid is scored by its server"):
        evaluate_vos(yt, [tr], tmp_path / "seg")


def test_test_split_has_nothing_to_score(tmp_path):
    fx.make_got10k(tmp_path / "d", "test", {"t": fx.moving_boxes(3)})
    seqs = get_dataset("got10k_test", root=tmp_path / "d").get_sequence_list()
    with pytest.raises(ValueError, match="no ground truth to score beyond the first frame"):
        evaluate_trackers(seqs, [const()], tmp_path / "res")


def test_real_otb_sequence_run_and_score(tmp_path):
    """Crossing (OTB, CRLF comma file, 120 real frames): constant tracker scored vs an independent computation."""
    metrics = pytest.importorskip("got10k.utils.metrics")
    src = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "otb-crossing").resolve()
    if not (src / "groundtruth_rect.txt").is_file():
        pytest.skip("shared OTB sequence not available")
    (tmp_path / "otb").mkdir()
    (tmp_path / "otb" / "Crossing").symlink_to(src, target_is_directory=True)
    seqs = get_dataset("otb", root=tmp_path / "otb").get_sequence_list()
    assert run_dataset(seqs, const(), opts=RunOptions(results_root=tmp_path / "res"), progress=False).ok
    ev = evaluate_trackers(seqs, [const()], tmp_path / "res")
    gt = np.loadtxt(src / "groundtruth_rect.txt", delimiter=",")
    gt[:, :2] -= 1  # 1-based file
    pred = np.repeat(gt[:1], len(gt), axis=0)
    ious = metrics.rect_iou(pred.copy(), gt.copy())
    assert ev.overall.loc["const_default", "AO"] == pytest.approx(ious.mean(), abs=1e-4)  # results kept 3 decimals
    assert ev.overall.loc["const_default", "Frames"] == 120
    centres = np.hypot(*((pred[:, :2] + pred[:, 2:] / 2) - (gt[:, :2] + gt[:, 2:] / 2)).T)
    assert ev.overall.loc["const_default", "Precision@20"] == pytest.approx((centres <= 20).mean())
