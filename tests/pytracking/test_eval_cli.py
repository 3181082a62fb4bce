"""`pytracking run | analyze | pack` on tiny datasets with the test trackers (given as module:Class)."""
import zipfile

import numpy as np
import pandas as pd
import pytest

import evalkit_fixtures as fx
from pytracking.cli import main
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.running import RunOptions, run_dataset
from pytracking.evaluation.tracker import Tracker

BRIGHT = ["evalkit_fixtures:BrightBoxTracker", "evalkit_fixtures:parameters_for_tests"]
CONST = ["evalkit_fixtures:ConstantTracker", "evalkit_fixtures:parameters_for_tests"]


@pytest.fixture
def data(tmp_path):
    fx.make_got10k(tmp_path / "got", "val", {"v1": fx.moving_boxes(5), "v2": fx.moving_boxes(4, start=(20, 20))})
    fx.make_got10k(tmp_path / "got", "test", {"t1": fx.moving_boxes(4), "t2": fx.moving_boxes(3)})
    return tmp_path


def cli(*args):
    return main([str(a) for a in args])


def test_run_resume_threads_and_overrides(data, capsys):
    res = data / "res"
    assert cli("run", *BRIGHT, "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res,
               "--no-progress") == 0
    assert "2 sequence(s) run, 0 skipped" in capsys.readouterr().out
    out = res / "BrightBoxTracker" / "parameters_for_tests" / "got10k_val"
    assert sorted(p.name for p in out.iterdir()) == ["v1.txt", "v1_time.txt", "v2.txt", "v2_time.txt"]
    assert cli("run", *BRIGHT, "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res,
               "--no-progress") == 0
    assert "0 sequence(s) run, 2 skipped" in capsys.readouterr().out
    assert cli("run", *CONST, "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res,
               "--threads", "2", "--run-id", "1", "--param", "sleep=0.01", "--sequence", "v2", "--no-progress") == 0
    assert (res / "ConstantTracker" / "parameters_for_tests_001" / "got10k_val" / "v2.txt").is_file()
    assert not (res / "ConstantTracker" / "parameters_for_tests_001" / "got10k_val" / "v1.txt").exists()


def test_run_errors_and_failures(data, capsys):
    base = ["--dataset", "got10k_val", "--dataset-root", data / "got", "--results", data / "res", "--no-progress"]
    assert cli("run", *CONST, *base, "--param", "sleeep=1") == 2
    assert "Unknown tracker parameter(s) ['sleeep']" in capsys.readouterr().err
    assert cli("run", "no_such_tracker", "default", *base) == 2
    assert "Unknown tracker 'no_such_tracker'" in capsys.readouterr().err
    assert cli("run", *CONST, "--dataset", "nope", "--results", data / "res") == 2
    assert cli("run", *CONST, *base, "--sequence", "zz") == 2
    assert "['zz'] not in dataset got10k_val" in capsys.readouterr().err
    assert cli("run", *CONST, "--dataset", "got10k_val", "--results", data / "res") == 2  # no settings file here
    assert "Setting 'got10k_dir' is not set" in capsys.readouterr().err
    assert cli("run", *CONST, "--dataset", "got10k_val", "--dataset-root", data / "got") == 2
    assert "Setting 'results_path' is not set" in capsys.readouterr().err
    assert cli("run", *CONST, *base, "--param", "fail_if_x=10.0") == 1  # v1 starts at x = 10
    out = capsys.readouterr().out
    assert "1 sequence(s) run, 0 skipped (results existed), 1 failed" in out and "FAILED" in out and "/ v1" in out


