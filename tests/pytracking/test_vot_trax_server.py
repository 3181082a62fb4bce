"""The TraX server process driven by vot-toolkit's own TraX runtime (real libtrax client, real subprocess)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("vot")
pytest.importorskip("trax")

from vot.dataset import load_dataset  # noqa: E402
from vot.region.shapes import Mask, Rectangle  # noqa: E402
from vot.tracker import ObjectStatus, Registry, TrackerException  # noqa: E402

from pytracking.vot_integration.regions import tight_box  # noqa: E402
from pytracking.vot_integration.sequences import write_sequence  # noqa: E402
from pytracking.vot_integration.workspace import TrackerEntry, write_trackers_ini  # noqa: E402
from vot_fixtures import HERE, make_dataset  # noqa: E402


def _runtime(tmp_path: Path, *server_args: str, timeout: int = 30):
    entry = TrackerEntry("t", list(server_args), paths=str(HERE), timeout=timeout)
    ini = tmp_path / "trackers.ini"
    write_trackers_ini(ini, entry)
    return Registry([str(ini)], root=str(tmp_path))["t"].runtime(log=False)


def _full(region, width, height):
    assert isinstance(region, Mask)
    out = np.zeros((height, width), np.uint8)
    m, (x0, y0) = region.mask, region.offset
    out[y0:y0 + m.shape[0], x0:x0 + m.shape[1]] = m
    return out


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("vot_seqs")
    gts = make_dataset(root)
    frames = [np.full((40, 48, 3), 30 * t, np.uint8) for t in range(4)]
    write_sequence(root, "rect", frames, boxes=[[3.5, 4.25, 10, 12]] * 4, anchor_spacing=2)
    return load_dataset(str(root.resolve())), gts


def _records(path: Path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_repeated_initialize_in_one_process_with_mask_offsets(tmp_path, dataset):
    ds, gts = dataset
    record = tmp_path / "record.jsonl"
    rt = _runtime(tmp_path, "--tracker-class", "vot_fixtures:EchoMaskTracker",
                  "--param-override", f"record={record}", "--param-override", "chatter=True")
    try:
        runs = [("static", 0, [1, 2]), ("moving", 7, [8, 9, 10]), ("static", 14, [13])]
        for name, start, frames in runs:
            seq = ds[name]
            gt = gts[name][start]
            status, _ = rt.initialize(seq.frame(start), [ObjectStatus(seq.groundtruth(start), {})])
            np.testing.assert_array_equal(_full(status[0].region, 48, 40), gt)
            for f in frames:
                status, _ = rt.update(seq.frame(f), [])
                np.testing.assert_array_equal(_full(status[0].region, 48, 40), gt)  # echo of the initial mask
    finally:
        rt.stop()
    recs = _records(record)
    assert len(recs) == 3
    assert len({r["pid"] for r in recs}) == 1                # one process: no restart per initialisation
    assert len({r["instance"] for r in recs}) == 3           # a fresh tracker per initialize
    for rec, (name, start, _) in zip(recs, runs):
        expected = tight_box(gts[name][start])
        assert rec["has_mask"] and rec["mask_box"] == expected and rec["init_bbox"] == expected
        assert rec["mask_sum"] == int(gts[name][start].sum()) and rec["shape"] == [40, 48, 3]


def test_rectangle_server_with_mask_ground_truth(tmp_path, dataset):
    ds, gts = dataset
    record = tmp_path / "record.jsonl"
    rt = _runtime(tmp_path, "--tracker-class", "vot_fixtures:EchoBoxTracker", "--region", "rectangle",
                  "--param-override", f"record={record}")
    try:
        seq = ds["moving"]
        rt.initialize(seq.frame(3), [ObjectStatus(seq.groundtruth(3), {})])
        status, _ = rt.update(seq.frame(4), [])
    finally:
        rt.stop()
    r = status[0].region
    box = tight_box(gts["moving"][3])          # [8, 12, 10, 10]: box tracker gets the tight box of the mask
    assert isinstance(r, Rectangle) and [r.x, r.y, r.width, r.height] == box
    assert _records(record)[0]["init_bbox"] == box


def test_mask_server_with_rectangle_ground_truth_gets_the_box(tmp_path, dataset):
    ds, _ = dataset
    record = tmp_path / "record.jsonl"
    rt = _runtime(tmp_path, "--tracker-class", "vot_fixtures:EchoMaskTracker", "--param-override", f"record={record}")
    try:
        seq = ds["rect"]
        rt.initialize(seq.frame(0), [ObjectStatus(seq.groundtruth(0), {})])
        status, _ = rt.update(seq.frame(1), [])
    finally:
        rt.stop()
    rec = _records(record)[0]
    assert rec["init_bbox"] == [3.5, 4.25, 10.0, 12.0] and not rec["has_mask"]
    assert isinstance(status[0].region, Mask)


def test_tracker_exception_ends_the_session_fast(tmp_path, dataset):
    ds, _ = dataset
    rt = _runtime(tmp_path, "--tracker-class", "vot_fixtures:EchoMaskTracker", "--param-override", "fail_at=2",
                  timeout=30)
    seq = ds["static"]
    t0 = time.time()
    try:
        rt.initialize(seq.frame(0), [ObjectStatus(seq.groundtruth(0), {})])
        rt.update(seq.frame(1), [])
        with pytest.raises(TrackerException) as err:
            rt.update(seq.frame(2), [])
    finally:
        rt.stop()
    assert time.time() - t0 < 15                              # no wait for the 30 s reply timeout
    assert "synthetic tracker failure at frame 2" in str(err.value)
    assert "Traceback" in err.value.log and "Process exited with code (1)" in err.value.log


def test_unknown_tracker_fails_before_the_handshake(tmp_path, dataset):
    ds, _ = dataset
    rt = _runtime(tmp_path, "--tracker", "no_such_tracker", "--param", "default")
    seq = ds["static"]
    with pytest.raises(TrackerException) as err:
        rt.initialize(seq.frame(0), [ObjectStatus(seq.groundtruth(0), {})])
    rt.stop()
    assert "UnknownTrackerError" in err.value.log and "no_such_tracker" in err.value.log


def test_slow_loading_happens_before_the_handshake(tmp_path, dataset):
    # the toolkit times out every reply (here after 1 s) but not the start-up before the TraX handshake, where the
    # server builds its first tracker (and loads the network)
    ds, _ = dataset
    rt = _runtime(tmp_path, "--tracker-class", "vot_fixtures:SlowLoadingTracker", "--param-override",
                  "load_seconds=2.5", timeout=1)
    seq = ds["static"]
    try:
        for start in (0, 7):
            rt.initialize(seq.frame(start), [ObjectStatus(seq.groundtruth(start), {})])
            status, _ = rt.update(seq.frame(start + 1), [])
            assert isinstance(status[0].region, Mask)
    finally:
        rt.stop()
