"""Pretrained backbone weights from other projects' files (nothing is downloaded).

* torchvision ResNet-50 state_dict (``resnet50-*.pth``) -> the 'imagenet' backbone (identical keys).
* Mask R-CNN R-50 weights (the paper's initialisation) -> the 'mrcnn' backbone, from
  - Detectron2 ``.pkl`` (pickled ``{'model': {name: numpy array}}``) or ``.pth`` files,
  - maskrcnn-benchmark ``.pth`` (``{'model': {'module.backbone.body....': tensor}}``),
  - Detectron (Caffe2) ``.pkl`` (``{'blobs': {'res2_0_branch2a_w': ...}}``).

Key mapping to our 'mrcnn' names (``conv1``, ``bn1``, ``layer{1..4}.{i}.conv{1,2,3}``, ``.bn{1,2,3}``,
``.downsample.0`` / ``.downsample.1``):

=============================================  ==================================================
Detectron2 (prefix ``backbone.bottom_up.``)     ours
=============================================  ==================================================
``stem.conv1.weight`` / ``stem.conv1.norm.*``   ``conv1.weight`` / ``bn1.*``
``res{k}.{i}.conv{j}.weight``                   ``layer{k-1}.{i}.conv{j}.weight``
``res{k}.{i}.conv{j}.norm.*``                   ``layer{k-1}.{i}.bn{j}.*``
``res{k}.{i}.shortcut.weight`` / ``.norm.*``    ``layer{k-1}.{i}.downsample.0.weight`` / ``.1.*``
maskrcnn-benchmark (``[module.]backbone.body.``) ``stem.conv1`` -> ``conv1``, ``stem.bn1`` -> ``bn1``, rest equal
Caffe2 ``conv1_w``, ``res_conv1_bn_{s,b}``       ``conv1.weight``, ``bn1.{weight,bias}``
Caffe2 ``res{k}_{i}_branch2{a,b,c}_w`` / _bn_*   ``layer{k-1}.{i}.conv{1,2,3}.weight`` / ``bn{1,2,3}``
Caffe2 ``res{k}_{i}_branch1_w`` / ``_bn_*``      ``layer{k-1}.{i}.downsample.0.weight`` / ``.1``
=============================================  ==================================================

Those projects use frozen BatchNorm: maskrcnn-benchmark computes ``x * w / sqrt(var) + b`` WITHOUT eps and Caffe2
files store only scale/bias. Our BatchNorm2d adds eps = 1e-5, so we store ``running_var = var - eps`` (Caffe2:
mean 0, ``var = 1 - eps``), which reproduces their outputs exactly. Detectron2's FrozenBatchNorm2d uses eps = 1e-5
like ours, so its statistics are copied unchanged.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Union

import numpy as np
import torch
import torch.nn as nn

from ltr.admin.safe_unpickle import restricted_pickle_load, torch_load_with_stand_ins

BN_EPS = 1e-5


class BackboneWeightsError(RuntimeError):
    """Backbone weights cannot be read or do not fit."""


def _read_any(path: Union[str, os.PathLike]) -> dict:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Backbone weights not found: {path}")
    try:
        if path.suffix == ".pkl":
            obj, stubbed = restricted_pickle_load(str(path))
            if stubbed:
                raise BackboneWeightsError(f"{path} contains unexpected pickled objects: {stubbed}")
            return obj
        return torch_load_with_stand_ins(str(path))
    except BackboneWeightsError:
        raise
    except Exception as e:  # noqa: BLE001 -- report any reader failure with the file name
        raise BackboneWeightsError(f"Cannot read backbone weights {path}: {type(e).__name__}: {e}") from e


def _to_tensor(v) -> torch.Tensor:
    return v.detach().clone().float() if torch.is_tensor(v) else torch.from_numpy(np.asarray(v, dtype=np.float32).copy())


def _detectron2_name(k: str) -> str:
    k = k[len("backbone.bottom_up."):] if k.startswith("backbone.bottom_up.") else k
    if k.startswith("stem."):
        k = k[len("stem."):]
        return k.replace("conv1.norm.", "bn1.")
    m = re.match(r"res(\d)\.(\d+)\.(.*)", k)
    if not m:
        return ""
    stage, block, rest = int(m.group(1)) - 1, m.group(2), m.group(3)
    rest = re.sub(r"^conv(\d)\.norm\.", r"bn\1.", rest)
    rest = rest.replace("shortcut.norm.", "downsample.1.").replace("shortcut.weight", "downsample.0.weight")
    return f"layer{stage}.{block}.{rest}"


def _caffe2_name(k: str) -> str:
    if k == "conv1_w":
        return "conv1.weight"
    if k.startswith("res_conv1_bn_"):
        return "bn1." + {"s": "weight", "b": "bias"}[k[-1]]
    m = re.match(r"res(\d)_(\d+)_branch(2a|2b|2c|1)_(w|bn_s|bn_b)$", k)
    if not m:
        return ""
    stage, block, branch, kind = int(m.group(1)) - 1, m.group(2), m.group(3), m.group(4)
    if branch == "1":
        base = f"layer{stage}.{block}.downsample." + ("0" if kind == "w" else "1")
    else:
        j = {"2a": 1, "2b": 2, "2c": 3}[branch]
        base = f"layer{stage}.{block}." + (f"conv{j}" if kind == "w" else f"bn{j}")
    return base + {"w": ".weight", "bn_s": ".weight", "bn_b": ".bias"}[kind]


def convert_mrcnn_weights(obj: dict) -> Dict[str, torch.Tensor]:
    """Map a Detectron2 / maskrcnn-benchmark / Caffe2 Detectron weight dict to 'mrcnn' backbone keys."""
    if "blobs" in obj:  # Caffe2 Detectron
        out = {}
        for k, v in obj["blobs"].items():
            name = _caffe2_name(k)
            if name:
                out[name] = _to_tensor(v)
        for name in [n for n in out if n.endswith(".bias") and ("bn" in n or "downsample.1" in n)]:
            prefix = name[:-len(".bias")]
            out[prefix + ".running_mean"] = torch.zeros_like(out[name])
            out[prefix + ".running_var"] = torch.full_like(out[name], 1.0 - BN_EPS)
        return out
    model = obj.get("model", obj)
    keys = list(model)
    if any(k.startswith("backbone.bottom_up.") for k in keys) or any(k.startswith("res2.") for k in keys):
        return {n: _to_tensor(v) for n, v in ((_detectron2_name(k), v) for k, v in model.items()) if n}
    out = {}
    for k, v in model.items():  # maskrcnn-benchmark
        k = k[len("module."):] if k.startswith("module.") else k
        if not k.startswith("backbone.body."):
            continue
        k = k[len("backbone.body."):].replace("stem.conv1.", "conv1.").replace("stem.bn1.", "bn1.")
        t = _to_tensor(v)
        out[k] = t - BN_EPS if k.endswith("running_var") else t
    return out


def _fill_and_load(backbone: nn.Module, weights: Dict[str, torch.Tensor], source: str) -> None:
    own = backbone.state_dict()
    missing = [k for k in own if k not in weights and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in weights if k not in own]
    shapes = [k for k in weights if k in own and tuple(weights[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or shapes:
        raise BackboneWeightsError(f"{source} does not fit the backbone: missing {missing[:8]}, unexpected "
                                   f"{unexpected[:8]}, shape mismatches {shapes[:8]}")
    full = {k: (weights[k] if k in weights else own[k].new_zeros(())) for k in own}
    backbone.load_state_dict(full, strict=True)


def load_mrcnn_backbone(backbone: nn.Module, path: Union[str, os.PathLike]) -> nn.Module:
    """Load Mask R-CNN R-50 weights (Detectron2, maskrcnn-benchmark or Caffe2 Detectron) into a 'mrcnn' backbone."""
    _fill_and_load(backbone, convert_mrcnn_weights(_read_any(path)), str(path))
    return backbone


def load_torchvision_backbone(backbone: nn.Module, path_or_state_dict: Union[str, os.PathLike, dict]) -> nn.Module:
    """Load a torchvision ResNet state_dict into an 'imagenet' (torchvision-layout) backbone.

    Our backbone has the same keys; a backbone built without the classifier skips ``fc.*``.
    """
    sd = path_or_state_dict if isinstance(path_or_state_dict, dict) else _read_any(path_or_state_dict)
    sd = {k: v for k, v in sd.items() if not (k.startswith("fc.") and not hasattr(backbone, "fc"))}
    _fill_and_load(backbone, {k: _to_tensor(v) if not k.endswith("num_batches_tracked") else v
                              for k, v in sd.items()}, str(path_or_state_dict if not isinstance(path_or_state_dict, dict) else "state_dict"))
    return backbone
