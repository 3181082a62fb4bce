"""benchmarks/ddp_worker_start.py: a run past its timeout counts as hung and leaves no process behind; the table."""
from __future__ import annotations

import subprocess
import time

import pytest

from benchmarks.ddp_worker_start import one_run, summary


def _alive(marker: str) -> list:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


@pytest.mark.slow
def test_a_run_past_its_timeout_is_hung_and_stopped_with_its_workers(tmp_path):
    # 10000 epochs cannot finish in 20 s; by then both ranks and their DataLoader workers are running
    r = one_run("fork", tmp_path, timeout=20.0, epochs=10000)
    assert r["status"] == "hung" and 20.0 <= r["seconds"] < 80
    assert list((tmp_path / "ckpt").rglob("*.pth.tar"))  # it was training (workers existed) when it was stopped
    deadline = time.time() + 10
    while _alive(str(tmp_path)) and time.time() < deadline:
        time.sleep(0.2)
    assert not _alive(str(tmp_path))


def test_summary_counts_statuses_and_takes_the_median_of_finished_runs():
    results = [{"status": "ok", "seconds": 8.0}, {"status": "hung", "seconds": 90.0},
               {"status": "ok", "seconds": 10.0}, {"status": "failed", "seconds": 3.0}]
    assert summary("fork", results) == "| fork | 4 | 2 | 1 | 1 | 9.0 |"
    assert summary("auto", [{"status": "hung", "seconds": 90.0}]) == "| auto | 1 | 0 | 1 | 0 | - |"
