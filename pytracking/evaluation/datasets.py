"""Evaluation datasets by name, imported lazily: ``get_dataset('got10k_val')`` imports only the GOT-10k module.

The root defaults to the dataset's settings key (``got10k_dir``, ``trackingnet_dir``, ``lasot_dir``, ``otb_dir``,
``vot_dir``, ``davis_dir``, ``youtubevos_dir``; see ``pytracking-env``); pass ``root=`` to override it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from .data import BaseDataset, PathLike


@dataclass(frozen=True)
class DatasetInfo:
    """Where a dataset lives: module under ``pytracking.evaluation``, class name, constructor kwargs."""

    module: str
    class_name: str
    kwargs: Dict[str, Any] = field(default_factory=dict)
    #: True for VOS datasets (multi-object wrapper, segmentation output, J&F analysis)
    vos: bool = False


DATASETS: Dict[str, DatasetInfo] = {
    "got10k_val": DatasetInfo("got10kdataset", "Got10kDataset", {"split": "val"}),
    "got10k_test": DatasetInfo("got10kdataset", "Got10kDataset", {"split": "test"}),
    "trackingnet": DatasetInfo("trackingnetdataset", "TrackingNetDataset", {"split": "TEST"}),
    **{f"trackingnet_train_{k}": DatasetInfo("trackingnetdataset", "TrackingNetDataset", {"split": f"TRAIN_{k}"})
       for k in range(12)},
    "lasot": DatasetInfo("lasotdataset", "LasotDataset"),
    "otb": DatasetInfo("otbdataset", "OtbDataset"),
    "vot": DatasetInfo("votdataset", "VotDataset"),
    "davis2016_val": DatasetInfo("davisdataset", "DavisDataset", {"year": "2016", "split": "val"}, vos=True),
    "davis2017_val": DatasetInfo("davisdataset", "DavisDataset", {"year": "2017", "split": "val"}, vos=True),
    "youtubevos_valid": DatasetInfo("youtubevosdataset", "YouTubeVosDataset", {"split": "valid"}, vos=True),
}


def dataset_names() -> List[str]:
    """All registered dataset names."""
    return list(DATASETS)


def dataset_info(name: str) -> DatasetInfo:
    """Registry entry of ``name``; unknown names raise listing the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"Unknown dataset {name!r}; known: {', '.join(DATASETS)}") from None


def get_dataset(name: str, root: Optional[PathLike] = None, **kwargs: Any) -> BaseDataset:
    """Construct dataset ``name`` (extra ``kwargs`` go to its class, e.g. ``sequences=`` for DAVIS)."""
    info = dataset_info(name)
    module = importlib.import_module(f"{__package__}.{info.module}")
    cls = getattr(module, info.class_name)
    return cls(root=root, **{**info.kwargs, **kwargs})
