"""A truncated frame inside a tracker run (evaluation runner, TraX server session) is an error naming the sequence /
frame and the file -- never a silently grey frame; EXIF-rotated frames reach the tracker upright."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import evalkit_fixtures as fx
from ltr.data.image_io import ImageReadError
from pytracking.evaluation.datasets import get_dataset
from pytracking.evaluation.running import RunOptions, run_dataset
from pytracking.evaluation.tracker import Tracker


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * 0.7)])


def test_evaluation_run_reports_the_truncated_frame(tmp_path):
    seqs = {"s1": fx.moving_boxes(5)}
    fx.make_got10k(tmp_path / "data", "val", seqs)
    frame = tmp_path / "data" / "val" / "s1" / "00000004.jpg"
    rgb = (np.random.default_rng(0).random((fx.H, fx.W, 3)) * 255).astype(np.uint8)
    Image.fromarray(rgb).save(frame, quality=90)   # textured: enough JPEG data to cut
    _truncate(frame)
    tracker = Tracker("bright", "default", tracker_class=fx.BrightBoxTracker, params_factory=fx.parameters_for_tests)
    summary = run_dataset(get_dataset("got10k_val", root=tmp_path / "data"), tracker,
                          opts=RunOptions(results_root=tmp_path / "res"), progress=False)
    assert [r.sequence for r in summary.failed] == ["s1"]
    assert "sequence 's1', frame 3: Truncated or corrupt image file" in summary.failed[0].error
    assert "00000004.jpg" in summary.failed[0].error
    assert not list((tmp_path / "res").rglob("s1.txt"))


def test_trax_session_names_the_bad_frame_and_rotates_exif(tmp_path):
    trax = pytest.importorskip("trax")
    from pytracking.vot_integration.trax_server import Session, TrackerFactory

    factory = TrackerFactory.from_class_path("tests.pytracking.vot_fixtures:EchoBoxTracker")
    upright = np.zeros((30, 20, 3), np.uint8)       # 20 wide, 30 high as displayed
    exif = Image.Exif()
    exif[0x0112] = 6                                # stored rotated: 30 wide, 20 high
    paths = []
    for i in range(3):
        p = tmp_path / f"{i:08d}.jpg"
        Image.fromarray(np.ascontiguousarray(np.rot90(upright, 1))).save(p, exif=exif, quality=95)
        paths.append(p)
    Image.fromarray((np.random.default_rng(0).random((20, 30, 3)) * 255).astype(np.uint8)).save(
        paths[2], exif=exif, quality=90)
    _truncate(paths[2])
    session = Session(factory, "rectangle")
    session.initialize(str(paths[0]), trax.Rectangle.create(2, 3, 5, 6))
    assert session.size == (20, 30)                 # upright, as the toolkit (cv2.imread) sees the frame
    session.track(str(paths[1]))
    with pytest.raises(ImageReadError, match=r"initialisation 1, frame 2: Truncated .*00000002.jpg"):
        session.track(str(paths[2]))


def test_trax_server_start_failure_ends_with_one_error_line(tmp_path):
    pytest.importorskip("trax")
    res = subprocess.run([sys.executable, "-m", "pytracking.vot_integration.trax_server", "--tracker-class",
                          "no_such_module_here:Tracker"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ModuleNotFoundError: No module named 'no_such_module_here'"), res.stderr
