"""Helpers shared by the box2mask / lwl / weak train settings.

* :func:`resolve_config`: every field of a setting's config dataclass is a hyper-parameter (``--set name=value``
  overrides it, the resolved value is saved in ``settings.json``); fields named like a ``Settings`` field
  (``batch_size``, ``num_workers``, ``num_epochs``) are assigned to ``settings`` instead (the command line locks
  those).
* :func:`resolve_file`: a weights/checkpoint path from a hyper-parameter -- an existing path, a file name searched
  in the ``network_path`` setting, or ``latest:<method>/<setting>`` for the newest training checkpoint of another
  setting in ``checkpoint_dir``.
* :func:`load_init_network`: the weights of a trained network (our checkpoints or the official ones) copied into a
  freshly built one, for chosen submodules.
"""
from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Optional, Sequence, TypeVar

import torch.nn as nn

from ltr.admin.loading import CheckpointError, load_network, resolve_checkpoint_path
from ltr.admin.settings import Settings, SettingsError
from ltr.trainers import list_checkpoints

logger = logging.getLogger(__name__)

C = TypeVar("C")

LATEST_PREFIX = "latest:"

#: maskrcnn-benchmark's R-50-FPN Mask R-CNN (the paper's [42]), searched in the ``network_path`` setting; Detectron2
#: and Detectron (Caffe2) files work too (``ltr.admin.backbone_weights``).
DEFAULT_MRCNN_WEIGHTS = "e2e_mask_rcnn_R_50_FPN_1x.pth"


def resolve_config(settings: Settings, config: C) -> C:
    """The config with command-line hyper-parameters applied (see the module docstring)."""
    if not dataclasses.is_dataclass(config):
        raise TypeError(f"resolve_config expects a dataclass instance, got {type(config).__name__}")
    fields = set(Settings.field_names())
    given = settings.hparams()
    values = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name in fields:
            setattr(settings, f.name, value)  # ignored (with a log line) when the command line fixed it
            value = getattr(settings, f.name)
        else:
            # an Optional field may be set to None from the command line (``--set mrcnn_weights=None``)
            unset = f.name in given and given[f.name] is None and "Optional" in str(f.type)
            value = settings.hparam(f.name, None if unset else value)
        values[f.name] = value
    return dataclasses.replace(config, **values)


def resolve_file(settings: Settings, value: str, what: str) -> Path:
    """The file named by a hyper-parameter value (see the module docstring); errors name ``what``."""
    if value.startswith(LATEST_PREFIX):
        project = value[len(LATEST_PREFIX):].strip("/")
        root = Path(settings.checkpoint_dir).expanduser() if settings.checkpoint_dir else \
            settings.env.path("checkpoint_dir")
        folder = root / project
        found = [path for net_dir in ([folder] if folder.is_dir() else []) for _, path in
                 _all_checkpoints(net_dir)]
        if not found:
            raise SettingsError(f"{what}: no training checkpoint in {folder} (train `ltr-train "
                                f"{project.replace('/', ' ')}` first, or --set {what}=PATH)")
        return found[-1]
    try:
        return resolve_checkpoint_path(value)
    except (FileNotFoundError, CheckpointError) as e:
        raise SettingsError(f"{what}: {e} (--set {what}=PATH)") from e


def _all_checkpoints(folder: Path):
    """Epoch checkpoints of any network type in ``folder``, oldest first."""
    names = {p.name.split("_ep")[0] for p in folder.glob("*_ep*.pth.tar")}
    found = [item for name in names for item in list_checkpoints(folder, name)]
    return sorted(found)


def load_init_network(path: Path, net: nn.Module, modules: Optional[Sequence[str]] = None) -> None:
    """Copy the weights of the network stored in ``path`` into ``net``: all of it (``modules=None``, keys must
    match exactly) or only the named submodules (each must match exactly)."""
    source = load_network(path)
    if modules is None:
        net.load_state_dict(source.state_dict(), strict=True)
    else:
        for name in modules:
            getattr(net, name).load_state_dict(getattr(source, name).state_dict(), strict=True)
    logger.info("Initialised %s from %s", "the network" if modules is None else ", ".join(modules), path)


def epochs_for(iterations: int, iterations_per_epoch: int) -> int:
    """Number of epochs for a total number of iterations (must divide evenly)."""
    if iterations < 1 or iterations_per_epoch < 1 or iterations % iterations_per_epoch:
        raise SettingsError(f"iterations ({iterations}) must be a positive multiple of iterations_per_epoch "
                            f"({iterations_per_epoch})")
    return iterations // iterations_per_epoch
