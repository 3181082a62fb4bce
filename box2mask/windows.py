"""Which frames accompany a target frame (paper Sec. 3.5: T frames with interval delta, shifted one frame at a time)."""
from __future__ import annotations

from typing import List, Sequence

__all__ = ["window_frames"]


def window_frames(target: int, valid: Sequence[int], num_frames: int, interval: int) -> List[int]:
    """The ``num_frames`` (T) frames used to segment frame ``target``.

    Rules:

    * Only frames that have a box count: the window is built on the sorted, de-duplicated list ``valid``; positions
      and spacing are measured in that list, so absent frames are skipped rather than leaving holes.
    * The window is T frames spaced by ``interval`` (delta) positions in that list, centred on ``target`` (for even T
      one more frame lies after the target than before it).
    * If the window extends past an end of the list it is shifted to fit; ``target`` stays in it.
    * If no window with that spacing both fits into the list and contains ``target`` (list too short, or the target
      too close to an end for the grid through it), the spacing shrinks by one (down to 1) until one does.
    * If fewer than T frames exist at all, every valid frame is used.

    Returns the frame indices sorted ascending, ``target`` included.

    Raises:
        ValueError: ``target`` is not in ``valid``, or ``num_frames`` / ``interval`` is smaller than 1.
    """
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    if interval < 1:
        raise ValueError(f"interval must be >= 1, got {interval}")
    frames = sorted({int(v) for v in valid})
    target = int(target)
    if target not in frames:
        raise ValueError(f"Target frame {target} has no box (not among the valid frames)")
    n = len(frames)
    if n <= num_frames:
        return frames
    if num_frames == 1:
        return [target]
    pos = frames.index(target)
    centred = (num_frames - 1) // 2  # frames before the target in a centred window
    for step in range(min(int(interval), (n - 1) // (num_frames - 1)), 0, -1):
        # The target is the k-th frame of the window; k must keep both ends inside the list.
        k_lo = max(0, num_frames - 1 - (n - 1 - pos) // step)
        k_hi = min(num_frames - 1, pos // step)
        if k_lo <= k_hi:
            k = min(max(centred, k_lo), k_hi)
            start = pos - k * step
            return [frames[start + i * step] for i in range(num_frames)]
    raise AssertionError("unreachable: a spacing of 1 always fits when len(valid) > num_frames")
