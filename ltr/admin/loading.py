"""Loading and saving networks: official pytracking checkpoints, our own files, bare state_dicts.

Three lines to load an official checkpoint::

    from ltr.admin.loading import load_network
    net = load_network("lwl_stage2.pth")          # relative names are searched in the `network_path` setting
    net = net.to("cuda")                           # returned in eval mode, on the CPU

Accepted files (format detected from the content):

* official ltr checkpoints (``torch.save`` zip or legacy format) holding ``net`` (state_dict) and ``constructor`` (a
  pickled ``ltr.admin.model_constructor.NetConstructor``), possibly also pickled ``settings`` / ``stats`` objects.
  Read WITHOUT executing pickled code (see :mod:`ltr.admin.safe_unpickle`); the network is rebuilt from the stored
  module / function / kwargs, only for allow-listed constructors, with ``backbone_pretrained`` forced off, and the
  state_dict is loaded strictly;
* our network files written by :func:`save_network`: ``{'format': 'box2mask.net/1', 'config': <JSON text>,
  'state_dict': ...}`` -- a plain state_dict plus a JSON description of the constructor, loaded with
  ``weights_only=True``;
* our training checkpoints (``'format': 'box2mask.train/1'``, written by ``ltr.trainers``);
* bare state_dicts, with the constructor given explicitly (``constructor='lwl' | 'lwl_boxinit' | 'sta' | dotted
  name``; the aliases use the official kwargs) or by a JSON sidecar ``<file>.json`` ``{"constructor": {...}}``.
"""
from __future__ import annotations

import inspect
import json
import logging
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

import torch
import torch.nn as nn

from ltr.admin.environment import env_settings
from ltr.admin.fileio import atomic_path
from ltr.admin.model_constructor import NetConstructor
from ltr.admin.safe_unpickle import torch_load_restricted, torch_load_with_stand_ins

logger = logging.getLogger(__name__)

NET_FORMAT = "box2mask.net/1"
TRAIN_FORMAT = "box2mask.train/1"

_OFFICIAL_KWDS = dict(filter_size=3, num_filters=16, optim_iter=5, backbone_pretrained=False, out_feature_dim=512,
                      frozen_backbone_layers=["conv1", "bn1", "layer1"], label_encoder_dims=(16, 32, 64),
                      use_bn_in_label_enc=False, clf_feat_blocks=0, final_conv=True, backbone_type="mrcnn")
#: Short names for the three networks, with the kwargs of the released checkpoints (STANet's are inferred).
CONSTRUCTOR_ALIASES: Dict[str, Dict[str, Any]] = {
    "lwl": {"fun_module": "ltr.models.lwl.lwl_net", "fun_name": "steepest_descent_resnet50",
            "kwds": dict(_OFFICIAL_KWDS)},
    "lwl_boxinit": {"fun_module": "ltr.models.lwl.lwl_box_net", "fun_name": "steepest_descent_resnet50",
                    "kwds": dict(_OFFICIAL_KWDS, box_label_encoder_dims=(64, 64), final_bn=False)},
    "sta": {"fun_module": "ltr.models.lwl.sta_net", "fun_name": "steepest_descent_resnet50",
            "kwds": dict(_OFFICIAL_KWDS, label_encoder_dims=(16, 32, 64, 128))},
}
_ALLOWED = {(v["fun_module"], v["fun_name"]) for v in CONSTRUCTOR_ALIASES.values()}


class CheckpointError(RuntimeError):
    """A checkpoint cannot be used: unreadable, not a checkpoint, unknown constructor, or mismatching weights."""


def register_constructor(fun_module: str, fun_name: str) -> None:
    """Allow ``load_network`` to rebuild networks from ``fun_module.fun_name`` (your own networks)."""
    _ALLOWED.add((fun_module, fun_name))


def resolve_checkpoint_path(path: Union[str, os.PathLike]) -> Path:
    """An existing file: ``path`` itself, or for a relative name, the first hit in the ``network_path`` setting."""
    p = Path(path).expanduser()
    if p.is_file():
        return p
    tried = [str(p)]
    if not p.is_absolute():
        roots = env_settings().get("network_path", required=False)
        for root in (roots.split(os.pathsep) if roots else []):
            cand = Path(root).expanduser() / p
            tried.append(str(cand))
            if cand.is_file():
                return cand
    raise FileNotFoundError(f"Checkpoint not found: {path} (looked at: {', '.join(tried)})")


