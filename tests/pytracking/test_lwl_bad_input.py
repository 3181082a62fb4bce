"""Bad input to the LWL trackers and the runner: clear errors naming what is wrong, or documented skips."""
from __future__ import annotations

import numpy as np
import pytest

import evalkit_fixtures as fx
from lwl_fixtures import small_lwl, small_params
from ltr.admin.cli import run_cli
from ltr.admin.loading import save_network
from pytracking.tracker.lwl import LWL


def _frames(n=3, h=60, w=80):
    rng = np.random.default_rng(0)
    return (rng.random((n, h, w, 3)) * 255).astype(np.uint8)


def test_zero_area_and_outside_boxes_are_refused():
    params = small_params(small_lwl(1, boxinit=True), init_with_box=True)
    f = _frames()
    with pytest.raises(ValueError, match="positive size"):
        LWL(params).initialize(f[0], {"init_bbox": [10.0, 10.0, 0.0, 5.0]})
    with pytest.raises(ValueError, match="outside the image"):
        LWL(params).initialize(f[0], {"init_bbox": [100.0, 10.0, 20.0, 20.0]})


def test_mask_of_wrong_size_and_empty_mask():
    params = small_params(small_lwl(1))
    f = _frames()
    with pytest.raises(ValueError, match="init_mask shape"):
        LWL(params).initialize(f[0], {"init_mask": np.ones((10, 10), np.uint8)})
    with pytest.raises(ValueError, match="Empty initial mask"):
        LWL(params).initialize(f[0], {"init_mask": np.zeros((60, 80), np.uint8)})


def test_box_partly_outside_the_image_is_clipped_for_the_box_encoder():
    params = small_params(small_lwl(2, boxinit=True), init_with_box=True, output_box_mode="extreme")
    tracker = LWL(params)
    out = tracker.initialize(_frames()[0], {"init_bbox": [-15.0, -10.0, 40.0, 30.0]})
    assert out["segmentation"].shape == (60, 80)
    out = tracker.track(_frames()[1])
    assert len(out["target_bbox"]) == 4


def _cli(*args):
    from pytracking.cli import COMMANDS

    return run_cli("pytracking", "test", COMMANDS, [str(a) for a in args])


def test_runner_one_frame_sequence_corrupt_frame_and_missing_checkpoint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("B2M_DEVICE", "cpu")
    monkeypatch.setenv("B2M_LWL_NETWORK", str(save_network(small_lwl(3, boxinit=True), tmp_path / "net.pth")))
    root = fx.make_got10k(tmp_path / "got", "val", {"one": fx.moving_boxes(1), "bad": fx.moving_boxes(4)})
    (root / "val" / "bad" / "00000003.jpg").write_bytes(b"not a jpeg")
    base = ["--dataset", "got10k_val", "--dataset-root", tmp_path / "got", "--results", tmp_path / "res",
            "--no-progress", "--param", "image_sample_size=(64,112)"]
    assert _cli("run", "lwl", "lwl_boxinit", *base) == 1          # 'bad' failed, 'one' succeeded
    out = capsys.readouterr()
    assert "FAILED" in out.out + out.err and "00000003.jpg" in out.out + out.err
    res = tmp_path / "res" / "lwl" / "lwl_boxinit" / "got10k_val"
    assert (res / "one.txt").is_file() and len((res / "one.txt").read_text().splitlines()) == 1
    assert not (res / "bad.txt").exists()
    monkeypatch.setenv("B2M_LWL_NETWORK", str(tmp_path / "missing.pth"))
    # (another override: parameters are cached per process and key, like one CLI run)
    assert _cli("run", "lwl", "lwl_boxinit", *base, "--results", tmp_path / "res2", "--param", "min_mask_area=99") != 0
    out = capsys.readouterr()
    assert "missing.pth" in out.out + out.err
