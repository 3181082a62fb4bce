"""Per-video API: a box per frame in, a mask per frame out (in the spirit of SAM 2's video predictor).

The predictor owns input checking and the handling of absent frames; the segmentation itself comes from a
:class:`MaskMethod` (``build_method('grabcut' | 'classic' | 'box' | 'stanet')`` in :mod:`box2mask.methods`).

Example::

    from box2mask.methods import build_method
    from box2mask.predictor import Box2MaskPredictor

    predictor = Box2MaskPredictor(build_method("grabcut"))            # or "classic", "stanet" (checkpoint=...)
    masks = predictor.predict(["f0.jpg", "f1.jpg", ...], boxes)      # {frame index: uint8 (H, W) 0/1 mask}
    for index, mask in predictor.propagate(frames, boxes, progress=True):
        ...                                                          # one frame at a time, in order
"""
from __future__ import annotations

import logging
from typing import Dict, Iterator, List, Optional, Protocol, Sequence, Tuple, runtime_checkable

import numpy as np
from tqdm import tqdm

from box2mask.video import VideoFrames, validate_boxes

logger = logging.getLogger(__name__)

__all__ = ["MaskMethod", "Box2MaskPredictor"]


@runtime_checkable
class MaskMethod(Protocol):
    """What a box-to-mask method provides.

    ``predict_video`` receives the video, the validated ``(N, 4)`` float64 boxes ``[x, y, w, h]``, the ``(N,)``
    bool ``valid`` flags (frames whose box may be used; other frames' boxes are meaningless) and the target frame
    indices (all valid, ascending). It yields ``(frame index, uint8 (H, W) 0/1 mask)`` for every target, in order,
    and may use any valid frame of the video as context.
    """

    name: str

    def predict_video(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray,
                      targets: Sequence[int]) -> Iterator[Tuple[int, np.ndarray]]:
        ...


class Box2MaskPredictor:
    """Turn a box-annotated video into one mask per frame with a :class:`MaskMethod`.

    Input rules (see :func:`box2mask.video.validate_boxes` for the box rules):

    * ``frames``: a :class:`VideoFrames`, a list of image paths or a list / array of RGB uint8 frames.
    * ``boxes``: one ``[x, y, w, h]`` per frame. ``absent``: optional per-frame flags.
    * Absent frames -- flagged, or with an invalid box (NaN, zero/negative size, outside the image) -- get an
      all-zero mask; the method never sees them as targets nor uses them as context.
    * ``targets``: frame indices to segment (default: all frames); they are returned ascending, each once.
    """

    def __init__(self, method: MaskMethod):
        if not isinstance(method, MaskMethod):
            raise TypeError(f"{method!r} is not a MaskMethod (needs a 'name' and predict_video())")
        self.method = method

    def predict(self, frames, boxes, absent: Optional[Sequence[bool]] = None, targets: Optional[Sequence[int]] = None,
                seq_name: str = "video", progress: bool = False, on_bad_box: str = "skip") -> Dict[int, np.ndarray]:
        """All masks at once: ``{frame index: uint8 (H, W) 0/1 mask}``."""
        return dict(self.propagate(frames, boxes, absent=absent, targets=targets, seq_name=seq_name,
                                   progress=progress, on_bad_box=on_bad_box))

    def propagate(self, frames, boxes, absent: Optional[Sequence[bool]] = None,
                  targets: Optional[Sequence[int]] = None, seq_name: str = "video", progress: bool = False,
                  on_bad_box: str = "skip") -> Iterator[Tuple[int, np.ndarray]]:
        """Generator of ``(frame index, mask)`` in ascending frame order (tqdm progress bar when ``progress``).

        Inputs are checked before the first mask is produced, so bad input fails fast.
        """
        video = frames if isinstance(frames, VideoFrames) else VideoFrames(frames, seq_name=seq_name)
        video.check_sizes()
        boxes, valid = validate_boxes(boxes, len(video), video.image_size, absent=absent, seq_name=video.name,
                                      on_bad_box=on_bad_box)
        order = self._targets(targets, len(video), video.name)
        return self._run(video, boxes, valid, order, progress)

    def _run(self, video: VideoFrames, boxes: np.ndarray, valid: np.ndarray, order: List[int],
             progress: bool) -> Iterator[Tuple[int, np.ndarray]]:
        width, height = video.image_size
        todo = [t for t in order if valid[t]]
        if len(todo) < len(order):
            logger.info("Sequence '%s': %d of %d target frames are absent (empty masks)", video.name,
                        len(order) - len(todo), len(order))
        results = iter(self.method.predict_video(video, boxes, valid, todo)) if todo else iter(())
        bar = tqdm(order, desc=f"{self.method.name}:{video.name}", unit="frame", disable=not progress)
        try:
            for t in bar:
                if not valid[t]:
                    yield t, np.zeros((height, width), dtype=np.uint8)
                    continue
                try:
                    index, mask = next(results)
                except StopIteration:
                    raise RuntimeError(f"Method '{self.method.name}' stopped before frame {t} of sequence "
                                       f"'{video.name}'") from None
                mask = np.asarray(mask)
                if int(index) != t or mask.shape != (height, width):
                    raise RuntimeError(f"Method '{self.method.name}' returned frame {index} with shape {mask.shape} "
                                       f"where frame {t} of sequence '{video.name}' ({height}x{width}) was expected")
                yield t, (mask > 0).astype(np.uint8)
        finally:
            bar.close()

    @staticmethod
    def _targets(targets: Optional[Sequence[int]], n: int, seq_name: str) -> List[int]:
        if targets is None:
            return list(range(n))
        out = sorted({int(t) for t in targets})
        bad = [t for t in out if not 0 <= t < n]
        if bad:
            raise IndexError(f"Sequence '{seq_name}': target frame(s) {bad} outside 0..{n - 1}")
        return out