def read_checkpoint(path: Union[str, os.PathLike]) -> Any:
    """The checkpoint's content, read without executing pickled code. Raises CheckpointError for bad files."""
    path = resolve_checkpoint_path(path)
    try:
        return torch_load_with_stand_ins(str(path))
    except pickle.UnpicklingError as e:
        if "Unsupported global" not in str(e) and "weights_only" not in str(e).lower():
            raise CheckpointError(f"Cannot read checkpoint {path}: not a torch checkpoint or corrupt ({e})") from e
        first_error = e
    except (RuntimeError, EOFError, ValueError, OSError, zipfile.BadZipFile, KeyError) as e:
        raise CheckpointError(f"Cannot read checkpoint {path}: truncated or corrupt ({type(e).__name__}: {e})") from e
    try:  # other pickled globals (e.g. unusual settings objects): restricted unpickler with inert stand-ins
        obj, stubbed = torch_load_restricted(str(path))
    except Exception as e:  # noqa: BLE001 -- any failure here means the file is unusable; report both errors
        raise CheckpointError(f"Cannot read checkpoint {path}: {first_error}; restricted reader: {e}") from e
    logger.info("Read %s with inert stand-ins for: %s", path, ", ".join(stubbed))
    return obj


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, dict) and len(obj) > 0 and all(
        isinstance(k, str) and torch.is_tensor(v) for k, v in obj.items())


def _constructor_from_object(obj: Any, path: Path) -> NetConstructor:
    """Our NetConstructor from a pickled stand-in, a dict, or a NetConstructor."""
    if isinstance(obj, NetConstructor):
        return obj
    d = obj if isinstance(obj, dict) else getattr(obj, "__dict__", None)
    if not isinstance(d, dict) or "fun_name" not in d or "fun_module" not in d:
        raise CheckpointError(f"{path}: 'constructor' entry is not a network constructor record ({obj!r})")
    return NetConstructor.from_dict({"fun_name": d["fun_name"], "fun_module": d["fun_module"],
                                     "args": tuple(d.get("args", ())), "kwds": dict(d.get("kwds", {}))})


def _explicit_constructor(constructor: Union[str, dict, NetConstructor]) -> NetConstructor:
    if isinstance(constructor, NetConstructor):
        return constructor
    if isinstance(constructor, dict):
        return NetConstructor.from_dict(constructor)
    if constructor in CONSTRUCTOR_ALIASES:
        return NetConstructor.from_dict(CONSTRUCTOR_ALIASES[constructor])
    module, _, name = str(constructor).rpartition(".")
    if not module:
        raise CheckpointError(f"Unknown constructor {constructor!r}; use one of {sorted(CONSTRUCTOR_ALIASES)} "
                              "or a dotted 'module.function' name")
    return NetConstructor(name, module)


def _sidecar_constructor(path: Path) -> Optional[NetConstructor]:
    for cand in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if cand.is_file():
            try:
                cfg = json.loads(cand.read_text())
            except (OSError, json.JSONDecodeError) as e:
                raise CheckpointError(f"Cannot read constructor description {cand}: {e}") from e
            return NetConstructor.from_dict(cfg.get("constructor", cfg))
    return None


def parse_checkpoint(obj: Any, path: Path) -> Tuple[Dict[str, torch.Tensor], Optional[NetConstructor], Any]:
    """(state_dict, constructor or None, info) of any accepted checkpoint layout."""
    if isinstance(obj, dict) and obj.get("format") == NET_FORMAT:
        try:
            cfg = json.loads(obj["config"])
        except (KeyError, TypeError, json.JSONDecodeError) as e:
            raise CheckpointError(f"{path}: malformed network file config ({e})") from e
        return obj["state_dict"], NetConstructor.from_dict(cfg["constructor"]), cfg.get("info")
    if isinstance(obj, dict) and obj.get("format") == TRAIN_FORMAT:
        cons = obj.get("constructor")
        return obj["net"], (NetConstructor.from_dict(cons) if cons else None), obj.get("net_info")
    if isinstance(obj, dict) and "net" in obj and _is_state_dict(obj["net"]):
        cons = obj.get("constructor")
        return obj["net"], (_constructor_from_object(cons, path) if cons is not None else None), obj.get("net_info")
    if _is_state_dict(obj):
        return obj, None, None
    kind = type(obj).__name__ if not isinstance(obj, dict) else f"dict with keys {sorted(map(str, obj))[:8]}"
    raise CheckpointError(f"{path} is not a network checkpoint ({kind}): expected a state_dict, an ltr checkpoint "
                          "with 'net' and 'constructor', or a file written by save_network")


