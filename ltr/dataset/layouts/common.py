"""Shared pieces of the on-disk layout readers: sequence records, errors and small text-file parsers.

Everything here is plain numpy / pathlib (no torch, no image decoding) so that training datasets, evaluation
datasets and the dataset annotator can all use it. Boxes are always ``(N, 4)`` float64 ``[x, y, w, h]`` in 0-based
pixel coordinates; a row of NaN means "unknown" (e.g. the GOT-10k / TrackingNet test splits, which publish only the
first box).
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

PathLike = Union[str, Path]

class LayoutError(Exception):
    """A dataset file is missing, unreadable or inconsistent. The message names the path."""


class MissingFileError(LayoutError, FileNotFoundError):
    """A file or folder that the official layout requires does not exist."""


class AnnotationError(LayoutError, ValueError):
    """A file exists but its content is malformed or disagrees with the frames (message names file and line)."""


@dataclass
class BoxSequence:
    """One box-annotated video as found on disk.

    Attributes:
        name: sequence name as the dataset spells it.
        frames: frame image paths in temporal order.
        boxes: ``(N, 4)`` float64 ``[x, y, w, h]``, 0-based; NaN rows where the box is unknown.
        visible: ``(N,)`` bool target visibility, or None when the dataset has no visibility flags.
        flags: raw per-frame attribute arrays (``(N,)``) keyed by the file stem (``absence``, ``cover``,
            ``full_occlusion``, VOT tags, ...).
        meta: free-form string metadata (GOT-10k ``meta_info.ini`` keys, LaSOT ``class``, TrackingNet ``split``).
        dataset: short dataset name (``got10k``, ``lasot``, ``trackingnet``, ``otb``, ``vot``).
        regions: VOT only -- the parsed ground-truth region of every frame (see :mod:`.vot`), else None.
    """

    name: str
    frames: List[Path]
    boxes: np.ndarray
    visible: Optional[np.ndarray] = None
    flags: Dict[str, np.ndarray] = field(default_factory=dict)
    meta: Dict[str, str] = field(default_factory=dict)
    dataset: str = ""
    regions: Optional[List[Any]] = None

    def __len__(self) -> int:
        return len(self.frames)


@dataclass
class VosSequence:
    """One video of a video-object-segmentation dataset (DAVIS, YouTube-VOS).

    Attributes:
        name: sequence name.
        frames: frame image paths in temporal order.
        annotations: frame index -> annotation PNG path (only frames that have one; YouTube-VOS valid annotates
            only the frames where an object first appears).
        object_ids: object labels of the sequence, or None when only the masks tell (DAVIS: read the first
            annotation).
        first_frames: object id -> index of the first frame where it is annotated (empty when unknown).
        categories: object id -> category name (YouTube-VOS), else empty.
        dataset: ``davis`` or ``youtubevos``.
    """

    name: str
    frames: List[Path]
    annotations: Dict[int, Path]
    object_ids: Optional[List[int]] = None
    first_frames: Dict[int, int] = field(default_factory=dict)
    categories: Dict[int, str] = field(default_factory=dict)
    dataset: str = ""

    def __len__(self) -> int:
        return len(self.frames)

    def frame_names(self) -> List[str]:
        """Frame file stems (``00000``, ...), the names used for result PNGs."""
        return [p.stem for p in self.frames]


class BoxLayout(ABC):
    """Reader of one split of a box-annotated dataset: names first (cheap), then sequences on demand."""

    dataset: str = ""

    @abstractmethod
    def sequence_names(self) -> List[str]:
        """Sequence names of the split, in the dataset's order."""

    @abstractmethod
    def sequence(self, name: str) -> BoxSequence:
        """Read one sequence (frame list, boxes, flags); raises :class:`LayoutError` naming the bad file."""

    def sequences(self) -> Iterator[BoxSequence]:
        """All sequences, read one at a time."""
        for name in self.sequence_names():
            yield self.sequence(name)

    def __len__(self) -> int:
        return len(self.sequence_names())


