"""Training datasets by name, for the train settings: which class, which split, which local-path keys.

A train setting lists its datasets as ``[name, weight]`` or ``[name, weight, {constructor overrides}]`` entries;
:func:`build_mixture` builds them (importing only the dataset modules that are used) and the paths come from the
local settings (``ltr.admin.environment``): an unset key raises ``MissingSettingError`` naming it, before any data
is read. :func:`required_keys` lists the keys a list of entries needs (for documentation and early checks).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple, Union

from ltr.admin.settings import SettingsError


@dataclass(frozen=True)
class DatasetEntry:
    """How to build one named dataset: ``module.class_name(**paths, **kwargs)``.

    ``paths`` maps a constructor argument to a settings key, or to ``(key, sub-folder)``: the argument is then
    ``<value of key>/<sub-folder>`` (pseudo masks of each dataset live in their own folder under
    ``pseudo_mask_dir``, as ``box2mask annotate --out <pseudo_mask_dir>/<name>`` writes them).
    """

    module: str
    class_name: str
    paths: Dict[str, Union[str, Tuple[str, str]]]
    kwargs: Dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def keys(self, overrides: Dict[str, Any]) -> List[str]:
        """Settings keys needed when ``overrides`` replace some arguments."""
        return [_key(v) for arg, v in self.paths.items() if arg not in overrides]


def _key(path_spec: Union[str, Tuple[str, str]]) -> str:
    return path_spec if isinstance(path_spec, str) else path_spec[0]


def _resolve(env: Any, path_spec: Union[str, Tuple[str, str]]) -> str:
    if isinstance(path_spec, str):
        return str(env.path(path_spec))
    return str(env.path(path_spec[0]) / path_spec[1])


def youtubevos_pseudo(root: str, mask_root: str, split: str = "weak_b", **kwargs: Any) -> Any:
    """YouTube-VOS 2019 videos of ``split`` with pseudo masks in ``mask_root/<video>/<object id>/<stem>.png``."""
    from ltr.dataset.pseudo_mask import PseudoMaskDataset
    from ltr.dataset.youtubevos import YouTubeVOS

    skip = bool(kwargs.pop("skip_missing", False))
    base = YouTubeVOS(root, version="2019", split=split, skip_missing=skip, **kwargs)
    return PseudoMaskDataset(base, mask_root, skip_missing=skip, name=f"youtubevos_{split}_pseudo")


_YTVOS = ("ltr.dataset.youtubevos", "YouTubeVOS")
_DAVIS = ("ltr.dataset.davis", "Davis")
_YT_ROOT = {"root": "youtubevos_dir"}


def _ytvos(split: str, description: str) -> DatasetEntry:
    return DatasetEntry(*_YTVOS, dict(_YT_ROOT), {"version": "2019", "split": split}, description)


DATASETS: Dict[str, DatasetEntry] = {
    "youtubevos_train": _ytvos("train", "YouTube-VOS 2019 train, all 3471 videos (Box2Mask, paper Sec. 3.4)"),
    "youtubevos_jjtrain": _ytvos("jjtrain", "YouTube-VOS 2019 train minus pytracking's 300 'jjvalid' videos (LWL)"),
    "youtubevos_jjvalid": _ytvos("jjvalid", "pytracking's 300 held-out YouTube-VOS 2019 train videos (LWL val)"),
    "youtubevos_yt300": _ytvos("yt300", "YT300, the paper's validation videos (Sec. 4.1), never trained on"),
    "youtubevos_weak_a": _ytvos("weak_a", "set A (1/10, mask-annotated) of the Sec. 4.2 split of YouTube-VOS"),
    "youtubevos_weak_b": _ytvos("weak_b", "set B (9/10) of the Sec. 4.2 split, with its ground-truth masks"),
    "youtubevos_weak_b_pseudo": DatasetEntry(
        __name__, "youtubevos_pseudo",
        {"root": "youtubevos_dir", "mask_root": ("pseudo_mask_dir", "youtubevos_weak_b")}, {"split": "weak_b"},
        "set B of Sec. 4.2 with `box2mask annotate` masks instead of the ground truth"),
    "davis_train": DatasetEntry(*_DAVIS, {"root": "davis_dir"}, {"version": "2017", "split": "train"},
                                "DAVIS 2017 train (60 videos, every object)"),
    "davis": DatasetEntry(*_DAVIS, {"root": "davis_dir"}, {},
                          "a DAVIS-layout folder (version / split as overrides), e.g. synthetic videos"),
    "got10k_pseudo": DatasetEntry("ltr.dataset.pseudo_mask", "Got10kPseudoMask",
                                  {"root": "got10k_dir", "mask_root": ("pseudo_mask_dir", "got10k")}, {"split": "all"},
                                  "GOT-10k train (all 9335) with the `box2mask annotate` masks of "
                                  "<pseudo_mask_dir>/got10k"),
    "lasot_pseudo": DatasetEntry("ltr.dataset.pseudo_mask", "LasotPseudoMask",
                                 {"root": "lasot_dir", "mask_root": ("pseudo_mask_dir", "lasot")}, {"split": "train"},
                                 "LaSOT train frames with the `box2mask annotate` masks of <pseudo_mask_dir>/lasot"),
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
        for key in DATASETS[name].keys(overrides):
            if key not in keys:
                keys.append(key)
    return keys


def check_paths(env: Any, entries: Sequence[Sequence[Any]]) -> None:
    """Raise ``MissingSettingError`` naming the first path setting the entries need that is not set."""
    for key in required_keys(entries):
        env.path(key)


def describe(entries: Sequence[Sequence[Any]]) -> str:
    """One line per entry: name, weight, description, settings keys."""
    lines = []
    for entry in entries:
        name, weight, overrides = _parse(entry)
        spec = DATASETS[name]
        keys = ", ".join(spec.keys(overrides))
        extra = f" {overrides}" if overrides else ""
        lines.append(f"{name}{extra} (weight {weight:g}): {spec.description} [settings: {keys}]")
    return "\n".join(lines)


def build_dataset(env: Any, name: str, **overrides: Any) -> Any:
    """Build the named dataset with paths from ``env`` (``settings.env``); ``overrides`` replace kwargs/paths."""
    if name not in DATASETS:
        raise SettingsError(f"Unknown training dataset {name!r}; known: {', '.join(sorted(DATASETS))}")
    spec = DATASETS[name]
    kwargs = {arg: _resolve(env, p) for arg, p in spec.paths.items() if arg not in overrides}
    kwargs.update(spec.kwargs)
    kwargs.update(overrides)
    cls = getattr(importlib.import_module(spec.module), spec.class_name)
    return cls(**kwargs)


def build_mixture(env: Any, entries: Sequence[Sequence[Any]],
                  skip_missing: bool = False) -> Tuple[List[Any], List[float]]:
    """(datasets, weights) of ``[name, weight(, overrides)]`` entries; every path key is checked first.

    ``skip_missing``: sequences of a split that are not on disk are dropped with a warning (default: an error
    naming them); an entry's own ``skip_missing`` override wins."""
    parsed = [_parse(e) for e in entries]
    if not parsed:
        raise SettingsError("No training datasets given")
    check_paths(env, entries)  # fail on a missing path before reading any dataset
    datasets = [build_dataset(env, name, **{"skip_missing": bool(skip_missing), **overrides})
                for name, _, overrides in parsed]
    return datasets, [w for _, w, _ in parsed]
