"""Tracker parameters: an attribute bag that refuses unknown names when overridden.

Parameter files (``pytracking/parameter/<tracker>/<name>.py``) build a :class:`TrackerParams` with
``parameters() -> TrackerParams``. Overrides from the command line or an API call go through
:meth:`TrackerParams.override`, which raises for a misspelled name instead of silently ignoring it.
"""
from __future__ import annotations

from typing import Any, Dict


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
