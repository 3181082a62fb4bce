"""Runs that are interrupted or share an output folder: Ctrl-C ends with one line and exit 130 and the same command
resumes; two ``annotate`` processes on one folder never compute a sequence twice (per-sequence locks)."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from box2mask.annotate import _lock_path, annotate_dataset
from box2mask.methods import build_method
from ltr.admin.fileio import try_lock
from ltr.data.image_io import read_mask, write_image


def _folder_dataset(root: Path, names, n: int = 3, size=(96, 72)) -> None:
    rng = np.random.default_rng(0)
    for name in names:
        for i in range(n):
            img = (rng.random((size[1], size[0], 3)) * 80).astype(np.uint8)
            img[20:50, 20 + i:60 + i] = 210
            write_image(root / name / f"{i:05d}.jpg", img)
        (root / name / "groundtruth.txt").write_text("".join(f"{20 + i},20,40,30\n" for i in range(n)))


def _cli(*argv: str) -> list:
    return [sys.executable, "-m", "box2mask.cli", *map(str, argv)]


def test_sequence_locked_by_another_process_is_left_to_it(tmp_path):
    _folder_dataset(tmp_path / "videos", ["a", "b", "c"], n=2, size=(40, 32))
    out = tmp_path / "m"
    with try_lock(_lock_path(out, "b")) as held:     # stands in for a second annotate process working on 'b'
        assert held
        with try_lock(_lock_path(out, "b")) as again:
            assert not again                         # the lock is exclusive
        summary = annotate_dataset(build_method("box"), "folder", tmp_path / "videos", out, progress=False)
    assert summary.done == ["a", "c"] and summary.busy == ["b"] and not (out / "b").exists()
    summary = annotate_dataset(build_method("box"), "folder", tmp_path / "videos", out, progress=False)
    assert summary.done == ["b"] and summary.skipped == ["a", "c"]
    mask = read_mask(out / "b" / "00001.png")        # box [21, 20, 40, 30] clipped to the 40 x 32 frame
    assert mask[20:, 21:].all() and mask.sum() == 19 * 12


def test_two_annotate_processes_share_one_output_folder(tmp_path):
    names = [f"s{i}" for i in range(6)]
    _folder_dataset(tmp_path / "videos", names)
    argv = _cli("annotate", "--dataset", "folder", "--root", tmp_path / "videos", "--out", tmp_path / "m",
                "--method", "grabcut", "--no-progress")
    procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    annotated = [int(re.search(r"annotated (\d+) sequence", out).group(1)) for out, _ in outputs]
    assert sum(annotated) == len(names), outputs   # every sequence computed exactly once between the two
    for name in names:
        assert (tmp_path / "m" / name / ".done").is_file()
        assert len(list((tmp_path / "m" / name).glob("*.png"))) == 3
    assert not list((tmp_path / "m").rglob("*.tmp"))


def test_ctrl_c_ends_with_one_line_and_the_same_command_resumes(tmp_path):
    n = 60   # whole-frame GrabCut on 240x320 frames: long enough to be interrupted also on a fast, idle machine
    rng = np.random.default_rng(1)
    for i in range(n):
        img = (rng.random((240, 320, 3)) * 80).astype(np.uint8)
        img[60:180, 40 + i:160 + i] = 200
        write_image(tmp_path / "frames" / f"{i:05d}.jpg", img)
    (tmp_path / "gt.txt").write_text("".join(f"{40 + i},60,120,120\n" for i in range(n)))
    out = tmp_path / "m"
    argv = _cli("predict", "--frames", tmp_path / "frames", "--boxes", tmp_path / "gt.txt", "--out", out,
                "--method", "grabcut", "--sample-scale", "0", "--quiet")
    # a run started from a background job inherits SIGINT ignored (and Python then keeps ignoring it): give the
    # command the default disposition, as in an interactive terminal. Done by a tiny launcher that resets it and
    # execs the command, not by preexec_fn (Python code in a forked child can hang when the test process has threads)
    reset = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
    proc = subprocess.Popen([sys.executable, "-c", reset, *map(str, argv)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list(out.glob("*.png")) and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: interrupted (Ctrl-C)") and "Traceback" not in err
    done = sorted(out.glob("*.png"))
    assert 0 < len(done) < n and not list(out.glob(".*.tmp"))
    for p in done:
        read_mask(p)                                  # every written mask is complete
    resumed = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{n - len(done)} of {n} frames to do" in resumed.stderr
    assert len(list(out.glob("*.png"))) == n
