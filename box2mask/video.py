"""Video input for box2mask: frames (file paths or RGB arrays) with lazy, cached loading, and box validation.

Every error names the sequence and the frame it is about, so a bad frame in a thousand-frame video is easy to find.
"""
from __future__ import annotations

import logging
import os
from collections import OrderedDict
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from ltr.data.image_io import ImageReadError, probe_image, read_image
from ltr.dataset.layouts import IMAGE_EXTS, MissingFileError, list_frames

logger = logging.getLogger(__name__)

__all__ = ["VideoFrames", "FrameReadError", "FrameSizeError", "BoxError", "validate_boxes", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = IMAGE_EXTS
PathLike = Union[str, os.PathLike]


class FrameReadError(IOError):
    """A frame is missing or cannot be decoded (the message names the sequence, the frame index and the file)."""


class FrameSizeError(ValueError):
    """The frames of one video do not all have the same size, or a frame array has the wrong shape or type."""


class BoxError(ValueError):
    """The boxes do not fit the video (count, shape) or a box is invalid and ``on_bad_box='error'``."""


class VideoFrames:
    """The frames of one video, indexable as RGB uint8 ``(H, W, 3)`` arrays.

    Built from a list of image paths (decoded lazily, the last ``cache_size`` frames kept in an LRU cache) or from
    RGB uint8 arrays (a list of ``(H, W, 3)`` arrays or one ``(N, H, W, 3)`` array, kept as given).

    * Missing files are reported at construction (:class:`FrameReadError` naming sequence, frame and path);
      undecodable files when the frame is first read, files cut off at the end already by :meth:`check_sizes`.
    * All frames must have the size of frame 0 (after EXIF orientation, see :mod:`ltr.data.image_io`);
      :meth:`check_sizes` verifies that from the file headers without decoding, and every decoded frame is checked
      again (:class:`FrameSizeError`).
    * ``image_size`` is ``(width, height)``, the order of PIL and of the boxes' ``[x, y, w, h]``.
    """

    def __init__(self, frames: Union[Sequence[PathLike], Sequence[np.ndarray], np.ndarray], seq_name: str = "video",
                 cache_size: int = 32):
        self.name = str(seq_name)
        self._cache: "OrderedDict[int, np.ndarray]" = OrderedDict()
        self._cache_size = max(int(cache_size), 1)
        self._arrays: Optional[List[np.ndarray]] = None
        self.paths: Optional[List[Path]] = None
        if isinstance(frames, np.ndarray) or (len(frames) > 0 and isinstance(frames[0], np.ndarray)):
            self._arrays = [self._check_array(i, a) for i, a in enumerate(frames)]
        else:
            self.paths = [Path(p) for p in frames]
            for i, p in enumerate(self.paths):
                if not p.is_file():
                    raise FrameReadError(f"Sequence '{self.name}': frame {i} not found: {p}")
        if len(self) == 0:
            raise FrameReadError(f"Sequence '{self.name}' has no frames")
        self._size: Optional[Tuple[int, int]] = None
        if self._arrays is not None:
            self._size = (self._arrays[0].shape[1], self._arrays[0].shape[0])
            for i, a in enumerate(self._arrays):
                self._check_size(i, (a.shape[1], a.shape[0]))

    @classmethod
    def from_folder(cls, folder: PathLike, seq_name: Optional[str] = None, cache_size: int = 32) -> "VideoFrames":
        """The frames of ``folder`` (``.jpg .jpeg .png .bmp``) in natural order (``2.jpg`` before ``10.jpg``), by
        the project's one listing rule (:func:`ltr.dataset.layouts.list_frames`): two files for one frame or
        several image types in the folder are an error naming them."""
        folder = Path(folder)
        name = seq_name if seq_name is not None else folder.name
        if not folder.is_dir():
            raise FrameReadError(f"Frame folder not found: {folder}")
        try:
            paths = list_frames(folder, what=f"sequence '{name}': frame folder")
        except MissingFileError as e:
            raise FrameReadError(f"Sequence '{name}': no image files in {folder} ({e})") from e
        return cls(paths, seq_name=name, cache_size=cache_size)

    def _check_array(self, index: int, arr: np.ndarray) -> np.ndarray:
        arr = np.asarray(arr)
        if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
            raise FrameSizeError(f"Sequence '{self.name}': frame {index} must be an RGB uint8 (H, W, 3) array, "
                                 f"got dtype {arr.dtype} shape {arr.shape}")
        return arr

    def _check_size(self, index: int, size: Tuple[int, int]) -> None:
        if self._size is not None and tuple(size) != tuple(self._size):
            where = f" ({self.paths[index]})" if self.paths is not None else ""
            raise FrameSizeError(f"Sequence '{self.name}': frame {index}{where} is {size[0]}x{size[1]} but frame 0 "
                                 f"is {self._size[0]}x{self._size[1]}; all frames must have one size")

    def __len__(self) -> int:
        return len(self._arrays) if self._arrays is not None else len(self.paths)

    @property
    def image_size(self) -> Tuple[int, int]:
        """``(width, height)`` of the frames (of frame 0; all frames must match)."""
        if self._size is None:
            first = self[0]
            self._size = (first.shape[1], first.shape[0])
        return self._size

    def frame_name(self, index: int) -> str:
        """File stem of frame ``index`` (``'00012'`` for ``00012.jpg``), or its zero-padded index for arrays."""
        if self.paths is not None:
            return self.paths[index].stem
        return f"{index:05d}"

    def check_sizes(self) -> None:
        """Verify that every frame has the size of frame 0 and is not cut off at the end (from image headers and
        end markers, without decoding)."""
        if self._arrays is not None:
            return
        for i, p in enumerate(self.paths):
            try:
                info = probe_image(p)
            except ImageReadError as e:
                raise FrameReadError(f"Sequence '{self.name}': frame {i} cannot be read: {e}") from e
            if self._size is None:
                self._size = (info.width, info.height)
            self._check_size(i, (info.width, info.height))

    def __getitem__(self, index: int) -> np.ndarray:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Sequence '{self.name}': frame {index} out of range (0..{n - 1})")
        index = int(index) % n
        if self._arrays is not None:
            return self._arrays[index]
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        try:
            img = read_image(self.paths[index])
        except ImageReadError as e:
            raise FrameReadError(f"Sequence '{self.name}': frame {index}: {e}") from e
        if self._size is None:
            self._size = (img.shape[1], img.shape[0])
        self._check_size(index, (img.shape[1], img.shape[0]))
        img.setflags(write=False)  # cached frames are shared: callers must copy before editing
        self._cache[index] = img
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return img


def validate_boxes(boxes, num_frames: int, image_size: Tuple[int, int], absent: Optional[Sequence[bool]] = None,
                   seq_name: str = "video", on_bad_box: str = "skip") -> Tuple[np.ndarray, np.ndarray]:
    """Check one box per frame and decide which frames have a usable box.

    Args:
        boxes: ``(N, 4)`` array-like of ``[x, y, w, h]`` in pixels (top-left corner, width, height).
        num_frames: the number of frames N of the video.
        image_size: ``(width, height)`` of the frames.
        absent: optional N flags; a flagged frame is absent whatever its box holds (it may be NaN).
        seq_name: named in every message.
        on_bad_box: ``'skip'`` (default) or ``'error'``, see below.

    Rules:

    * Not exactly N boxes (fewer *or* more than frames), or rows that are not 4 numbers: :class:`BoxError`
      naming the sequence. ``absent`` of the wrong length: the same.
    * A box with a NaN/infinite value, zero or negative width or height, or lying completely outside the image is
      *bad*: with ``'skip'`` the frame is treated as absent and one warning listing such frames is logged per call;
      with ``'error'`` :class:`BoxError` names the sequence, the frame and the box.
    * A box partly outside the image is clipped to it (no warning: boxes of objects leaving the view are normal).
    * Absent frames keep their box values in the returned array (unchanged, possibly NaN) but ``valid`` is False.

    Returns:
        ``(boxes, valid)``: float64 ``(N, 4)`` boxes (clipped where valid) and a bool ``(N,)`` array.
    """
    if on_bad_box not in ("skip", "error"):
        raise ValueError(f"on_bad_box must be 'skip' or 'error', got {on_bad_box!r}")
    try:
        arr = np.array(boxes, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise BoxError(f"Sequence '{seq_name}': boxes are not numeric: {e}") from e
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise BoxError(f"Sequence '{seq_name}': boxes must be N rows of [x, y, w, h], got shape {arr.shape}")
    if arr.shape[0] != num_frames:
        what = "fewer" if arr.shape[0] < num_frames else "more"
        raise BoxError(f"Sequence '{seq_name}': {arr.shape[0]} boxes for {num_frames} frames ({what} boxes than "
                       f"frames; give one box per frame, NaN or an 'absent' flag where the object is not visible)")
    valid = np.ones(num_frames, dtype=bool)
    if absent is not None:
        flags = np.asarray(absent, dtype=bool).reshape(-1)
        if flags.shape[0] != num_frames:
            raise BoxError(f"Sequence '{seq_name}': {flags.shape[0]} absent flags for {num_frames} frames")
        valid &= ~flags
    width, height = float(image_size[0]), float(image_size[1])
    bad: List[str] = []
    for i in np.flatnonzero(valid):
        x, y, w, h = arr[i]
        reason = None
        if not np.all(np.isfinite(arr[i])):
            reason = "has a NaN/infinite value"
        elif w <= 0 or h <= 0:
            reason = "has zero or negative width/height"
        else:
            x0, y0 = max(x, 0.0), max(y, 0.0)
            x1, y1 = min(x + w, width), min(y + h, height)
            if x1 <= x0 or y1 <= y0:
                reason = f"lies completely outside the {int(width)}x{int(height)} image"
            else:
                arr[i] = (x0, y0, x1 - x0, y1 - y0)
        if reason is not None:
            if on_bad_box == "error":
                raise BoxError(f"Sequence '{seq_name}': box of frame {i} {list(map(float, arr[i]))} {reason}")
            valid[i] = False
            bad.append(f"frame {i} ({reason})")
    if bad:
        logger.warning("Sequence '%s': %d invalid box(es) treated as absent: %s", seq_name, len(bad), "; ".join(bad))
    return arr, valid
