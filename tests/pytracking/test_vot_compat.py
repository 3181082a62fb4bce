"""pytracking.vot_integration.compat: the fixed multistart execute and realtime runtime, with a scripted fake runtime."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("vot")

from vot.dataset import load_dataset  # noqa: E402
from vot.region import Special  # noqa: E402
from vot.region.shapes import Rectangle  # noqa: E402
from vot.tracker import ObjectQuery, ObjectStatus, OnlineTrackerRuntime, Trajectory  # noqa: E402
from vot.workspace.storage import LocalStorage  # noqa: E402

from pytracking.vot_integration.compat import MultiStartExperiment, RealtimeRuntime  # noqa: E402
from pytracking.vot_integration.sequences import write_sequence  # noqa: E402


def _frame_index(frame) -> int:
    return int(Path(frame.filename()).stem) - 1


class FakeRuntime(OnlineTrackerRuntime):
    """Replies a rectangle whose x is the 0-based frame index; ``elapsed`` scripted per call."""

    def __init__(self, elapsed=None):
        super().__init__(tracker=None)
        self.calls = []              # (kind, frame index)
        self.elapsed = list(elapsed or [])
        self.stops = 0

    def _reply(self, kind, frame, new):
        if kind == "update":
            assert new is not None and len(new) == 0, "single-object TraX runtimes reject None / new objects"
        self.calls.append((kind, _frame_index(frame)))
        t = self.elapsed.pop(0) if self.elapsed else 0.001
        return [ObjectStatus(Rectangle(_frame_index(frame), 0, 5, 5), {"confidence": 0.5})], t

    def initialize(self, frame, new=None):
        assert len(new) == 1
        return self._reply("init", frame, new)

    def update(self, frame, new=None):
        return self._reply("update", frame, new)

    def stop(self):
        self.stops += 1

    def restart(self):
        pass


class FakeTracker:
    identifier = reference = "fake"
    storage = None

    def __init__(self, runtime):
        self._runtime = runtime

    def runtime(self):
        return self._runtime


@pytest.fixture()
def sequence(tmp_path):
    frames = [np.full((12, 16, 3), 10 * t, np.uint8) for t in range(8)]
    boxes = [[t, 1, 5, 5] for t in range(8)]
    write_sequence(tmp_path / "seqs", "s", frames, boxes=boxes, anchors=[1, 0, 0, 1, 0, 0, 0, -1], fps=10)
    return load_dataset(str(tmp_path / "seqs"))["s"]


def test_realtime_skips_frames_after_slow_replies(sequence):
    # interval 0.1 s (fps 10), grace 1: the slow frame 1 is forgiven; frame 2 takes 0.35 s -> its reply is repeated
    # for frames 3 and 4 (remaining delay 0.25 -> 0.15 -> 0.05) and the tracker next sees frame 5.
    fake = FakeRuntime([0.05, 0.25, 0.35, 0.01, 0.01, 0.01])
    rt = RealtimeRuntime(fake, grace=1, interval=0.1)
    init = sequence.groundtruth(0)
    run = rt.run(sequence, [ObjectQuery(init, {}, 0)])
    assert fake.calls == [("init", 0), ("update", 1), ("update", 2), ("update", 5), ("update", 6), ("update", 7)]
    xs = [status.region.x for status in run.objects[0]]
    assert xs == [0, 1, 2, 2, 2, 5, 6, 7]
    assert run.times == [0.05, 0.25, 0.35, 0, 0, 0.01, 0.01, 0.01]


def test_realtime_rejects_objects_added_later(sequence):
    rt = RealtimeRuntime(FakeRuntime(), grace=0, interval=0.1)
    init = sequence.groundtruth(0)
    with pytest.raises(ValueError, match="not supported"):
        rt.run(sequence, [ObjectQuery(init, {}, 0), ObjectQuery(init, {}, 3)])


@pytest.mark.parametrize("realtime", [None, {"grace": 0}])
def test_multistart_runs_every_anchor_in_its_direction(tmp_path, sequence, realtime):
    fake = FakeRuntime()
    kwargs = {} if realtime is None else {"realtime": realtime}
    exp = MultiStartExperiment("baseline", LocalStorage(str(tmp_path / "ws")), **kwargs)
    tracker = FakeTracker(fake)
    done = []
    exp.execute(tracker, sequence, callback=done.append)
    # anchors: 0 and 3 forward (to the end), 7 backward (to frame 0)
    inits = [i for i, (kind, _) in enumerate(fake.calls) if kind == "init"]
    runs = [[f for _, f in fake.calls[a:b]] for a, b in zip(inits, inits[1:] + [len(fake.calls)])]
    assert runs == [list(range(0, 8)), list(range(3, 8)), list(range(7, -1, -1))]
    assert done == pytest.approx([1 / 3, 2 / 3, 1.0]) and fake.stops == 1
    results = exp.results(tracker, sequence)
    for anchor, length, first in [(0, 8, 1), (3, 5, 4), (7, 8, 6)]:
        traj = Trajectory.read(results, f"s_{anchor:08d}")
        assert len(traj) == length
        assert isinstance(traj.region(0), Special) and traj.region(0).code == Trajectory.INITIALIZATION
        assert isinstance(traj.region(1), Rectangle) and traj.region(1).x == first
        props = traj.properties(1)
        assert props["confidence"] == 0.5 and props["time"] == pytest.approx(0.001)
    complete, files, _ = exp.scan(tracker, sequence)
    assert complete and len(files) == 9   # 3 anchors x (trajectory, time, confidence)
    # rerun without force: nothing is executed again
    fake.calls.clear()
    exp.execute(tracker, sequence)
    assert fake.calls == []
