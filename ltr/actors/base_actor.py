"""Actor: maps a batch to the network's outputs, the loss and statistics (method-specific subclasses).

The trainer stays generic: it moves the actor to the device, switches train/eval mode, calls
``loss, stats = actor(data)`` and does the optimisation. Under torchrun the trainer replaces ``actor.net`` by a
DistributedDataParallel wrapper (attribute access still reaches the network); subclasses must produce the loss
through ``self.net(...)`` so that the gradients are synchronised.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple, Union

import torch
import torch.nn as nn

Stats = Dict[str, Union[float, torch.Tensor]]


class BaseActor:
    """Holds ``net`` and ``objective`` (a loss module, or a dict of them)."""

    def __init__(self, net: nn.Module, objective: Any = None):
        self.net = net
        self.objective = objective

    def __call__(self, data: Dict[str, Any]) -> Tuple[torch.Tensor, Stats]:
        """Return ``(loss, stats)``: a scalar tensor to minimise and ``{name: scalar}`` to log (e.g.
        ``{'Loss/total': ..., 'IoU': ...}``); ``data`` is a batch from an ``LTRLoader``, already on the device."""
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(data) -> (loss, stats)")

    def to(self, device: Union[str, torch.device]) -> "BaseActor":
        """Move the network and any objective modules to ``device``."""
        self.net.to(device)
        for module in _objective_modules(self.objective):
            module.to(device)
        return self

    def train(self, mode: bool = True) -> "BaseActor":
        """Set training mode. Calls ``net.train(mode)``: modules that must stay in eval mode (frozen backbones,
        frozen batch norm) override their own ``train``. Override here for actor-wide policies."""
        self.net.train(mode)
        for module in _objective_modules(self.objective):
            module.train(mode)
        return self

    def eval(self) -> "BaseActor":
        """Same as ``train(False)``."""
        return self.train(False)


def _objective_modules(objective: Any):
    if isinstance(objective, nn.Module):
        yield objective
    elif isinstance(objective, dict):
        for value in objective.values():
            if isinstance(value, nn.Module):
                yield value
