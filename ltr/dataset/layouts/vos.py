"""Video-object-segmentation layouts: DAVIS and YouTube-VOS.

DAVIS: ``<root>/JPEGImages/480p/<seq>/00000.jpg``, ``<root>/Annotations/480p/<seq>/00000.png`` (DAVIS-2017: palette
PNGs with one index per object; DAVIS-2016: 0/255 masks) and split files ``<root>/ImageSets/<year>/<split>.txt`` (one
sequence name per line; the original 2016 release's ``/JPEGImages/480p/<seq>/00000.jpg /Annotations/...`` lines
are accepted too).

YouTube-VOS: ``<root>/<split>/JPEGImages/<seq>/*.jpg``, ``<root>/<split>/Annotations/<seq>/*.png`` and
``<root>/<split>/meta.json`` = ``{"videos": {seq: {"objects": {"<id>": {"category": str, "frames": [stem, ...]}}}}}``;
an object's first listed frame is where it first appears (the valid split annotates only those frames).
``all_frames=True`` reads the frames from ``<root>/<split>_all_frames/JPEGImages``.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from .common import (AnnotationError, MissingFileError, PathLike, VosSequence, read_list_file, read_text, require_dir)
from .frames import list_frames


class VosLayout(ABC):
    """Reader of one split of a VOS dataset."""

    dataset: str = ""

    @abstractmethod
    def sequence_names(self) -> List[str]:
        """Sequence names of the split."""

    @abstractmethod
    def sequence(self, name: str) -> VosSequence:
        """Frames, annotation files and (where known) objects of one sequence."""

    def sequences(self) -> Iterator[VosSequence]:
        """All sequences, read one at a time."""
        for name in self.sequence_names():
            yield self.sequence(name)

    def __len__(self) -> int:
        return len(self.sequence_names())

    @staticmethod
    def _annotations(frames: List[Path], anno_dir: Path, required: bool = True) -> Dict[int, Path]:
        """Frame index -> PNG for each frame stem with an annotation; PNGs without a frame raise."""
        if not anno_dir.is_dir():
            if required:
                raise MissingFileError(f"Missing annotation folder: {anno_dir}")
            return {}
        index = {p.stem: i for i, p in enumerate(frames)}
        out: Dict[int, Path] = {}
        for png in sorted(anno_dir.glob("*.png")):
            if png.stem not in index:
                raise AnnotationError(f"Annotation {png} has no matching frame {png.stem}.jpg")
            out[index[png.stem]] = png
        if required and not out:
            raise MissingFileError(f"No annotation PNGs in {anno_dir}")
        return out


def _davis_names_from_lines(lines: List[str]) -> List[str]:
    """Sequence names of a split file: plain names, or the 2016 release's image/annotation path pairs."""
    names: List[str] = []
    for line in lines:
        tok = line.split()[0]
        name = Path(tok).parent.name if "/" in tok else tok
        if name not in names:
            names.append(name)
    return names


class DavisLayout(VosLayout):
    """DAVIS 2016/2017 at ``resolution`` (``480p``); ``sequences`` bypasses the split file (e.g. dev subsets)."""

    dataset = "davis"

    def __init__(self, root: PathLike, year: str = "2017", split: str = "val", resolution: str = "480p",
                 sequences: Optional[List[str]] = None):
        self.root = Path(root)
        self.year = str(year)
        self.split = split
        self.resolution = resolution
        self._names = list(sequences) if sequences is not None else None

    @property
    def split_file(self) -> Path:
        """``ImageSets/<year>/<split>.txt``."""
        return self.root / "ImageSets" / self.year / f"{self.split}.txt"

    def sequence_names(self) -> List[str]:
        if self._names is None:
            require_dir(self.root, "DAVIS root")
            self._names = _davis_names_from_lines(read_list_file(self.split_file, "DAVIS split file"))
        return list(self._names)

    def sequence(self, name: str) -> VosSequence:
        frames = list_frames(self.root / "JPEGImages" / self.resolution / name, (".jpg",), "DAVIS frame folder")
        annos = self._annotations(frames, self.root / "Annotations" / self.resolution / name)
        if 0 not in annos:
            raise MissingFileError(f"DAVIS sequence {name}: no annotation for the first frame {frames[0].stem}.png")
        return VosSequence(name=name, frames=frames, annotations=annos, first_frames={}, dataset=self.dataset)


class YouTubeVosLayout(VosLayout):
    """One YouTube-VOS split (``train``, ``valid``, ``test``) with objects and first frames from ``meta.json``."""

    dataset = "youtubevos"

    def __init__(self, root: PathLike, split: str = "valid", all_frames: bool = False):
        self.root = Path(root)
        self.split = split
        self.all_frames = all_frames
        self._meta: Optional[Dict[str, dict]] = None

    @property
    def meta_file(self) -> Path:
        """``<root>/<split>/meta.json``."""
        return self.root / self.split / "meta.json"

    def meta(self) -> Dict[str, dict]:
        """The ``videos`` dict of ``meta.json`` (read once)."""
        if self._meta is None:
            text = read_text(self.meta_file, "YouTube-VOS meta.json")
            try:
                videos = json.loads(text)["videos"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise AnnotationError(f"Malformed YouTube-VOS meta file {self.meta_file}: {e!r}") from e
            if not isinstance(videos, dict):
                raise AnnotationError(f"{self.meta_file}: 'videos' must be an object")
            self._meta = videos
        return self._meta

    def sequence_names(self) -> List[str]:
        return sorted(self.meta())

    def sequence(self, name: str) -> VosSequence:
        try:
            objects = self.meta()[name]["objects"]
        except KeyError:
            raise KeyError(f"Sequence {name!r} not in {self.meta_file}") from None
        frame_root = self.root / (f"{self.split}_all_frames" if self.all_frames else self.split) / "JPEGImages"
        frames = list_frames(frame_root / name, (".jpg",), "YouTube-VOS frame folder")
        annos = self._annotations(frames, self.root / self.split / "Annotations" / name, required=self.split != "test")
        index = {p.stem: i for i, p in enumerate(frames)}
        first_frames: Dict[int, int] = {}
        categories: Dict[int, str] = {}
        for key, obj in objects.items():
            try:
                oid = int(key)
                first = obj["frames"][0]
            except (ValueError, KeyError, IndexError, TypeError) as e:
                raise AnnotationError(f"{self.meta_file}: bad object {key!r} of {name}: {e!r}") from e
            if first not in index:
                raise AnnotationError(f"{self.meta_file}: object {oid} of {name} starts at frame {first}, "
                                      f"which is not in {frame_root / name}")
            if self.split != "test" and index[first] not in annos:
                raise MissingFileError(f"Object {oid} of YouTube-VOS sequence {name} first appears in frame {first} "
                                       f"but {self.root / self.split / 'Annotations' / name / (first + '.png')} "
                                       f"is missing")
            first_frames[oid] = index[first]
            categories[oid] = str(obj.get("category", ""))
        ids = sorted(first_frames)
        return VosSequence(name=name, frames=frames, annotations=annos, object_ids=ids, first_frames=first_frames,
                           categories=categories, dataset=self.dataset)
