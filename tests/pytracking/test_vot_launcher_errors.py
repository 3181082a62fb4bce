"""The VOT launcher with the real vot-toolkit 0.9.0 (subprocesses, offline): a failed analysis exits 1 naming the
failed tasks (the plain toolkit exits 0 and writes nothing), and a tracker that cannot start is reported with its
own last error line (the toolkit only says "Unable to connect to tracker")."""
from __future__ import annotations

import os

import pytest

pytest.importorskip("vot")
pytest.importorskip("trax")

from ltr.admin.cli import run_cli  # noqa: E402
from vot_fixtures import HERE, make_dataset, run_vot  # noqa: E402

pytestmark = pytest.mark.slow


def _workspace(tmp_path, seqs, *tracker_args: str) -> None:
    argv = ["vot-workspace", "--workspace", str(tmp_path / "ws"), "--sequences", str(seqs), "--stack", "custom",
            "--timeout", "30", *tracker_args]
    assert run_cli("pytracking", "test", ["pytracking.commands.vot_workspace"], argv) == 0


def test_failed_analysis_exits_1_and_names_the_tasks(tmp_path):
    seqs = tmp_path / "seqs"
    make_dataset(seqs, n_frames=12, anchor_spacing=12)   # one forward anchor per sequence, 12 frames > grace 10
    # the echo tracker reports the target 40 px away: overlap 0 from the first frame, robustness 0 everywhere
    _workspace(tmp_path, seqs, "--tracker-class", "vot_fixtures:EchoMaskTracker", "--tracker-id", "far",
               "--paths", str(HERE), "--param-override", "shift=40")
    ws = tmp_path / "ws"
    res = run_vot(["evaluate", "far", "--workspace", str(ws)], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_vot(["analysis", "far", "--workspace", str(ws), "--name", "a", "--format", "json"], tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "analysis failed, nothing written: 2 task(s) failed" in out
    assert "AverageAccuracyRobustness on experiment 'baseline': division by zero" in out
    assert "AverageAccuracyRobustness on experiment 'realtime': division by zero" in out
    assert "robustness is 0 on every sequence" in out
    assert not (ws / "analysis" / "a.json").exists()


def test_tracker_that_cannot_start_shows_its_error(tmp_path, monkeypatch):
    seqs = tmp_path / "seqs"
    make_dataset(seqs, n_frames=4, anchor_spacing=4)
    (tmp_path / "no_networks").mkdir()
    monkeypatch.setenv("B2M_NETWORK_PATH", str(tmp_path / "no_networks"))   # no checkpoint anywhere
    monkeypatch.delenv("B2M_LWL_NETWORK", raising=False)
    _workspace(tmp_path, seqs, "--tracker", "lwl", "--param", "lwl_ytvos", "--region", "mask")
    res = run_vot(["evaluate", "lwl_lwl_ytvos_mask", "--workspace", str(tmp_path / "ws")], tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode == 1, out
    assert "Unable to connect to tracker" in out                        # all the toolkit itself says
    assert "tracker error of lwl_lwl_ytvos_mask: FileNotFoundError: Checkpoint not found: lwl_stage2.pth" in out
    assert os.environ["B2M_NETWORK_PATH"] in out
