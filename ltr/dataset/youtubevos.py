"""YouTube-VOS 2019 training set: multi-object palette annotations on every 5th frame, objects from ``meta.json``.

Splits of the 3471 training videos (files in ``ltr/data_specs``, see its README):

======================  ======  =================================================================================
split                   videos  content
======================  ======  =================================================================================
``'train'``             3471    every video of ``train/meta.json``
``'jjtrain'``           3171    pytracking's training part (LWL is trained on it)
``'jjvalid'``           300     pytracking's held-out part
``'yt300'``             300     our YT300 validation set (paper 4.1), never trained on
``'weak_a'``            317     set A of the 1:9 split of the other 3171 videos (paper 4.2: mask-annotated)
``'weak_b'``            2854    set B (paper 4.2: box-annotated, trained on with pseudo masks)
``'train_minus_yt300'`` 3171    A + B
======================  ======  =================================================================================

The dataset exposes the annotated frames only (in the standard ``train/`` download these are all the frames). One
sequence per (video, object): ``'<video>/<object id>'``.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ltr.dataset.base_video_dataset import DEFAULT_SEQUENCE_CACHE, resolve_root
from ltr.dataset.layouts import AnnotationError, YouTubeVosLayout
from ltr.dataset.splits import read_split_file, select_present
from ltr.dataset.vos_dataset import LayoutVosDataset

YOUTUBEVOS_SPLIT_FILES: Dict[str, Tuple[str, ...]] = {
    "jjtrain": ("youtubevos_jjtrain.txt",),
    "jjvalid": ("youtubevos_jjvalid.txt",),
    "yt300": ("youtubevos2019_yt300.txt",),
    "weak_a": ("youtubevos2019_weak_a.txt",),
    "weak_b": ("youtubevos2019_weak_b.txt",),
    "train_minus_yt300": ("youtubevos2019_weak_a.txt", "youtubevos2019_weak_b.txt"),
}
YOUTUBEVOS_SPLITS = ("train",) + tuple(YOUTUBEVOS_SPLIT_FILES)


def youtubevos_split_videos(split: str) -> List[str]:
    """Video names of a split stored in ``ltr/data_specs`` (``'train'`` has no file: it is whatever meta.json lists)."""
    if split not in YOUTUBEVOS_SPLIT_FILES:
        raise ValueError(f"YouTube-VOS split must be one of {tuple(YOUTUBEVOS_SPLIT_FILES)}, got {split!r}")
    out: List[str] = []
    for filename in YOUTUBEVOS_SPLIT_FILES[split]:
        out.extend(read_split_file(filename))
    return out


class YouTubeVOS(LayoutVosDataset):
    """YouTube-VOS 2019 ``train`` videos of ``split``, one sequence per object.

    Args:
        root: YouTube-VOS 2019 root holding ``train/{JPEGImages,Annotations,meta.json}`` (default: the
            ``youtubevos_dir`` setting).
        version: ``'2019'`` (the only version with these splits).
        split: one of :data:`YOUTUBEVOS_SPLITS` (see the module docstring).
        sequences: explicit video names (overrides ``split``).
        skip_missing: drop split videos absent from meta.json or without a frame folder, with a warning, instead of
            raising.
        cache_size: parsed videos kept in memory.

    Construction reads ``meta.json`` only; annotations are read per video on first use.
    """

    name = "youtubevos"

    def __init__(self, root: Optional[Any] = None, version: str = "2019", split: str = "train",
                 sequences: Optional[Sequence[str]] = None, skip_missing: bool = False,
                 cache_size: Optional[int] = DEFAULT_SEQUENCE_CACHE):
        if str(version) != "2019":
            raise ValueError(f"Only YouTube-VOS version 2019 is supported (its splits live in ltr/data_specs), "
                             f"got {version!r}")
        if sequences is None and split not in YOUTUBEVOS_SPLITS:
            raise ValueError(f"YouTube-VOS split must be one of {YOUTUBEVOS_SPLITS}, got {split!r}")
        self.root = resolve_root(root, "youtubevos_dir")
        self.split = split if sequences is None else "custom"
        layout = YouTubeVosLayout(self.root, "train")
        meta = layout.meta()
        frame_root = self.root / "train" / "JPEGImages"
        if sequences is not None:
            requested: List[str] = list(sequences)
        elif split == "train":
            requested = sorted(meta)
        else:
            requested = youtubevos_split_videos(split)
        videos = select_present(requested, lambda v: v in meta and (frame_root / v).is_dir(),
                                what=f"YouTube-VOS 2019 train split {self.split!r}", where=self.root / "train",
                                skip_missing=skip_missing)
        super().__init__(layout, videos, cache_size)

    def video_object_ids(self, video: str) -> List[int]:
        entry = self.layout.meta()[video]
        try:
            return sorted(int(k) for k in entry["objects"])
        except (TypeError, ValueError, KeyError) as e:
            raise AnnotationError(f"{self.layout.meta_file}: bad or missing 'objects' of video {video}: {e!r}") from e
