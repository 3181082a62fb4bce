"""Training datasets (``BaseVideoDataset`` contract) and on-disk layout readers (``ltr.dataset.layouts``).

Exports are resolved lazily (PEP 562), so ``import ltr.dataset.layouts`` does not import the torch-based datasets.
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BaseVideoDataset": "base_video_dataset",
    "info_from_boxes": "base_video_dataset",
    "LayoutBoxDataset": "box_dataset",
    "LayoutVosDataset": "vos_dataset",
    "Got10k": "got10k",
    "GOT10K_SPLITS": "got10k",
    "Lasot": "lasot",
    "LASOT_SPLITS": "lasot",
    "TrackingNet": "trackingnet",
    "YouTubeVOS": "youtubevos",
    "YOUTUBEVOS_SPLITS": "youtubevos",
    "youtubevos_split_videos": "youtubevos",
    "Davis": "davis",
    "PseudoMaskDataset": "pseudo_mask",
    "Got10kPseudoMask": "pseudo_mask",
    "LasotPseudoMask": "pseudo_mask",
    "TrackingNetPseudoMask": "pseudo_mask",
    "pseudo_mask_dataset": "pseudo_mask",
    "PSEUDO_SOURCES": "pseudo_mask",
    "MissingSequencesError": "splits",
    "read_split_file": "splits",
    "data_spec_path": "splits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ltr.dataset' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
