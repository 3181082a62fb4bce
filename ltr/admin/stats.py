"""Running statistics collected by the trainer: weighted averages per epoch and latest values.

Everything here serialises to plain numbers (:meth:`AverageMeter.state`), so statistics can go into checkpoints
that load with ``torch.load(..., weights_only=True)`` and be summed across processes.
"""
from __future__ import annotations

import math
from typing import Dict, Iterable, Mapping, Union

import torch

Number = Union[int, float]


def to_float(value: Union[Number, torch.Tensor]) -> float:
    """A Python float from a number or a one-element tensor (raises for anything else)."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"A statistic must be a scalar, got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().item())
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"A statistic must be a number or a scalar tensor, got {type(value).__name__}")


class StatValue:
    """The latest value of a quantity (e.g. the learning rate)."""

    def __init__(self) -> None:
        self.val = math.nan

    def update(self, val: Union[Number, torch.Tensor]) -> None:
        """Replace the value."""
        self.val = to_float(val)

    def reset(self) -> None:
        """Forget the value."""
        self.val = math.nan


class AverageMeter:
    """Sample-weighted average: ``update(v, n)`` counts ``v`` as the mean of ``n`` samples."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start a new average."""
        self.val = math.nan
        self.sum = 0.0
        self.count = 0

    def update(self, val: Union[Number, torch.Tensor], n: int = 1) -> None:
        """Add ``n`` samples whose mean is ``val``."""
        self.val = to_float(val)
        self.sum += self.val * n
        self.count += n

    @property
    def avg(self) -> float:
        """Mean over all samples since the last reset (NaN when empty)."""
        return self.sum / self.count if self.count else math.nan

    def state(self) -> Dict[str, Number]:
        """``{'sum', 'count'}``: enough to merge meters of several processes."""
        return {"sum": self.sum, "count": self.count}

    def merge(self, states: Iterable[Mapping[str, Number]]) -> None:
        """Replace this meter by the union of the given :meth:`state` dicts."""
        states = list(states)
        self.sum = float(sum(s["sum"] for s in states))
        self.count = int(sum(s["count"] for s in states))


class MeterGroup:
    """Named :class:`AverageMeter` objects created on first use (one group per loader and epoch)."""

    def __init__(self) -> None:
        self.meters: Dict[str, AverageMeter] = {}

    def update(self, stats: Mapping[str, Union[Number, torch.Tensor]], n: int) -> None:
        """Add one batch of ``n`` samples."""
        for name, value in stats.items():
            self.meters.setdefault(name, AverageMeter()).update(value, n)

    def averages(self) -> Dict[str, float]:
        """``{name: average}`` in name order."""
        return {name: self.meters[name].avg for name in sorted(self.meters)}

    def latest(self) -> Dict[str, float]:
        """``{name: last value}`` in name order."""
        return {name: self.meters[name].val for name in sorted(self.meters)}

    def state(self) -> Dict[str, Dict[str, Number]]:
        """Plain-number state of every meter."""
        return {name: m.state() for name, m in self.meters.items()}

    def merge(self, states: Iterable[Mapping[str, Mapping[str, Number]]]) -> None:
        """Replace the meters by the union of several processes' :meth:`state` dicts."""
        states = list(states)
        names = sorted(set().union(*[set(s) for s in states])) if states else []
        for name in names:
            self.meters.setdefault(name, AverageMeter()).merge([s[name] for s in states if name in s])