# ----------------------------------------------------------------------------------------------------------- files
def require_file(path: PathLike, what: str = "file") -> Path:
    """``path`` as a Path; raises :class:`MissingFileError` naming it when it is not a file."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"Missing {what}: {path}")
    return path


def require_dir(path: PathLike, what: str = "folder") -> Path:
    """``path`` as a Path; raises :class:`MissingFileError` naming it when it is not a directory."""
    path = Path(path)
    if not path.is_dir():
        raise MissingFileError(f"Missing {what}: {path}")
    return path


def read_text(path: PathLike, what: str = "file") -> str:
    """Text of ``path`` (UTF-8, a byte-order mark dropped); missing files and bytes that are not UTF-8 raise errors
    naming the path (and the line of the first undecodable byte)."""
    path = require_file(path, what)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise AnnotationError(f"Cannot read {what} {path}: {e}") from e
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise AnnotationError(f"{path}, line {line}: {what} is not UTF-8 text (undecodable bytes "
                              f"{data[e.start:e.start + 4]!r}); save it as plain UTF-8/ASCII text") from None


def read_list_file(path: PathLike, what: str = "sequence list") -> List[str]:
    """Non-empty stripped lines of a list file (``list.txt``, split files); an empty list is an error."""
    names = [line.strip() for line in read_text(path, what).splitlines() if line.strip()]
    if not names:
        raise AnnotationError(f"Empty {what}: {path}")
    return names


def pattern_frames(pattern: str, start: int = 1, what: str = "frame pattern") -> List[Path]:
    """Files ``pattern % i`` for ``i = start, start+1, ...`` up to the first missing one (VOT channels)."""
    frames: List[Path] = []
    i = start
    while True:
        p = Path(pattern % i)
        if not p.is_file():
            break
        frames.append(p)
        i += 1
    if not frames:
        raise MissingFileError(f"No frames matching {what} {pattern} (first expected: {pattern % start})")
    return frames


_SPLIT = re.compile(r"[,;\s]+")


def parse_numbers(line: str) -> List[float]:
    """Numbers of a line separated by commas, semicolons, tabs or spaces (``nan`` allowed); ValueError on junk."""
    return [float(t) for t in _SPLIT.split(line.strip()) if t]


def read_flags(path: PathLike, n_frames: Optional[int] = None, *, dtype: Any = np.int64, pad: bool = False,
               what: str = "per-frame label file") -> np.ndarray:
    """Read one value per frame (newline- or comma-separated, LaSOT writes one comma-separated line).

    With ``n_frames`` the count must match; ``pad=True`` instead zero-pads a shorter file (the VOT toolkit's rule
    for ``.tag``/``.label`` files) while a longer one still raises.
    """
    path = Path(path)
    vals: List[float] = []
    for lineno, line in enumerate(read_text(path, what).splitlines(), 1):
        if not line.strip():
            continue
        try:
            vals.extend(parse_numbers(line))
        except ValueError as e:
            raise AnnotationError(f"{path}, line {lineno}: cannot parse {line.strip()!r} ({e})") from e
    arr = np.asarray(vals, dtype=np.float64)
    if n_frames is not None and len(arr) != n_frames:
        if pad and len(arr) < n_frames:
            arr = np.concatenate([arr, np.zeros(n_frames - len(arr))])
        else:
            raise AnnotationError(f"{path} has {len(arr)} values but the sequence has {n_frames} frames")
    if np.issubdtype(np.dtype(dtype), np.integer) and np.any(np.isnan(arr)):
        raise AnnotationError(f"{path}: NaN in an integer label file")
    return arr.astype(dtype)


def read_key_values(path: PathLike, sep: str = "=", skip_headers: bool = True,
                    what: str = "metadata file") -> Dict[str, str]:
    """``key<sep>value`` lines as a dict (keys and values stripped); ``[section]`` lines skipped.

    A non-empty line without the separator raises, naming file and line.
    """
    path = Path(path)
    out: Dict[str, str] = {}
    for lineno, line in enumerate(read_text(path, what).splitlines(), 1):
        s = line.strip()
        if not s or (skip_headers and s.startswith("[") and s.endswith("]")):
            continue
        if sep not in s:
            raise AnnotationError(f"{path}, line {lineno}: expected 'key{sep}value', got {s!r}")
        k, v = s.split(sep, 1)
        out[k.strip()] = v.strip()
    return out


def mask_bbox(mask: np.ndarray) -> np.ndarray:
    """Tight box ``[xmin, ymin, xmax - xmin + 1, ymax - ymin + 1]`` of the non-zero pixels; NaN for an empty mask."""
    mask = np.asarray(mask)
    ys = np.flatnonzero(mask.any(axis=1))
    xs = np.flatnonzero(mask.any(axis=0))
    if len(xs) == 0:
        return np.full(4, np.nan)
    return np.array([xs[0], ys[0], xs[-1] - xs[0] + 1, ys[-1] - ys[0] + 1], dtype=np.float64)
