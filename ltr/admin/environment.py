"""Local paths (datasets, checkpoints, workspace) in one settings file, overridable by environment variables.

The file is JSON, created once by ``pytracking-env init --data-root DIR [--workspace DIR]`` and never rewritten by
the library. Resolution order for a key ``name``:

1. the environment variable ``B2M_<NAME>`` (e.g. ``B2M_GOT10K_DIR``);
2. the settings file: ``$B2M_SETTINGS`` if set, else ``~/.config/box2mask/settings.json``;
3. otherwise the key is unset and reading it raises :class:`MissingSettingError` naming the key and how to set it.

Both ``ltr`` (training) and ``pytracking`` (evaluation) read the same settings through :func:`env_settings`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ltr.admin.fileio import atomic_write_text

logger = logging.getLogger(__name__)

ENV_PREFIX = "B2M_"
SETTINGS_ENV = "B2M_SETTINGS"

# key -> (sub-folder of the data root, or of the workspace when prefixed with '@'; description)
KEYS: Dict[str, tuple] = {
    "workspace_dir": ("", "root of everything the tools write (checkpoints, logs, results)"),
    "network_path": ("@networks", "folder (or os.pathsep-separated folders) searched for checkpoint files"),
    "checkpoint_dir": ("@checkpoints", "training checkpoints (ltr-train)"),
    "tensorboard_dir": ("@tensorboard", "TensorBoard logs (ltr-train)"),
    "results_path": ("@tracking_results", "raw tracking results (pytracking run)"),
    "segmentation_path": ("@segmentation_results", "predicted masks of VOS runs (pytracking run)"),
    "result_plot_path": ("@result_plots", "plots and tables (pytracking analyze)"),
    "packed_results_path": ("@packed_results", "GOT-10k / TrackingNet submission zips (pytracking pack)"),
    "pseudo_mask_dir": ("@pseudo_masks", "masks written by `box2mask annotate`"),
    "davis_dir": ("DAVIS", "DAVIS 2016/2017 root (JPEGImages/480p, Annotations/480p, ImageSets)"),
    "youtubevos_dir": ("YouTubeVOS", "YouTube-VOS 2019 root (train/, valid/)"),
    "got10k_dir": ("GOT-10k", "GOT-10k root (train/, val/, test/)"),
    "lasot_dir": ("LaSOT", "LaSOT root (<class>/<class>-<n>/img, groundtruth.txt)"),
    "trackingnet_dir": ("TrackingNet", "TrackingNet root (TRAIN_0..TRAIN_11, TEST)"),
    "otb_dir": ("OTB", "OTB root (<seq>/img, groundtruth_rect.txt)"),
    "vot_dir": ("VOT2020", "VOT folder (list.txt, <seq>/color, groundtruth.txt)"),
    "coco_dir": ("COCO", "COCO root (images, annotations) for box-init training"),
}


class MissingSettingError(KeyError):
    """A path setting is needed but not configured."""

    def __init__(self, key: str, settings_file: Path):
        self.key = key
        msg = (
            f"Setting '{key}' is not set. Set it with `pytracking-env init --data-root DIR` "
            f"(writes {settings_file}), by editing that file, or with the environment variable {ENV_PREFIX}{key.upper()}."
        )
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]


def settings_file() -> Path:
    """Path of the settings file in use."""
    env = os.environ.get(SETTINGS_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".config" / "box2mask" / "settings.json"


class EnvSettings:
    """Read-only view of the resolved settings; attribute or ``get`` access raises for unset keys."""

    def __init__(self, values: Dict[str, str], source: Path):
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_source", source)

    def get(self, key: str, default: Optional[str] = None, required: bool = True) -> Optional[str]:
        """Value of ``key``; environment variable first, then the file. Raises if unset and ``required``."""
        env = os.environ.get(ENV_PREFIX + key.upper())
        if env:
            return env
        value = self._values.get(key)
        if value:
            return value
        if default is not None or not required:
            return default
        raise MissingSettingError(key, self._source)

    def path(self, key: str) -> Path:
        """Value of ``key`` as a Path (required)."""
        return Path(self.get(key)).expanduser()

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self.get(key)

    def __setattr__(self, key, value):
        raise AttributeError("EnvSettings is read-only; edit the settings file or set an environment variable")

    def as_dict(self) -> Dict[str, Optional[str]]:
        """Every known key with its resolved value (None when unset)."""
        return {k: self.get(k, required=False) for k in sorted(set(KEYS) | set(self._values))}


def load_settings_file(path: Optional[Path] = None) -> Dict[str, str]:
    """Parse the settings file; missing file -> {}. A malformed file raises with its path (never rewritten)."""
    path = settings_file() if path is None else path
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"Cannot read settings file {path}: {e}. Fix or delete it (it is never rewritten).") from e
    if not isinstance(data, dict):
        raise ValueError(f"Settings file {path} must hold a JSON object of key -> path")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        logger.warning("Settings file %s has unknown keys %s (known: %s)", path, unknown, sorted(KEYS))
    return {str(k): str(v) for k, v in data.items() if v is not None}


def env_settings() -> EnvSettings:
    """Resolved settings (file + environment). Cheap; call it where a path is needed."""
    path = settings_file()
    return EnvSettings(load_settings_file(path), path)


def default_settings(data_root: Optional[str], workspace: Optional[str]) -> Dict[str, str]:
    """Settings derived from one data root and one workspace folder."""
    out: Dict[str, str] = {}
    ws = Path(workspace).expanduser().resolve() if workspace else None
    root = Path(data_root).expanduser().resolve() if data_root else None
    for key, (sub, _) in KEYS.items():
        if key == "workspace_dir":
            if ws is not None:
                out[key] = str(ws)
        elif sub.startswith("@"):
            if ws is not None:
                out[key] = str(ws / sub[1:])
        elif root is not None:
            out[key] = str(root / sub)
    return out


def write_settings(values: Dict[str, str], path: Path, force: bool = False) -> Path:
    """Write a new settings file atomically; refuses to replace an existing one unless ``force``."""
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; edit it, or pass --force to replace it")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(values, indent=2, sort_keys=True) + "\n")
    return path


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pytracking-env", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    i = sub.add_parser("init", help="create the settings file")
    i.add_argument("--data-root", help="folder holding the datasets (GOT-10k/, LaSOT/, DAVIS/, ...)")
    i.add_argument("--workspace", default=None, help="output folder (default: ./workspace)")
    i.add_argument("--file", default=None, help=f"settings file (default: ${SETTINGS_ENV} or ~/.config/box2mask)")
    i.add_argument("--force", action="store_true", help="replace an existing file")
    s = sub.add_parser("show", help="print the resolved settings")
    s.add_argument("keys", nargs="*")
    return p


def main(argv: Optional[Iterable[str]] = None) -> int:
    """Console entry point ``pytracking-env``; errors (e.g. an unreadable settings file) are one ``error: ...`` line."""
    from ltr.admin.cli import debug_requested, guarded

    args_list = list(sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _run(args_list), debug_requested(args_list))


def _run(argv: List[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args = _build_parser().parse_args([a for a in argv if a != "--debug"])
    if args.cmd == "init":
        path = Path(args.file).expanduser() if args.file else settings_file()
        values = default_settings(args.data_root, args.workspace or "workspace")
        try:
            write_settings(values, path, force=args.force)
        except FileExistsError as e:
            logger.error("%s", e)
            return 1
        logger.info("Wrote %s", path)
        return 0
    settings = env_settings()
    shown = settings.as_dict()
    keys = args.keys or list(shown)
    for k in keys:
        sys.stdout.write(f"{k}: {shown.get(k) if k in shown else settings.get(k, required=False)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
