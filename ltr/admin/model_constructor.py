"""``@model_constructor``: remember how a network was built, so a checkpoint can rebuild it.

The decorated factory's module, name, positional and keyword arguments (only those actually passed, as in
pytracking) are attached to the returned network as ``net.constructor``, a :class:`NetConstructor`.

Official pytracking checkpoints pickle this object under the global name
``ltr.admin.model_constructor.NetConstructor``; this module lives at that path so that the name resolves here. Our
loader never unpickles it as code, though: ``ltr.admin.loading`` reads the four attributes with a restricted
unpickler and calls only allow-listed factories. Our own checkpoints store :meth:`NetConstructor.to_dict` as JSON.
"""
from __future__ import annotations

import functools
import importlib
from typing import Any, Callable, Dict, Tuple


class NetConstructor:
    """Module path, function name and arguments of a network factory call."""

    def __init__(self, fun_name: str, fun_module: str, args: Tuple = (), kwds: Dict[str, Any] = None):
        self.fun_name = fun_name
        self.fun_module = fun_module
        self.args = tuple(args)
        self.kwds = dict(kwds or {})

    def get(self):
        """Build the network (imports ``fun_module``; callers should check the allow-list first)."""
        fun = getattr(importlib.import_module(self.fun_module), self.fun_name)
        return fun(*self.args, **self.kwds)

    def to_dict(self) -> Dict[str, Any]:
        """JSON-friendly description (tuples become lists)."""
        return {"fun_module": self.fun_module, "fun_name": self.fun_name,
                "args": _jsonable(list(self.args)), "kwds": _jsonable(self.kwds)}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "NetConstructor":
        """Inverse of :meth:`to_dict`."""
        missing = [k for k in ("fun_module", "fun_name") if k not in d]
        if missing:
            raise ValueError(f"Constructor description lacks {missing}: {d!r}")
        kwds = {k: (float(v) if v in ("inf", "-inf") else v) for k, v in dict(d.get("kwds", {})).items()}
        return cls(d["fun_name"], d["fun_module"], tuple(d.get("args", ())), kwds)

    def __repr__(self) -> str:
        return f"NetConstructor({self.fun_module}.{self.fun_name}, args={self.args!r}, kwds={self.kwds!r})"


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, float) and x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return x


def model_constructor(f: Callable) -> Callable:
    """Decorator: the returned network gets ``net.constructor`` recording this call."""

    @functools.wraps(f)
    def wrapper(*args, **kwds):
        net = f(*args, **kwds)
        if isinstance(net, (tuple, list)):
            net[0].constructor = NetConstructor(f.__name__, f.__module__, args, kwds)
        else:
            net.constructor = NetConstructor(f.__name__, f.__module__, args, kwds)
        return net

    return wrapper
