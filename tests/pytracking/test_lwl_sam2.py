"""The lwl_sam2 tracker: first box -> SAM 2 mask -> LWL, with a random-weight SAM 2.1 tiny (package config, small
input size) and a small random-weight LWL: in-process, through ``pytracking run``, the GOT-10k toolkit adapter and the
TraX server driven by vot-toolkit. Random weights: these test the integration, not the accuracy."""
from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import evalkit_fixtures as fx
from lwl_fixtures import small_lwl, small_params
from ltr.admin.cli import run_cli
from ltr.admin.loading import save_network
from pytracking.libs.sam2_box import SAM2Initializer, box_region
from tests import sam2_fixtures as s2

OVERRIDES = ["image_sample_size=(64,112)", "use_gpu=False"]


@pytest.fixture(scope="module")
def sam2_model():
    return s2.random_model(seed=0)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, sam2_model):
    root = tmp_path_factory.mktemp("nets")
    return {"lwl": save_network(small_lwl(7), root / "lwl_small.pth"),
            "sam2": s2.session_checkpoint(tmp_path_factory, sam2_model)}


@pytest.fixture()
def nets_env(checkpoints, monkeypatch):
    monkeypatch.setenv("B2M_LWL_NETWORK", str(checkpoints["lwl"]))
    monkeypatch.setenv("B2M_SAM2_CHECKPOINT", str(checkpoints["sam2"]))
    monkeypatch.setenv("B2M_SAM2_IMAGE_SIZE", str(s2.IMAGE_SIZE))
    monkeypatch.setenv("B2M_DEVICE", "cpu")
    return checkpoints


def test_initializer_mask_is_inside_the_box_and_follows_the_tracker_device(sam2_model):
    init = SAM2Initializer(model=sam2_model)
    assert init.device is None
    assert init.initialize(device="cpu").device == torch.device("cpu")
    frame, box = s2.textured_frames(1)[0], [10.0, 12.0, 24.0, 20.0]
    mask = init(frame, box)
    assert mask.shape == (48, 64) and mask.dtype == np.float32 and set(np.unique(mask)) <= {0.0, 1.0}
    x0, y0, x1, y1 = box_region(box, 48, 64)
    assert mask.sum() > 0 and mask.sum() == mask[y0:y1, x0:x1].sum()
    np.testing.assert_array_equal(mask, init(frame, box))       # deterministic


def test_lwl_starts_from_the_sam2_mask(sam2_model):
    from pytracking.tracker.lwl import LWL

    frames = s2.textured_frames(4, height=90, width=120, seed=1)
    params = small_params(small_lwl(5), init_with_box=True, output_box_mode="extreme",
                          init_mask_generator=SAM2Initializer(model=sam2_model))
    tracker = LWL(params)
    box = [10.0, 12.0, 24.0, 20.0]
    outs = [tracker.initialize(frames[0], {"init_bbox": box})] + [tracker.track(f) for f in frames[1:]]
    expected = SAM2Initializer(model=sam2_model)(frames[0], box)
    np.testing.assert_array_equal(outs[0]["segmentation"], expected.astype(np.uint8))   # frame 0: SAM 2's mask
    assert all(o["segmentation"].shape == (90, 120) and len(o["target_bbox"]) == 4 for o in outs)


def test_parameters_read_the_environment_and_need_the_extra(nets_env, monkeypatch):
    from pytracking.parameter.lwl import lwl_sam2

    gen = lwl_sam2.parameters().init_mask_generator
    assert isinstance(gen, SAM2Initializer) and gen.device is None           # decided by the tracker
    assert gen.checkpoint == str(nets_env["sam2"]) and gen.image_size == s2.IMAGE_SIZE and gen.config is None
    monkeypatch.setenv("B2M_SAM2_CONFIG", "sam2.1_hiera_q")
    with pytest.raises(ValueError, match="Unknown SAM 2 config 'sam2.1_hiera_q'"):
        lwl_sam2.parameters()
    monkeypatch.delenv("B2M_SAM2_CONFIG")
    for name in [m for m in sys.modules if m == "sam2" or m.startswith("sam2.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sam2", None)
    with pytest.raises(ImportError, match="SAM 2 is not installed.*pip install"):
        lwl_sam2.parameters()


def pytracking_cli(*args) -> int:
    from pytracking.cli import COMMANDS

    return run_cli("pytracking", "test", COMMANDS, [str(a) for a in args])


def test_pytracking_run_and_got10k_adapter(tmp_path, nets_env):
    fx.make_trackingnet(tmp_path / "tn", "TRAIN_0", {"a": fx.moving_boxes(4)})
    overrides = sum((["--param", o] for o in OVERRIDES), [])
    assert pytracking_cli("run", "lwl", "lwl_sam2", "--dataset", "trackingnet_train_0", "--dataset-root",
                          tmp_path / "tn", "--results", tmp_path / "res", "--no-progress", *overrides) == 0
    boxes = np.loadtxt(next((tmp_path / "res").rglob("a.txt")), ndmin=2)
    assert boxes.shape == (4, 4) and np.isfinite(boxes).all()

    experiments = pytest.importorskip("got10k.experiments")
    from pytracking.evaluation.got10k_adapter import Got10kToolkitTracker
    from pytracking.evaluation.tracker import Tracker

    fx.make_got10k(tmp_path / "data", "val", {"GOT-10k_Val_000001": fx.moving_boxes(4)})
    exp = experiments.ExperimentGOT10k(str(tmp_path / "data"), subset="val", result_dir=str(tmp_path / "r"),
                                       report_dir=str(tmp_path / "rep"))
    adapter = Got10kToolkitTracker(Tracker("lwl", "lwl_sam2"), overrides={"image_sample_size": (64, 112),
                                                                          "use_gpu": False})
    exp.run(adapter)
    perf = exp.report([adapter.name])[adapter.name]["overall"]
    assert 0.0 <= perf["ao"] <= 1.0


def test_trax_server_runs_lwl_sam2(tmp_path, nets_env):
    pytest.importorskip("vot")
    pytest.importorskip("trax")
    from vot.dataset import load_dataset
    from vot.region.shapes import Mask
    from vot.tracker import ObjectStatus, Registry

    from pytracking.vot_integration.sequences import write_sequence
    from pytracking.vot_integration.workspace import TrackerEntry, write_trackers_ini
    from vot_fixtures import HERE

    frames = s2.textured_frames(3, height=40, width=48, seed=2)
    write_sequence(tmp_path / "seqs", "clip", frames, boxes=[[8, 10, 20, 14]] * 3, anchor_spacing=2)
    seq = load_dataset(str((tmp_path / "seqs").resolve()))["clip"]
    args = ["--tracker", "lwl", "--param", "lwl_sam2"] + sum((["--param-override", o] for o in OVERRIDES), [])
    entry = TrackerEntry("t", args, paths=str(HERE), timeout=120)
    write_trackers_ini(tmp_path / "trackers.ini", entry)
    rt = Registry([str(tmp_path / "trackers.ini")], root=str(tmp_path))["t"].runtime(log=False)
    try:
        rt.initialize(seq.frame(0), [ObjectStatus(seq.groundtruth(0), {})])
        status, _ = rt.update(seq.frame(1), [])
    finally:
        rt.stop()
    assert isinstance(status[0].region, Mask)
