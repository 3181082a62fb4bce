"""SAM 2 models for box -> mask: the optional ``sam2`` package, its configs, and checked checkpoint loading.

The ``sam2`` package (SAM 2 / SAM 2.1, ``pip`` name ``sam2``, pinned to 1.1.0) is an optional extra. It ships the
model configs (``configs/sam2.1/sam2.1_hiera_{t,s,b+,l}.yaml``) but no weights; the official checkpoints are ``.pt``
files holding ``{"model": state_dict}`` (``sam2.1_hiera_tiny.pt`` goes with ``sam2.1_hiera_t``, and so on).

Every expected failure is one line naming the file or option:

* the package is missing -> :class:`SAM2NotInstalledError` (an ``ImportError`` that the command line reports as a
  plain error) with the install command;
* an unknown config name -> ``ValueError`` listing the configs the package has;
* the checkpoint is missing (looked up like every checkpoint: the path, then the ``network_path`` folders) ->
  ``FileNotFoundError``; unreadable, not a SAM 2 file, or weights of another config -> :class:`CheckpointError`
  (counts and first examples of missing / unexpected / differently shaped tensors, and the config that goes with an
  official file name).

Checkpoints are read with ``torch.load(weights_only=True)``: no pickled code runs.
"""
from __future__ import annotations

import logging
import pickle
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from ltr.admin.loading import CheckpointError, resolve_checkpoint_path

logger = logging.getLogger(__name__)

__all__ = ["SAM2NotInstalledError", "SAM2_VERSION", "INSTALL_HINT", "OFFICIAL_CHECKPOINTS", "require_sam2",
           "available_configs", "resolve_config", "build_sam2_model", "read_sam2_checkpoint", "load_sam2_weights",
           "CheckpointError"]

#: The pinned release (setup.py's ``sam2`` extra and scripts/setup_env.sh install this one).
SAM2_VERSION = "1.1.0"
INSTALL_HINT = (f"pip install wheel setuptools && SAM2_BUILD_CUDA=0 pip install --no-build-isolation "
                f"sam2=={SAM2_VERSION} (scripts/setup_env.sh does this)")

#: Official checkpoint file name -> the config it was trained with.
OFFICIAL_CHECKPOINTS: Dict[str, str] = {
    "sam2.1_hiera_tiny.pt": "sam2.1_hiera_t",
    "sam2.1_hiera_small.pt": "sam2.1_hiera_s",
    "sam2.1_hiera_base_plus.pt": "sam2.1_hiera_b+",
    "sam2.1_hiera_large.pt": "sam2.1_hiera_l",
    "sam2_hiera_tiny.pt": "sam2_hiera_t",
    "sam2_hiera_small.pt": "sam2_hiera_s",
    "sam2_hiera_base_plus.pt": "sam2_hiera_b+",
    "sam2_hiera_large.pt": "sam2_hiera_l",
}
_SAM2_DEPENDENCIES = ("sam2", "hydra", "omegaconf", "iopath")


class SAM2NotInstalledError(ImportError, RuntimeError):
    """The optional ``sam2`` package (or one of its dependencies) is not installed."""


def require_sam2():
    """The ``sam2.build_sam`` module; :class:`SAM2NotInstalledError` with the install command when it is missing."""
    try:
        import sam2.build_sam as build_sam
    except ModuleNotFoundError as e:
        missing = (e.name or "").split(".")[0]
        if missing not in _SAM2_DEPENDENCIES:
            raise
        what = "the sam2 package" if missing == "sam2" else f"'{missing}', a dependency of sam2"
        raise SAM2NotInstalledError(f"SAM 2 is not installed ({what} is missing): the 'sam2' method and the lwl_sam2 "
                                    f"tracker need the optional extra; install it with: {INSTALL_HINT}") from e
    return build_sam


def available_configs() -> Dict[str, str]:
    """Short config name (``sam2.1_hiera_t``) -> the package's config path (``configs/sam2.1/sam2.1_hiera_t.yaml``)."""
    build_sam = require_sam2()
    root = Path(build_sam.__file__).resolve().parent
    out: Dict[str, str] = {}
    for folder in ("sam2.1", "sam2"):
        for path in sorted((root / "configs" / folder).glob("*.yaml")):
            out[path.stem] = f"configs/{folder}/{path.name}"
    return out


