"""Training datasets by name, for the train settings: which class, which split, which local-path keys.

A train setting lists its datasets as ``[name, weight]`` or ``[name, weight, {constructor overrides}]`` entries;
:func:`build_mixture` builds them (importing only the dataset modules that are used) and the paths come from the
local settings (``ltr.admin.environment``): an unset key raises ``MissingSettingError`` naming it, before any data
is read. :func:`required_keys` lists the keys a list of entries needs (for documentation and early checks).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

from ltr.admin.settings import SettingsError


@dataclass(frozen=True)
class DatasetEntry:
    """How to build one named dataset: ``module.class_name(**{arg: env path}, **kwargs)``."""

    module: str
    class_name: str
    paths: Dict[str, str]            # constructor argument -> settings key (e.g. {'root': 'davis_dir'})
    kwargs: Dict[str, Any] = field(default_factory=dict)
    description: str = ""


_YTVOS = ("ltr.dataset.youtubevos", "YouTubeVOS")
_DAVIS = ("ltr.dataset.davis", "Davis")
_PSEUDO = ("ltr.dataset.pseudo_mask", "PseudoMaskDataset")

DATASETS: Dict[str, DatasetEntry] = {
    "youtubevos_train": DatasetEntry(*_YTVOS, {"root": "youtubevos_dir"}, {"version": "2019", "split": "train"},
                                     "YouTube-VOS 2019 train (all 3471 videos)"),
    "youtubevos_jjtrain": DatasetEntry(*_YTVOS, {"root": "youtubevos_dir"}, {"version": "2019", "split": "jjtrain"},
                                       "YouTube-VOS 2019 train minus the 300 'jjvalid' videos (LWL training)"),
    "youtubevos_jjvalid": DatasetEntry(*_YTVOS, {"root": "youtubevos_dir"}, {"version": "2019", "split": "jjvalid"},
                                       "the 300 held-out YouTube-VOS 2019 train videos (LWL validation)"),
    "youtubevos_weak_a": DatasetEntry(*_YTVOS, {"root": "youtubevos_dir"}, {"version": "2019", "split": "weak_a"},
                                      "set A (10 %) of the paper's Sec. 4.2 split of YouTube-VOS 2019 train"),
    "youtubevos_weak_b": DatasetEntry(*_YTVOS, {"root": "youtubevos_dir"}, {"version": "2019", "split": "weak_b"},
                                      "set B (90 %) of the Sec. 4.2 split, with its ground-truth masks"),
    "davis_train": DatasetEntry(*_DAVIS, {"root": "davis_dir"}, {"version": "2017", "split": "train"},
                                "DAVIS 2017 train (60 videos, every object)"),
    "davis": DatasetEntry(*_DAVIS, {"root": "davis_dir"}, {},
                          "any DAVIS-layout folder (version / split as overrides), e.g. synthetic videos"),
    "got10k_pseudo": DatasetEntry(*_PSEUDO, {"root": "got10k_dir", "mask_root": "pseudo_mask_dir"},
                                  {"source": "got10k", "split": "train"},
                                  "GOT-10k train frames with `box2mask annotate` masks"),
    "lasot_pseudo": DatasetEntry(*_PSEUDO, {"root": "lasot_dir", "mask_root": "pseudo_mask_dir"},
                                 {"source": "lasot", "split": "train"},
                                 "LaSOT train frames with `box2mask annotate` masks"),
    "youtubevos_weak_b_pseudo": DatasetEntry(*_PSEUDO, {"root": "youtubevos_dir", "mask_root": "pseudo_mask_dir"},
                                             {"source": "youtubevos", "split": "weak_b"},
                                             "set B of Sec. 4.2 with `box2mask annotate` masks instead of the "
                                             "ground truth"),
}


def _parse(entry: Sequence[Any]) -> Tuple[str, float, Dict[str, Any]]:
    if not isinstance(entry, (list, tuple)) or len(entry) not in (2, 3):
        raise SettingsError(f"A dataset entry is [name, weight] or [name, weight, {{overrides}}], got {entry!r}")
    name, weight = entry[0], entry[1]
    overrides = dict(entry[2]) if len(entry) == 3 else {}
    if name not in DATASETS:
        raise SettingsError(f"Unknown training dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    if not isinstance(weight, (int, float)) or weight < 0:
        raise SettingsError(f"Dataset {name!r}: weight must be a number >= 0, got {weight!r}")
    return name, float(weight), overrides


def required_keys(entries: Sequence[Sequence[Any]]) -> List[str]:
    """The local-path settings keys the entries need, in order of first use."""
    keys: List[str] = []
    for entry in entries:
        name, _, overrides = _parse(entry)
        for arg, key in DATASETS[name].paths.items():
            if arg not in overrides and key not in keys:
                keys.append(key)
    return keys


def describe(entries: Sequence[Sequence[Any]]) -> str:
    """One line per entry: name, weight, description, settings keys."""
    lines = []
    for entry in entries:
        name, weight, overrides = _parse(entry)
        spec = DATASETS[name]
        keys = ", ".join(k for a, k in spec.paths.items() if a not in overrides)
        extra = f" {overrides}" if overrides else ""
        lines.append(f"{name}{extra} (weight {weight:g}): {spec.description} [settings: {keys}]")
    return "\n".join(lines)


def build_dataset(env: Any, name: str, **overrides: Any) -> Any:
    """Build the named dataset with paths from ``env`` (``settings.env``); ``overrides`` replace kwargs/paths."""
    if name not in DATASETS:
        raise SettingsError(f"Unknown training dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    spec = DATASETS[name]
    kwargs = {arg: str(env.path(key)) for arg, key in spec.paths.items() if arg not in overrides}
    kwargs.update(spec.kwargs)
    kwargs.update(overrides)
    cls = getattr(importlib.import_module(spec.module), spec.class_name)
    return cls(**kwargs)


def build_mixture(env: Any, entries: Sequence[Sequence[Any]]) -> Tuple[List[Any], List[float]]:
    """(datasets, weights) of ``[name, weight(, overrides)]`` entries; every path key is checked first."""
    parsed = [_parse(e) for e in entries]
    if not parsed:
        raise SettingsError("No training datasets given")
    for name, _, overrides in parsed:  # fail on a missing path before reading any dataset
        for arg, key in DATASETS[name].paths.items():
            if arg not in overrides:
                env.path(key)
    datasets = [build_dataset(env, name, **overrides) for name, _, overrides in parsed]
    return datasets, [w for _, w, _ in parsed]
