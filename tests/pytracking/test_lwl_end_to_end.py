"""End to end with the project's real trackers (LWL, small random-weight checkpoints, small crops): the real
vot-toolkit through the TraX server, the got10k toolkit, TrackingNet packing + local scoring, and the pytracking CLI
with J&F on a DAVIS-layout folder. Random weights: these test the integration, not the accuracy."""
from __future__ import annotations

import json
import zipfile

import pytest

import evalkit_fixtures as fx
from lwl_fixtures import save_small_checkpoints
from ltr.admin.cli import run_cli

pytestmark = pytest.mark.slow
OVERRIDES = ["image_sample_size=(64,112)", "use_gpu=False"]


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    return save_small_checkpoints(tmp_path_factory.mktemp("nets"))


@pytest.fixture()
def nets_env(checkpoints, monkeypatch):
    monkeypatch.setenv("B2M_LWL_NETWORK", str(checkpoints["lwl"]))
    monkeypatch.setenv("B2M_STA_NETWORK", str(checkpoints["sta"]))
    monkeypatch.setenv("B2M_DEVICE", "cpu")
    return checkpoints


def pytracking_cli(*args) -> int:
    from pytracking.cli import COMMANDS

    return run_cli("pytracking", "test", COMMANDS, [str(a) for a in args])


def test_vot2020_stack_with_the_lwl_trax_tracker(tmp_path, nets_env):
    pytest.importorskip("vot")
    from pytracking.vot_integration import check
    from vot_fixtures import make_dataset, run_vot

    make_dataset(tmp_path / "seqs", n_frames=10)
    ws = tmp_path / "ws"
    argv = ["vot-workspace", "--workspace", ws, "--sequences", tmp_path / "seqs", "--tracker", "lwl", "--param",
            "lwl_ytvos", "--region", "mask", "--tracker-id", "lwl_mask", "--timeout", "60"]
    for o in OVERRIDES:
        argv += ["--param-override", o]
    assert pytracking_cli(*argv) == 0
    res = run_vot(["evaluate", "lwl_mask", "--workspace", str(ws)], tmp_path, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert check.main([str(ws), "lwl_mask"]) == 0
    res = run_vot(["analysis", "lwl_mask", "--workspace", str(ws), "--name", "lwl", "--format", "json"], tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    report = json.loads((ws / "analysis" / "lwl.json").read_text())
    assert set(report["results"]) >= {"baseline", "unsupervised"}


def test_got10k_toolkit_with_lwl_boxinit(tmp_path, nets_env, monkeypatch):
    experiments = pytest.importorskip("got10k.experiments")
    from pytracking.evaluation.got10k_adapter import Got10kToolkitTracker
    from pytracking.evaluation.tracker import Tracker

    monkeypatch.setenv("B2M_LWL_NETWORK", str(nets_env["boxinit"]))
    fx.make_got10k(tmp_path / "data", "val", {"GOT-10k_Val_000001": fx.moving_boxes(6),
                                              "GOT-10k_Val_000002": fx.moving_boxes(5, start=(30, 20))})
    exp = experiments.ExperimentGOT10k(str(tmp_path / "data"), subset="val", result_dir=str(tmp_path / "r"),
                                       report_dir=str(tmp_path / "rep"))
    adapter = Got10kToolkitTracker(Tracker("lwl", "lwl_boxinit"), overrides={"image_sample_size": (64, 112),
                                                                             "use_gpu": False})
    exp.run(adapter)
    perf = exp.report([adapter.name])[adapter.name]["overall"]
    assert 0.0 <= perf["ao"] <= 1.0 and len(perf["succ_curve"]) == 101


def test_trackingnet_pack_and_score_with_lwl_box2mask(tmp_path, nets_env):
    from pytracking.evaluation.trackingnet_score import score_split

    fx.make_trackingnet(tmp_path / "tn", "TRAIN_0", {"a": fx.moving_boxes(5), "b": fx.moving_boxes(4, start=(20, 10))})
    base = ["--dataset", "trackingnet_train_0", "--dataset-root", tmp_path / "tn", "--results", tmp_path / "res",
            "--no-progress"]
    overrides = sum((["--param", o] for o in OVERRIDES), [])
    assert pytracking_cli("run", "lwl", "lwl_box2mask", *base, *overrides) == 0
    assert pytracking_cli("pack", "trackingnet", "lwl", "lwl_box2mask", "--dataset", "trackingnet_train_0",
                          "--dataset-root", tmp_path / "tn", "--results", tmp_path / "res",
                          "--out", tmp_path / "sub.zip") == 0
    with zipfile.ZipFile(tmp_path / "sub.zip") as zf:
        assert sorted(zf.namelist()) == ["a.txt", "b.txt"]
        assert len(zf.read("a.txt").decode().strip().splitlines()) == 5   # frame 0 included
    scores = score_split(tmp_path / "tn", "TRAIN_0", tmp_path / "sub.zip")
    assert 0.0 <= scores["success"] <= 100.0


def test_pytracking_cli_on_davis_layout_with_jf(tmp_path, nets_env, capsys):
    frames = [{1: (10 + 2 * t, 8, 14, 12), 2: (40 - t, 20, 10, 10)} for t in range(5)]
    fx.make_davis(tmp_path / "davis", {"seq": frames}, year="2017")
    base = ["--dataset", "davis2017_val", "--dataset-root", tmp_path / "davis", "--results", tmp_path / "res",
            "--segmentation", tmp_path / "seg", "--no-progress"]
    overrides = sum((["--param", o] for o in OVERRIDES), [])
    assert pytracking_cli("run", "lwl", "lwl_ytvos", *base, *overrides) == 0
    pngs = sorted((tmp_path / "seg").rglob("*.png"))
    assert len(pngs) == 5
    capsys.readouterr()
    assert pytracking_cli("analyze", "--dataset", "davis2017_val", "--dataset-root", tmp_path / "davis",
                          "--segmentation", tmp_path / "seg", "--results", tmp_path / "res", "--out", tmp_path / "o",
                          "--trackers", "lwl:lwl_ytvos") == 0
    assert "J&F" in capsys.readouterr().out
