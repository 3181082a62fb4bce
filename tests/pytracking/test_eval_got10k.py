"""GOT-10k: our trackers inside the official toolkit (run + report), our AO vs the toolkit's, submission packing."""
import json
import zipfile

import numpy as np
import pytest

import evalkit_fixtures as fx
from pytracking.analysis.evaluate import evaluate_trackers
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.packing import IncompleteResultsError, pack_got10k
from pytracking.evaluation.running import RunOptions, results_dir, run_dataset
from pytracking.evaluation.tracker import Tracker

got10k_experiments = pytest.importorskip("got10k.experiments")
from pytracking.evaluation.got10k_adapter import Got10kToolkitTracker  # noqa: E402  (needs got10k)

SEQS = {"GOT-10k_Val_000001": fx.moving_boxes(6), "GOT-10k_Val_000002": fx.moving_boxes(5, start=(30, 20),
                                                                                         step=(-2, -1))}
ABSENCE = {"GOT-10k_Val_000001": [0, 0, 0, 1, 0, 0]}
COVER = {"GOT-10k_Val_000001": [8, 8, 8, 0, 8, 8]}


def tracker(cls, name):
    return Tracker(name, "default", tracker_class=cls, params_factory=fx.parameters_for_tests)


@pytest.mark.parametrize("cls,name", [(fx.ConstantTracker, "const"), (fx.BrightBoxTracker, "bright")])
def test_toolkit_run_and_report_match_our_analysis(tmp_path, cls, name):
    fx.make_got10k(tmp_path / "data", "val", SEQS, absence=ABSENCE, cover=COVER)
    tr = tracker(cls, name)
    exp = got10k_experiments.ExperimentGOT10k(str(tmp_path / "data"), subset="val",
                                              result_dir=str(tmp_path / "tk_results"),
                                              report_dir=str(tmp_path / "tk_reports"))
    adapter = Got10kToolkitTracker(tr)
    exp.run(adapter)
    perf = exp.report([adapter.name])
    overall = perf[adapter.name]["overall"]
    report = json.loads((tmp_path / "tk_reports" / "GOT-10k" / adapter.name / "performance.json").read_text())
    assert report[adapter.name]["overall"]["ao"] == pytest.approx(overall["ao"])
    assert (tmp_path / "tk_reports" / "GOT-10k" / adapter.name / "success_plot.png").is_file()
    rec = np.loadtxt(tmp_path / "tk_results" / "GOT-10k" / adapter.name / "GOT-10k_Val_000001" /
                     "GOT-10k_Val_000001_001.txt", delimiter=",")
    assert rec.shape == (6, 4)
    # the same tracker through our runner + analysis gives the toolkit's numbers
    seqs = get_dataset("got10k_val", root=tmp_path / "data").get_sequence_list()
    run_dataset(seqs, tr, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    ours = evaluate_trackers(seqs, [tr], tmp_path / "res").overall.loc[tr.display_name]
    assert ours["AO"] == pytest.approx(overall["ao"], abs=1e-9)
    assert ours["SR0.5"] == pytest.approx(overall["sr"], abs=1e-9)
    assert ours["SR0.75"] == pytest.approx(overall["succ_curve"][75], abs=1e-9)
    if name == "const":  # by hand: seq 1 frames 1, 2, 4, 5 (3 is absent); seq 2 moves the other way, same overlaps
        ious = [90 / 150, 64 / 176, 24 / 216, 10 / 230] + [90 / 150, 64 / 176, 42 / 198, 24 / 216]
        assert overall["ao"] == pytest.approx(np.mean(ious))
    else:  # the bright-box tracker finds the drawn target: near-perfect overlap
        assert overall["ao"] > 0.85


def test_non_deterministic_tracker_gets_three_runs(tmp_path):
    fx.make_got10k(tmp_path / "data", "val", {"a": fx.moving_boxes(3)})
    exp = got10k_experiments.ExperimentGOT10k(str(tmp_path / "data"), subset="val",
                                              result_dir=str(tmp_path / "r"), report_dir=str(tmp_path / "p"))
    adapter = Got10kToolkitTracker(tracker(fx.ConstantTracker, "const"), name="nd", is_deterministic=False)
    exp.run(adapter)
    files = sorted(p.name for p in (tmp_path / "r" / "GOT-10k" / "nd" / "a").iterdir())
    assert files == ["a_001.txt", "a_002.txt", "a_003.txt", "a_time.txt"]
    assert np.loadtxt(tmp_path / "r" / "GOT-10k" / "nd" / "a" / "a_time.txt", delimiter=",").shape == (3, 3)


@pytest.fixture
def test_split(tmp_path):
    seqs = {"GOT-10k_Test_000001": fx.moving_boxes(4), "GOT-10k_Test_000002": fx.moving_boxes(3, start=(5, 5))}
    fx.make_got10k(tmp_path / "data", "test", seqs)
    return get_dataset("got10k_test", root=tmp_path / "data").get_sequence_list(), seqs


def test_pack_three_runs(tmp_path, test_split):
    seqs, boxes = test_split
    for r in range(3):
        tr = Tracker("const", "default", r, tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)
        run_dataset(seqs, tr, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    out = pack_got10k(seqs, "const", "default", [0, 1, 2], tmp_path / "res", tmp_path / "sub.zip")
    with zipfile.ZipFile(out) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(f"{s}/{s}_{k}.txt" for s in boxes for k in ("001", "002", "003", "time"))
        lines = zf.read("GOT-10k_Test_000001/GOT-10k_Test_000001_002.txt").decode().splitlines()
        assert len(lines) == 4 and lines[0] == "10.000000,8.000000,12.000000,10.000000"
        times = zf.read("GOT-10k_Test_000002/GOT-10k_Test_000002_time.txt").decode().splitlines()
        assert len(times) == 3 and all(len(t.split(",")) == 3 for t in times)


def test_pack_single_run_repeated_or_once(tmp_path, test_split):
    seqs, _ = test_split
    run_dataset(seqs, tracker(fx.ConstantTracker, "const"), opts=RunOptions(results_root=tmp_path / "res"),
                progress=False)
    out = pack_got10k(seqs, "const", "default", None, tmp_path / "res", tmp_path / "rep.zip")
    with zipfile.ZipFile(out) as zf:
        a = [zf.read(f"GOT-10k_Test_000001/GOT-10k_Test_000001_00{k}.txt") for k in (1, 2, 3)]
        assert a[0] == a[1] == a[2]
    once = pack_got10k(seqs, "const", "default", None, tmp_path / "res", tmp_path / "once.zip", repeat_single=1)
    with zipfile.ZipFile(once) as zf:
        assert "GOT-10k_Test_000001/GOT-10k_Test_000001_002.txt" not in zf.namelist()


def test_pack_refuses_incomplete_results(tmp_path, test_split):
    seqs, _ = test_split
    tr0 = Tracker("const", "default", 0, tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)
    run_dataset(seqs, tr0, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    tr1 = Tracker("const", "default", 1, tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)
    run_dataset(seqs, tr1, opts=RunOptions(results_root=tmp_path / "res"), sequences=["GOT-10k_Test_000001"],
                progress=False)
    d1 = results_dir(tr1, "got10k_test", tmp_path / "res")
    (d1 / "GOT-10k_Test_000001.txt").write_text("1\t2\t3\t4\n")
    with pytest.raises(IncompleteResultsError) as e:
        pack_got10k(seqs, "const", "default", [0, 1, 2], tmp_path / "res", tmp_path / "x.zip")
    msg = str(e.value)
    assert "GOT-10k_Test_000001.txt has 1 boxes, the sequence has 4 frames" in msg
    assert "GOT-10k_Test_000002: missing" in msg and "default_002/got10k_test/GOT-10k_Test_000001.txt" in msg
    assert not (tmp_path / "x.zip").exists()