def test_analyze_box_dataset(data, capsys):
    res, plots = data / "res", data / "plots"
    for t in (BRIGHT, CONST):
        assert cli("run", *t, "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res,
                   "--no-progress") == 0
    capsys.readouterr()
    assert cli("analyze", "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res, "--out", plots,
               "--trackers", "BrightBoxTracker:parameters_for_tests", "ConstantTracker:parameters_for_tests") == 0
    out = capsys.readouterr().out
    assert "AO" in out and "BrightBoxTracker_parameters_for_tests" in out
    table = pd.read_csv(plots / "got10k_val_overall.csv", index_col=0)
    assert table.loc["BrightBoxTracker_parameters_for_tests", "AO"] > 0.85
    assert table.loc["ConstantTracker_parameters_for_tests", "AO"] < 0.5
    assert len(pd.read_csv(plots / "got10k_val_per_sequence.csv")) == 4
    assert (plots / "got10k_val_success.png").is_file() and (plots / "got10k_val_precision.png").is_file()
    assert (plots / "got10k_val_per_sequence.png").is_file()
    assert cli("analyze", "--dataset", "got10k_val", "--dataset-root", data / "got", "--results", res, "--out", plots,
               "--trackers", "Missing:param") == 1
    assert "Missing_param: 2 missing" in capsys.readouterr().err
    assert cli("analyze", "--dataset", "got10k_val", "--trackers", "bad-spec") == 2


def test_pack_got10k_and_trackingnet(data, capsys):
    res = data / "res"
    assert cli("pack", "got10k", "ConstantTracker", "parameters_for_tests", "--dataset-root", data / "got",
               "--results", res, "--out", data / "g.zip") == 1
    assert "t1: missing" in capsys.readouterr().err and not (data / "g.zip").exists()
    assert cli("run", *CONST, "--dataset", "got10k_test", "--dataset-root", data / "got", "--results", res,
               "--no-progress") == 0
    assert cli("pack", "got10k", "ConstantTracker", "parameters_for_tests", "--dataset-root", data / "got",
               "--results", res, "--out", data / "g.zip") == 0
    with zipfile.ZipFile(data / "g.zip") as zf:
        assert "t2/t2_003.txt" in zf.namelist() and "t1/t1_time.txt" in zf.namelist()
    fx.make_trackingnet(data / "tn", "TRAIN_0", {"a": fx.moving_boxes(6), "b": fx.moving_boxes(5, start=(5, 5))})
    assert cli("run", *BRIGHT, "--dataset", "trackingnet_train_0", "--dataset-root", data / "tn", "--results", res,
               "--no-progress") == 0
    assert cli("pack", "trackingnet", "BrightBoxTracker", "parameters_for_tests", "--dataset", "trackingnet_train_0",
               "--dataset-root", data / "tn", "--results", res, "--out", data / "t.zip") == 0
    with zipfile.ZipFile(data / "t.zip") as zf:
        assert sorted(zf.namelist()) == ["a.txt", "b.txt"]
    capsys.readouterr()
    assert cli("analyze", "--dataset", "trackingnet_train_0", "--dataset-root", data / "tn", "--results", res,
               "--out", data / "o", "--no-plots", "--trackers", "BrightBoxTracker:parameters_for_tests") == 0
    out = capsys.readouterr().out
    assert "TrackingNet server formula" in out
    server = pd.read_csv(data / "o" / "trackingnet_train_0_server_formula.csv", index_col=0)
    assert server.iloc[0]["Precision"] == pytest.approx(100.0)


def test_analyze_vos_dataset(tmp_path, capsys):
    frames = [{1: (2, 2, 8, 8), 2: (30, 20, 10, 8)}, {1: (4, 2, 8, 8), 2: (31, 20, 10, 8)},
              {1: (6, 3, 8, 8), 2: (33, 21, 10, 8)}, {1: (8, 3, 8, 8), 2: (35, 21, 10, 8)}]
    fx.make_davis(tmp_path / "davis", {"s": frames}, year="2017")
    seqs = get_dataset("davis2017_val", root=tmp_path / "davis").get_sequence_list()
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    run_dataset(seqs, tr, opts=RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                                          multiobj_wrapper=fx.StandInMultiObjectWrapper), progress=False)
    assert cli("analyze", "--dataset", "davis2017_val", "--dataset-root", tmp_path / "davis", "--segmentation",
               tmp_path / "seg", "--out", tmp_path / "o", "--trackers", "intensity:default") == 0
    out = capsys.readouterr().out
    assert "J&F" in out and "intensity_default" in out
    per_object = pd.read_csv(tmp_path / "o" / "davis2017_val_per_object.csv")
    assert sorted(per_object["object"]) == [1, 2] and np.all(per_object["J_mean"] > 0.85)
