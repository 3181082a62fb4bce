"""Tracker parameters: an attribute bag that refuses unknown names when overridden.

Parameter files (``pytracking/parameter/<tracker>/<name>.py``) build a :class:`TrackerParams` with
``parameters() -> TrackerParams``. Overrides from the command line or an API call go through
:meth:`TrackerParams.override`, which raises for a misspelled name instead of silently ignoring it.
"""
from __future__ import annotations

from typing import Any, Dict, Optional


class TrackerParams:
    """Plain attribute container for tracker parameters."""

    def __init__(self, **kwargs: Any):
        for k, v in kwargs.items():
            setattr(self, k, v)

    def get(self, name: str, *default: Any) -> Any:
        """Value of ``name``; with a default, return it when unset; without one, raise naming the parameter."""
        if len(default) > 1:
            raise ValueError("get takes at most one default")
        if hasattr(self, name):
            return getattr(self, name)
        if default:
            return default[0]
        raise AttributeError(f"Tracker parameter '{name}' is not set")

    def has(self, name: str) -> bool:
        """Whether ``name`` is set."""
        return hasattr(self, name)

    def override(self, **kwargs: Any) -> "TrackerParams":
        """Replace existing parameters; an unknown name raises ``KeyError`` listing the known ones."""
        unknown = [k for k in kwargs if not hasattr(self, k)]
        if unknown:
            raise KeyError(f"Unknown tracker parameter(s) {unknown}; known: {sorted(self.as_dict())}")
        for k, v in kwargs.items():
            setattr(self, k, v)
        return self

    def as_dict(self) -> Dict[str, Any]:
        """All parameters as a dict (the network object, if any, included)."""
        return dict(vars(self))

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()) if k != "net")
        return f"TrackerParams({items})"


def use_device(params: TrackerParams, device: Optional[str]) -> TrackerParams:
    """Run the tracker on ``device`` ('cpu', 'cuda', 'cuda:N'; None keeps the parameter file's choice): sets
    ``use_gpu`` and the device of the network wrapper ``params.net`` when there is one (its checkpoint is loaded
    onto that device; a box->mask initialiser follows the tracker's network)."""
    if device is None:
        return params
    import torch

    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available here")
    params.use_gpu = dev.type == "cuda"
    net = getattr(params, "net", None)
    if net is not None and hasattr(net, "device"):
        if getattr(net, "_ready", False) and torch.device(net.device) != dev:
            raise ValueError(f"the network is already loaded on {net.device}; choose the device before tracking")
        net.device = dev
    return params
