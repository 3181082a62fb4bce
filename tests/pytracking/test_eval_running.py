"""pytracking.evaluation.running: result files, resume, failures, kill safety, worker processes, multi-object runs."""
import functools
import multiprocessing as mp
import os
import time

import numpy as np
import pytest

import evalkit_fixtures as fx
from ltr.data.image_io import read_mask
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.running import (RunOptions, read_result_boxes, results_dir, run_dataset, run_sequence,
                                           segmentation_dir)
from pytracking.evaluation.tracker import Tracker


def bright():
    return Tracker("bright", "default", tracker_class=fx.BrightBoxTracker, params_factory=fx.parameters_for_tests)


def constant(run_id=None):
    return Tracker("const", "default", run_id, tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)


@pytest.fixture
def got(tmp_path):
    seqs = {"s1": fx.moving_boxes(6), "s2": fx.moving_boxes(5, start=(3, 3)), "s3": fx.moving_boxes(4, start=(30, 20))}
    fx.make_got10k(tmp_path / "data", "val", seqs)
    return get_dataset("got10k_val", root=tmp_path / "data"), seqs


def test_result_files_and_formats(got, tmp_path):
    ds, seqs = got
    summary = run_dataset(ds, bright(), opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    assert summary.ok and summary.count("done") == 3
    out = tmp_path / "res" / "bright" / "default" / "got10k_val"
    assert out == results_dir(bright(), "got10k_val", tmp_path / "res")
    lines = (out / "s1.txt").read_text().splitlines()
    assert len(lines) == 6 and lines[0] == "10.000\t8.000\t12.000\t10.000"  # frame 0 = initial box, tab-separated
    np.testing.assert_allclose(read_result_boxes(out / "s2.txt"), seqs["s2"], atol=1)  # the tracker finds the box
    times = np.loadtxt(out / "s1_time.txt")
    assert times.shape == (6,) and (times >= 0).all()
    assert not (tmp_path / "seg").exists()  # box dataset: no masks unless asked


def test_resume_skips_finished_sequences(got, tmp_path):
    ds, _ = got
    opts = RunOptions(results_root=tmp_path / "res")
    run_dataset(ds, bright(), opts=opts, sequences=["s1"], progress=False)
    f = tmp_path / "res" / "bright" / "default" / "got10k_val" / "s1.txt"
    f.write_text("sentinel\n")  # a rerun would overwrite it
    summary = run_dataset(ds, bright(), opts=opts, progress=False)
    assert summary.count("skipped") == 1 and summary.count("done") == 2
    assert f.read_text() == "sentinel\n"
    assert [r.status for r in run_dataset(ds, bright(), opts=opts, progress=False).results] == ["skipped"] * 3


def test_failed_sequence_is_reported_and_leaves_no_file(got, tmp_path):
    ds, seqs = got
    params = fx.make_params(fail_if_x=float(seqs["s2"][0, 0]), fail_frame=3)
    tr = Tracker("const", "failing", tracker_class=fx.ConstantTracker, params_factory=lambda: params)
    summary = run_dataset(ds, tr, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    assert not summary.ok and [r.sequence for r in summary.failed] == ["s2"]
    assert "RuntimeError: test failure at frame 3" in summary.failed[0].error
    assert "FAILED const_failing / s2: RuntimeError: test failure at frame 3" in summary.report()
    out = tmp_path / "res" / "const" / "failing" / "got10k_val"
    assert sorted(p.name for p in out.iterdir()) == ["s1.txt", "s1_time.txt", "s3.txt", "s3_time.txt"]
    with pytest.raises(RuntimeError, match="test failure"):
        run_sequence(ds.get_sequence("s2"), tr, RunOptions(results_root=tmp_path / "res", debug=True))


def _run_slow(root, results, marker):
    ds = get_dataset("got10k_val", root=root)
    params = functools.partial(fx.make_params, sleep=1.0, marker=str(marker))
    tr = Tracker("const", "slow", tracker_class=fx.ConstantTracker, params_factory=params)
    run_dataset(ds, tr, opts=RunOptions(results_root=results), sequences=["s1"], progress=False)


def test_killed_run_leaves_no_partial_file(got, tmp_path):
    marker = tmp_path / "frames.txt"
    p = mp.get_context("spawn").Process(target=_run_slow, args=(tmp_path / "data", tmp_path / "res", marker))
    p.start()
    deadline = time.time() + 60
    while time.time() < deadline and not (marker.is_file() and len(marker.read_text().split()) >= 2):
        time.sleep(0.05)
    p.kill()  # mid-sequence: frame 3 of 6 (1 s per frame)
    p.join()
    assert marker.read_text().split()[:2] == ["2", "3"]
    out = tmp_path / "res" / "const" / "slow" / "got10k_val"
    assert not out.exists() or not list(out.iterdir())
    tr = Tracker("const", "slow", tracker_class=fx.ConstantTracker, params_factory=fx.parameters_for_tests)
    summary = run_dataset(get_dataset("got10k_val", root=tmp_path / "data"), tr,
                          opts=RunOptions(results_root=tmp_path / "res"), sequences=["s1"], progress=False)
    assert summary.count("done") == 1 and len((out / "s1.txt").read_text().splitlines()) == 6


def test_two_worker_processes(got, tmp_path):
    ds, seqs = got
    tr = Tracker("pid", "slow", tracker_class=fx.PidTracker, params_factory=fx.slow_params_short)
    summary = run_dataset(ds, tr, threads=2, opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    assert summary.ok and summary.count("done") == 3
    out = tmp_path / "res" / "pid" / "slow" / "got10k_val"
    pids = {int(read_result_boxes(out / f"{s}.txt")[1, 0]) for s in seqs}
    assert os.getpid() % 100000 not in pids and len(pids) == 2


def test_vos_multi_object_run_with_wrapper_stand_in(tmp_path):
    frames = [{1: (2, 2, 8, 8)}, {1: (3, 2, 8, 8), 2: (30, 20, 10, 8)}, {1: (5, 3, 8, 8), 2: (32, 21, 10, 8)}]
    fx.make_ytvos(tmp_path / "yt", {"vid": frames})
    ds = get_dataset("youtubevos_valid", root=tmp_path / "yt")
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    opts = RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                      multiobj_wrapper=fx.StandInMultiObjectWrapper)
    summary = run_dataset(ds, tr, opts=opts, progress=False)
    assert summary.ok, summary.report()
    out = results_dir(tr, "youtubevos_valid", tmp_path / "res")
    b1, b2 = read_result_boxes(out / "vid_1.txt"), read_result_boxes(out / "vid_2.txt")
    np.testing.assert_allclose(b1[0], [2, 2, 8, 8])
    assert np.isnan(b2[0]).all()  # object 2 appears in frame 1
    np.testing.assert_allclose(b2[1], [30, 20, 10, 8])
    np.testing.assert_allclose(b2[2], [32, 21, 10, 8], atol=1)
    seg = segmentation_dir(tr, "youtubevos_valid", tmp_path / "seg") / "vid"
    assert sorted(p.name for p in seg.iterdir()) == ["00000.png", "00005.png", "00010.png"]
    lab = read_mask(seg / "00010.png")
    expected = fx.label_map_with_boxes(frames[2])
    assert (lab == expected).mean() > 0.97 and set(np.unique(lab)) == {0, 1, 2}


def test_single_object_vos_run_writes_masks(tmp_path):
    frames = [{1: (2, 2, 8, 8)}, {1: (4, 2, 8, 8)}, {1: (6, 3, 8, 8)}]
    fx.make_davis(tmp_path / "davis", {"one": frames}, year="2016")
    ds = get_dataset("davis2016_val", root=tmp_path / "davis")
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    summary = run_dataset(ds, tr, opts=RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg"),
                          progress=False)
    assert summary.ok, summary.report()
    seg = segmentation_dir(tr, "davis2016_val", tmp_path / "seg") / "one"
    assert (read_mask(seg / "00002.png") == fx.label_map_with_boxes(frames[2])).mean() > 0.97
    assert not [p for p in seg.parent.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_missing_multi_object_wrapper_output_is_reported(tmp_path):
    """A wrapper returning objects the sequence does not have fails that sequence with a clear message."""
    frames = [{1: (2, 2, 8, 8)}, {1: (3, 2, 8, 8)}]
    fx.make_davis(tmp_path / "davis", {"one": frames}, year="2017")
    ds = get_dataset("davis2017_val", root=tmp_path / "davis")

    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    opts = RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                      multiobj_wrapper=fx.BadIdsWrapper)
    summary = run_dataset(ds, tr, opts=opts, progress=False)
    assert "unknown object id '7'" in summary.failed[0].error


def test_vos_run_with_the_project_multi_object_wrapper(tmp_path):
    """Default path: pytracking.evaluation.multi_object_wrapper.MultiObjectWrapper, imported lazily."""
    frames = [{1: (2, 2, 8, 8)}, {1: (3, 2, 8, 8), 2: (30, 20, 10, 8)}, {1: (5, 3, 8, 8), 2: (32, 21, 10, 8)}]
    fx.make_ytvos(tmp_path / "yt", {"vid": frames})
    ds = get_dataset("youtubevos_valid", root=tmp_path / "yt")
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    opts = RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg")
    summary = run_dataset(ds, tr, opts=opts, progress=False)
    assert summary.ok, summary.report()
    out = results_dir(tr, "youtubevos_valid", tmp_path / "res")
    b2 = read_result_boxes(out / "vid_2.txt")
    assert np.isnan(b2[0]).all()
    np.testing.assert_allclose(b2[1:], [[30, 20, 10, 8], [32, 21, 10, 8]], atol=1)
    lab = read_mask(segmentation_dir(tr, "youtubevos_valid", tmp_path / "seg") / "vid" / "00010.png")
    assert (lab == fx.label_map_with_boxes(frames[2])).mean() > 0.97


def test_multi_object_box_from_label_map_when_missing(tmp_path):
    frames = [{1: (2, 2, 8, 8)}, {1: (5, 3, 8, 8)}]
    fx.make_davis(tmp_path / "davis", {"one": frames}, year="2017")
    ds = get_dataset("davis2017_val", root=tmp_path / "davis")
    tr = Tracker("intensity", "default", tracker_class=fx.IntensityTracker, params_factory=fx.parameters_for_tests)
    opts = RunOptions(results_root=tmp_path / "res", segmentation_root=tmp_path / "seg",
                      multiobj_wrapper=fx.NoBoxWrapper)
    assert run_dataset(ds, tr, opts=opts, progress=False).ok
    boxes = read_result_boxes(results_dir(tr, "davis2017_val", tmp_path / "res") / "one_1.txt")
    np.testing.assert_allclose(boxes, [[2, 2, 8, 8], [5, 3, 8, 8]], atol=1)


def test_parameter_cache_follows_the_checkpoint_environment(monkeypatch, tmp_path):
    from pytracking.evaluation.running import _params_for
    from pytracking.evaluation.tracker import Tracker

    tracker = Tracker("lwl", "lwl_boxinit")
    monkeypatch.setenv("B2M_LWL_NETWORK", str(tmp_path / "a.pth"))
    a = _params_for(tracker, {})
    assert _params_for(tracker, {}) is a                                  # built once per process ...
    monkeypatch.setenv("B2M_LWL_NETWORK", str(tmp_path / "b.pth"))
    b = _params_for(tracker, {})
    assert b is not a and str(b.net.net_path).endswith("b.pth")           # ... but never a stale checkpoint
