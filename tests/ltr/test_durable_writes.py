"""Durability of result writes: every file is flushed to disk (fsync) before it is renamed into place, for PNG masks
(written by Pillow) as for text results; per-item locks are exclusive and released with their holder."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

import ltr.admin.fileio as fileio
from ltr.data.image_io import read_mask, write_indexed_png


def _record(monkeypatch):
    events = []
    real_fsync, real_replace = fileio._fsync_path, os.replace
    monkeypatch.setattr(fileio, "_fsync_path", lambda p: (events.append(("fsync", str(p))), real_fsync(p)))
    monkeypatch.setattr(fileio.os, "replace", lambda a, b: (events.append(("replace", str(a), str(b))),
                                                            real_replace(a, b)))
    return events


def test_png_and_text_are_synced_before_the_rename(tmp_path, monkeypatch):
    events = _record(monkeypatch)
    labels = np.zeros((6, 8), np.uint8)
    labels[1:3, 2:5] = 1
    write_indexed_png(tmp_path / "00001.png", labels)
    fileio.atomic_write_text(tmp_path / "result.txt", "1\t2\t3\t4\n")
    assert [e[0] for e in events] == ["fsync", "replace", "fsync", "replace"]
    for sync, replace in (events[:2], events[2:]):
        assert sync[1] == replace[1]                 # the temp file that was synced is the one renamed
    assert events[1][2].endswith("00001.png") and events[3][2].endswith("result.txt")
    np.testing.assert_array_equal(read_mask(tmp_path / "00001.png"), labels)


def test_lock_is_exclusive_across_processes_and_dies_with_its_holder(tmp_path):
    lock = tmp_path / "locks" / "seq.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from ltr.admin.fileio import try_lock\n"
                               f"with try_lock({str(lock)!r}) as ok:\n    print(ok, flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        with fileio.try_lock(lock) as ok:
            assert not ok
    finally:
        holder.kill()
        holder.wait()
    with fileio.try_lock(lock) as ok:                # killed holder: the kernel released its lock
        assert ok
