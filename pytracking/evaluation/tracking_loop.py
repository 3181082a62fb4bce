"""The one frame loop every way of running a tracker shares (``pytracking run``, ``pytracking video``, the Python
API): ``initialize`` on the first frame, then ``track`` with the previous (merged) output, timing each call."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, Iterator, Tuple

import numpy as np


def tracker_outputs(tracker: Any, frames: Iterable[np.ndarray],
                    frame_info: Callable[[int], Dict[str, Any]]) -> Iterator[Tuple[int, np.ndarray, Dict[str, Any],
                                                                                  Dict[str, Any], float]]:
    """Run ``tracker`` over ``frames``; yields ``(index, image, info, output, seconds)`` per frame.

    ``frame_info(i)`` gives frame i's initialisation data (frame 0: ``init_bbox`` / ``init_mask`` ...; later frames:
    objects starting there, or ``{}``); later frames also receive ``previous_output``, the tracker's output of the
    frame before (for several objects: the merged output, as the multi-object wrapper expects). ``output`` is the
    tracker's own dict (``{}`` when ``initialize`` returns nothing).
    """
    prev: Dict[str, Any] = {}
    for index, image in enumerate(frames):
        info = dict(frame_info(index))
        start = time.perf_counter()
        if index == 0:
            out = tracker.initialize(image, info) or {}
        else:
            info["previous_output"] = prev
            out = tracker.track(image, info)
        seconds = time.perf_counter() - start
        yield index, image, info, out, seconds
        prev = dict(out)