def resolve_config(config: Optional[str], checkpoint: Optional[str] = None) -> Tuple[str, str]:
    """``(short name, config path)`` for ``config`` -- a short name (``sam2.1_hiera_t``), with ``.yaml``, or the
    package path (``configs/sam2.1/sam2.1_hiera_t.yaml``). ``config=None`` takes the config of an official checkpoint
    file name (``sam2.1_hiera_tiny.pt`` -> ``sam2.1_hiera_t``)."""
    configs = available_configs()
    if config is None:
        name = Path(str(checkpoint)).name if checkpoint else None
        if name not in OFFICIAL_CHECKPOINTS:
            raise ValueError(f"SAM 2 needs a model config for checkpoint {checkpoint}: pass config=NAME (command "
                             f"line: --config NAME), one of {sorted(configs)}; it is only implied by the official "
                             f"file names ({', '.join(sorted(OFFICIAL_CHECKPOINTS))})")
        config = OFFICIAL_CHECKPOINTS[name]
    short = Path(str(config)).name
    short = short[:-5] if short.endswith(".yaml") else short
    if short not in configs or (("/" in str(config)) and str(config).lstrip("/") != configs[short]):
        raise ValueError(f"Unknown SAM 2 config '{config}' (--config); the installed sam2 package has "
                         f"{sorted(configs)}")
    return short, configs[short]


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _read_state_dict(path: Path) -> Dict[str, torch.Tensor]:
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile,
            AttributeError, ImportError) as e:
        raise CheckpointError(f"Cannot read SAM 2 checkpoint {path}: not a torch file, corrupt, or holding pickled "
                              f"objects ({type(e).__name__}: {_first_line(e)})") from e
    state = obj.get("model") if isinstance(obj, dict) else None
    if not isinstance(state, dict) or not state or not all(torch.is_tensor(v) for v in state.values()):
        keys = sorted(obj)[:5] if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(f"{path} is not a SAM 2 checkpoint: expected a dict with a 'model' state dict (as in "
                              f"the official sam2.1_hiera_*.pt files), found {keys}")
    return state


def _config_hint(path: Path, config: str) -> str:
    official = OFFICIAL_CHECKPOINTS.get(path.name)
    if official is not None and official != config:
        return f"{path.name} goes with --config {official}"
    return "official pairs: " + ", ".join(f"{k} -> {v}" for k, v in OFFICIAL_CHECKPOINTS.items()
                                         if k.startswith("sam2.1"))


def read_sam2_checkpoint(checkpoint: str) -> Tuple[Path, Dict[str, torch.Tensor]]:
    """``(resolved path, state dict)`` of an official-format SAM 2 checkpoint (``{"model": state_dict}``)."""
    try:
        path = resolve_checkpoint_path(checkpoint)
    except FileNotFoundError as e:
        detail = str(e).replace("Checkpoint not found: ", "", 1)
        raise FileNotFoundError(f"SAM 2 checkpoint (--checkpoint) not found: {detail}; the official SAM 2.1 files "
                                f"(sam2.1_hiera_tiny.pt, ...) are linked from github.com/facebookresearch/sam2") from e
    return path, _read_state_dict(path)


def load_sam2_weights(model: torch.nn.Module, state: Dict[str, torch.Tensor], path: Path, config: str) -> None:
    """Load ``state`` (read from ``path``) into ``model`` (built from ``config``) after checking that every tensor
    is there with the model's shape."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}"
              for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        def first(items: List[str]) -> str:
            return "; ".join(items[:2]) + (" ..." if len(items) > 2 else "")
        found = [f"{len(items)} {what} [{first(items)}]" for what, items in
                 (("missing", missing), ("unexpected", unexpected), ("shape mismatches", shapes)) if items]
        raise CheckpointError(f"SAM 2 checkpoint {path} does not match config '{config}' (--config): "
                              f"{', '.join(found)}; {_config_hint(path, config)}")
    model.load_state_dict(state, strict=True)
    logger.info("Loaded SAM 2 weights %s (config %s)", path, config)


def build_sam2_model(checkpoint: Optional[str], config: Optional[str] = None, device: str = "cpu",
                     image_size: Optional[int] = None, random_weights: bool = False) -> torch.nn.Module:
    """The SAM 2 video model of ``config`` (see :func:`resolve_config`) with the weights of ``checkpoint``, in eval
    mode on ``device``.

    ``image_size``: the model's square input resolution (default: the config's, 1024 for the official models, which
    were trained at that size; smaller sizes run much faster and give coarser masks; a multiple of 32).
    ``random_weights=True`` (with ``checkpoint=None``) keeps the random initialisation: tests and speed
    measurements only.
    """
    if checkpoint is None and not random_weights:
        raise ValueError("SAM 2 needs a checkpoint (--checkpoint PATH, e.g. sam2.1_hiera_tiny.pt)")
    if image_size is not None and (int(image_size) < 64 or int(image_size) % 32):
        raise ValueError(f"SAM 2 image_size (--image-size) must be a multiple of 32 and >= 64, got {image_size}")
    build_sam = require_sam2()
    short, config_path = resolve_config(config, checkpoint)
    weights = read_sam2_checkpoint(checkpoint) if checkpoint is not None else None   # file errors before building
    overrides = [f"++model.image_size={int(image_size)}"] if image_size is not None else []
    # the video predictor class with the package's inference settings; the weights are loaded (checked) below
    model = build_sam.build_sam2_video_predictor(config_path, ckpt_path=None, device="cpu",
                                                 hydra_overrides_extra=overrides)
    if weights is not None:
        load_sam2_weights(model, weights[1], weights[0], short)
    else:
        logger.warning("SAM 2 %s with RANDOM weights (tests and speed measurements only)", short)
    model.sam2_config_name = short
    return model.to(device).eval()
