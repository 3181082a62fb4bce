"""Frames from a video file, a frame folder, or a list of images / paths, as RGB uint8 arrays in order.

Videos are decoded with OpenCV (any container and codec its FFmpeg backend reads: mp4, avi, mkv, mov, ...); their
frame rate is kept for the outputs. Folders follow the project's frame-listing rule (natural order; see
``ltr.dataset.layouts.frames``) and are decoded with the validating reader (truncated files are errors).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from ltr.data.image_io import ImageReadError, image_size, read_image
from ltr.dataset.layouts.frames import list_frames

PathLike = Union[str, Path]
VIDEO_EXTS = (".mp4", ".avi", ".mkv", ".mov", ".m4v", ".webm", ".mpg", ".mpeg", ".wmv")


class FrameSourceError(ValueError):
    """An input that yields no frames (unreadable video, empty folder, ...); the message names it."""


@dataclass
class FrameSource:
    """An ordered, re-iterable source of RGB frames.

    Attributes:
        name: the input's name (file or folder stem), used for output names.
        num_frames: number of frames.
        size: ``(width, height)`` of the frames.
        fps: frame rate (videos: the file's; other inputs: 25).
        names: frame names for per-frame outputs (folder: the file stems; video / arrays: 00000, 00001, ...).
    """

    name: str
    num_frames: int
    size: Tuple[int, int]
    fps: float
    names: List[str]
    _reader: Callable[[], Iterator[np.ndarray]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._reader()

    def __len__(self) -> int:
        return self.num_frames


def _video_frames(path: Path, limit: Optional[int]) -> Iterator[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    try:
        count = 0
        while limit is None or count < limit:
            ok, frame = cap.read()
            if not ok:
                break
            count += 1
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    finally:
        cap.release()


def open_video(path: PathLike, max_frames: Optional[int] = None) -> FrameSource:
    """A video file (its frames are counted by decoding once: container frame counts are often wrong)."""
    path = Path(path)
    if not path.is_file():
        raise FrameSourceError(f"Video not found: {path}")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise FrameSourceError(f"Cannot open video {path} (not a video, or a codec OpenCV cannot decode)")
    fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    cap.release()
    count, size = 0, None
    for frame in _video_frames(path, max_frames):
        size = size or (frame.shape[1], frame.shape[0])
        count += 1
    if count == 0:
        raise FrameSourceError(f"Video {path} has no decodable frames")
    return FrameSource(path.stem, count, size, fps if 0 < fps < 1000 else 25.0, [f"{i:05d}" for i in range(count)],
                       lambda: _video_frames(path, count))


def open_folder(folder: PathLike, max_frames: Optional[int] = None) -> FrameSource:
    """A frame folder (natural order, validated decoding)."""
    files = list_frames(folder)
    if max_frames is not None:
        files = files[:max_frames]
    w, h = image_size(files[0])

    def reader() -> Iterator[np.ndarray]:
        for i, f in enumerate(files):
            frame = read_image(f, context=f"frame {i}")
            if (frame.shape[1], frame.shape[0]) != (w, h):
                raise ImageReadError(f"frame {i} ({f}) is {frame.shape[1]}x{frame.shape[0]}, frame 0 is {w}x{h}")
            yield frame
    return FrameSource(Path(folder).name, len(files), (w, h), 25.0, [f.stem for f in files], reader)


def from_images(images: Sequence[Union[np.ndarray, PathLike]], name: str = "frames", fps: float = 25.0) -> FrameSource:
    """A list of RGB arrays and/or image paths."""
    images = list(images)
    if not images:
        raise FrameSourceError("No frames given")
    first = images[0] if isinstance(images[0], np.ndarray) else read_image(images[0], context="frame 0")

    def reader() -> Iterator[np.ndarray]:
        for i, im in enumerate(images):
            yield np.asarray(im) if isinstance(im, np.ndarray) else read_image(im, context=f"frame {i}")
    return FrameSource(name, len(images), (first.shape[1], first.shape[0]), fps, [f"{i:05d}" for i in
                                                                                     range(len(images))], reader)


def open_frames(source: Union[PathLike, Sequence[Union[np.ndarray, PathLike]], FrameSource],
                max_frames: Optional[int] = None) -> FrameSource:
    """Any input: a :class:`FrameSource`, a video file, a frame folder, or a list of arrays / paths."""
    if isinstance(source, FrameSource):
        return source
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.is_dir():
            return open_folder(path, max_frames)
        if path.suffix.lower() in VIDEO_EXTS or path.is_file():
            return open_video(path, max_frames)
        raise FrameSourceError(f"Input not found: {path} (a video file or a folder of frames)")
    images = list(source)
    return from_images(images[:max_frames] if max_frames is not None else images)
