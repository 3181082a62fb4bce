"""Fixes for vot-toolkit 0.9.0 bugs hit by the VOT2020 short-term stack (multistart and realtime experiments).

Bugs (vot-toolkit 0.9.0, identical in 0.8.x):

1. ``MultiStartExperiment.execute`` builds ``ObjectQuery(ObjectStatus, {}, anchor)``: the query needs the *region*
   and offset 0 (the proxy sequence starts at the anchor) -> ``TypeError: ObjectQuery.state must be a Region``.
   It then reads ``status.times[0][0]`` (times are one float per frame) and stores whole ``ObjectStatus`` tuples
   as trajectory regions.
2. ``RealtimeTrackerRuntime`` has no ``run()`` (``TrackerRuntime.run() is not implemented``) and calls the wrapped
   runtime's ``update(frame, None)``, which the TraX runtime rejects for single-object trackers.

Two ways to use the fixes, both without touching site-packages:

* a custom stack refers to :class:`MultiStartExperiment` by dotted path
  (``type: pytracking.vot_integration.compat.MultiStartExperiment``); it subclasses the toolkit's class, so the
  ``multistart_*`` analyses accept it, and it wraps realtime runs in :class:`RealtimeRuntime`;
* :func:`apply_patches` monkeypatches the toolkit in the current process (used by
  ``python -m pytracking.vot_integration.vot_cli``), so the built-in ``vot2020/shortterm`` stack runs unchanged.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional

from vot.dataset.proxy import FrameMapSequence
from vot.experiment import Experiment
from vot.experiment.multistart import MultiStartExperiment as _ToolkitMultiStart
from vot.experiment.multistart import find_anchors
from vot.region import Special
from vot.tracker import ObjectQuery, ObjectStatus, RealtimeTrackerRuntime, RunResult, Trajectory
from vot.utilities import to_number

logger = logging.getLogger(__name__)


class RealtimeRuntime(RealtimeTrackerRuntime):
    """Realtime wrapper with a working ``run()`` that never passes ``None`` objects to the wrapped runtime.

    Semantics are the toolkit's: a reply slower than the frame interval makes the following frames repeat that
    reply (reported with time 0, frames not sent to the tracker) until the delay is used up; the first ``grace``
    slow replies after an initialisation are forgiven.
    """

    def update(self, frame: Any, new: Any = None):
        """Next frame under the real-time constraint (``new`` objects are not supported)."""
        if new:
            raise ValueError("Adding objects during a realtime run is not supported")
        if self._time > self._interval:
            self._time -= self._interval
            return self._status, 0
        self._status, self._time = None, 0
        status, elapsed = self._runtime.update(frame, [])
        if elapsed > self._interval:
            if self._countdown > 0:
                self._countdown -= 1
            else:
                self._time = elapsed - self._interval
                self._status = status
        return status, elapsed

    def run(self, frames: Any, queries: Any) -> RunResult:
        """Initialise on the first frame with the queries at offset 0, then update frame by frame."""
        if any(q.offset != 0 for q in queries):
            raise ValueError("Objects appearing after the first frame are not supported in realtime runs")
        objects = [[] for _ in queries]
        times = []
        for i in range(len(frames)):
            if i == 0:
                new = [ObjectStatus(q.state, q.properties) for q in queries]
                status, elapsed = self.initialize(frames.frame(0), new)
            else:
                status, elapsed = self.update(frames.frame(i), [])
            times.append(elapsed)
            for j in range(len(queries)):
                objects[j].append(status[j])
        return RunResult(objects, times)


def get_runtime(experiment: Experiment, tracker: Any, sequence: Any, multiobject: bool = False) -> Any:
    """The tracker runtime, wrapped in :class:`RealtimeRuntime` when the experiment has a ``realtime`` config."""
    runtime = tracker.runtime()
    if experiment.realtime is not None:
        grace = to_number(experiment.realtime.grace, min_n=0)
        fps = to_number(experiment.realtime.fps, min_n=0, conversion=float)
        interval = 1 / float(sequence.metadata("fps", fps))
        runtime = RealtimeRuntime(runtime, grace, interval)
    return runtime


def execute_multistart(experiment: _ToolkitMultiStart, tracker: Any, sequence: Any, force: bool = False,
                       callback: Optional[Callable[[float], None]] = None) -> None:
    """Run the tracker from every anchor of ``sequence`` (forward to the end, or backward to the start) and write
    one trajectory ``<seq>_<anchor:08d>`` per anchor: frame 0 = initialisation, then the tracker's regions, with the
    per-frame ``time`` and the tracker's own properties (e.g. ``confidence``)."""
    results = experiment.results(tracker, sequence)
    forward, backward = find_anchors(sequence, experiment.anchor)
    if not forward and not backward:
        raise RuntimeError(f"Sequence {sequence.name} does not contain any anchors")
    runs = [(a, False) for a in forward] + [(a, True) for a in backward]
    with experiment._get_runtime(tracker, sequence) as runtime:
        for done, (anchor, reverse) in enumerate(runs, start=1):
            name = f"{sequence.name}_{anchor:08d}"
            if Trajectory.exists(results, name) and not force:
                continue
            order = list(reversed(range(anchor + 1))) if reverse else list(range(anchor, len(sequence)))
            proxy = FrameMapSequence(sequence, order)
            init = experiment._get_initialization(proxy, 0)
            run = runtime.run(proxy, [ObjectQuery(init.region, init.properties, 0)])
            trajectory = Trajectory(len(proxy))
            trajectory.set(0, Special(Trajectory.INITIALIZATION), {"time": run.times[0]})
            for frame in range(1, len(proxy)):
                status = run.objects[0][frame]
                props = dict(status.properties)
                props["time"] = run.times[frame]
                trajectory.set(frame, status.region, props)
            trajectory.write(results, name)
            if callback:
                callback(done / len(runs))


class MultiStartExperiment(_ToolkitMultiStart):
    """The toolkit's multistart experiment with working ``execute`` and realtime runtime (reference it from a
    stack as ``type: pytracking.vot_integration.compat.MultiStartExperiment``)."""

    def _get_runtime(self, tracker: Any, sequence: Any, multiobject: bool = False) -> Any:
        return get_runtime(self, tracker, sequence, multiobject)

    def execute(self, tracker: Any, sequence: Any, force: bool = False,
                callback: Optional[Callable[[float], None]] = None) -> None:
        """See :func:`execute_multistart`."""
        execute_multistart(self, tracker, sequence, force, callback)


_PATCHED = False


def apply_patches() -> None:
    """Monkeypatch the toolkit (idempotent): the toolkit's ``MultiStartExperiment.execute`` and every experiment's
    realtime runtime use the fixed versions above."""
    global _PATCHED
    if _PATCHED:
        return
    import vot.tracker

    _ToolkitMultiStart.execute = execute_multistart
    Experiment._get_runtime = get_runtime
    vot.tracker.RealtimeTrackerRuntime = RealtimeRuntime
    _PATCHED = True
    logger.debug("Patched vot-toolkit multistart execute and realtime runtime")