def build_network(constructor: NetConstructor, **overrides: Any) -> nn.Module:
    """Rebuild a network from an allow-listed constructor; ``backbone_pretrained`` is forced off."""
    module = constructor.fun_module
    if module.startswith("dlframework."):
        module = module[len("dlframework."):]
    if (module, constructor.fun_name) not in _ALLOWED:
        raise CheckpointError(f"Constructor {module}.{constructor.fun_name} is not allow-listed; known: "
                              f"{sorted(m + '.' + f for m, f in _ALLOWED)} (see register_constructor)")
    fun = getattr(__import__(module, fromlist=[constructor.fun_name]), constructor.fun_name)
    params = inspect.signature(inspect.unwrap(fun)).parameters
    kwds = dict(constructor.kwds)
    unknown = [k for k in overrides if k not in params]
    if unknown:
        raise TypeError(f"{module}.{constructor.fun_name} has no parameter(s) {unknown}")
    kwds.update(overrides)
    if "backbone_pretrained" in params:
        kwds["backbone_pretrained"] = False
    for k, v in list(kwds.items()):  # JSON turned tuples into lists; constructors expect tuples for dims
        if isinstance(v, list) and k != "frozen_backbone_layers":
            kwds[k] = tuple(v)
    net = fun(*constructor.args, **kwds)
    net.constructor = NetConstructor(constructor.fun_name, module, constructor.args, kwds)
    return net


def load_state_dict_checked(net: nn.Module, state_dict: Dict[str, torch.Tensor], source: str) -> None:
    """Strict load with one error listing missing keys, unexpected keys and shape mismatches."""
    own = net.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [f"{k}: checkpoint {tuple(state_dict[k].shape)} vs network {tuple(own[k].shape)}"
              for k in own if k in state_dict and tuple(state_dict[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        def fmt(items):
            return ", ".join(items[:10]) + (f" ... (+{len(items) - 10} more)" if len(items) > 10 else "")
        raise CheckpointError(
            f"Weights in {source} do not fit {type(net).__name__} (weights of another network?): "
            f"{len(missing)} missing [{fmt(missing)}]; {len(unexpected)} unexpected [{fmt(unexpected)}]; "
            f"{len(shapes)} shape mismatches [{fmt(shapes)}]")
    net.load_state_dict(state_dict, strict=True)


def load_network(path: Union[str, os.PathLike], constructor: Union[None, str, dict, NetConstructor] = None,
                 **constructor_overrides: Any) -> nn.Module:
    """Build and load a network from a checkpoint (see the module docstring). Returned in eval mode on the CPU.

    ``constructor`` overrides or supplies the constructor (needed for bare state_dicts without a JSON sidecar);
    ``constructor_overrides`` replace stored kwargs (an unknown name raises TypeError).
    """
    path = resolve_checkpoint_path(path)
    state_dict, stored, info = parse_checkpoint(read_checkpoint(path), path)
    cons = _explicit_constructor(constructor) if constructor is not None else (stored or _sidecar_constructor(path))
    if cons is None:
        raise CheckpointError(f"{path} has no constructor record: pass constructor='lwl' | 'lwl_boxinit' | 'sta' (or "
                              "a dotted name), or put a JSON sidecar next to it")
    net = build_network(cons, **constructor_overrides)
    load_state_dict_checked(net, state_dict, str(path))
    net.info = info
    return net.eval()


def save_network(net: nn.Module, path: Union[str, os.PathLike], info: Any = None) -> Path:
    """Write ``net`` as our network file (state_dict + JSON constructor description), atomically."""
    cons = getattr(net, "constructor", None)
    if cons is None:
        raise ValueError("save_network needs a network built by a @model_constructor factory (net.constructor)")
    config = {"constructor": cons.to_dict(), "net_type": type(net).__name__, "info": info}
    payload = {"format": NET_FORMAT, "config": json.dumps(config),
               "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    path = Path(path)
    with atomic_path(path, suffix=".pth") as tmp:
        torch.save(payload, tmp)
    return path


# Pretrained backbone weights from other projects' files live in their own module; re-exported for convenience.
from ltr.admin.backbone_weights import load_mrcnn_backbone, load_torchvision_backbone  # noqa: E402,F401
