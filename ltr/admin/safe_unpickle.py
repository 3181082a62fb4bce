"""Reading pickled checkpoints without executing their code.

Official pytracking checkpoints pickle objects of ltr's classes (``NetConstructor``, and in trainer files also
``Settings``, ``EnvironmentSettings``, ``AverageMeter``, ``StatValue``). Two safe ways to read them, both used by
``ltr.admin.loading``:

1. :func:`torch_load_with_stand_ins` -- ``torch.load(weights_only=True)`` with those global names allow-listed and
   mapped to inert stand-in classes: the unpickler only creates a stand-in and fills its ``__dict__``.
2. :func:`torch_load_restricted` -- for files with other globals (e.g. unusual settings objects): a restricted
   pickle module whose ``find_class`` returns torch's own weights-only allow-list entries for tensor reconstruction
   and an inert :class:`OpaqueObject` subclass for every other name. Calling or building such a stand-in runs no
   checkpoint code; the names that were stubbed are reported.

Also :func:`restricted_pickle_load` for plain pickles of numpy arrays (Detectron2 ``.pkl`` weights).
"""
from __future__ import annotations

import io
import pickle
import types
from typing import Any, Dict, Iterable, List, Tuple

import torch

# The class names official ltr files may contain (plus the legacy 'dlframework' package name).
OFFICIAL_GLOBALS = (
    "admin.model_constructor.NetConstructor",
    "admin.settings.Settings",
    "admin.local.EnvironmentSettings",
    "admin.stats.AverageMeter",
    "admin.stats.StatValue",
)
PACKAGE_PREFIXES = ("ltr.", "dlframework.")


class OpaqueObject:
    """Inert stand-in for a pickled object of a class we do not import. Holds the pickled state only."""

    _pickled_name = "?"

    def __init__(self, *args: Any, **kwargs: Any):
        self._args = args
        self._kwargs = kwargs

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self._state = state

    def __repr__(self) -> str:
        return f"<stand-in for {self._pickled_name}>"


_STAND_INS: Dict[str, type] = {}


def stand_in(name: str) -> type:
    """The (cached) inert stand-in class for the pickled global ``name``."""
    if name not in _STAND_INS:
        _STAND_INS[name] = type("StandIn_" + name.replace(".", "_"), (OpaqueObject,), {"_pickled_name": name})
    return _STAND_INS[name]


def official_stand_ins() -> List[Tuple[type, str]]:
    """(stand-in class, global name) pairs for ``torch.serialization.safe_globals``."""
    return [(stand_in(p + n), p + n) for p in PACKAGE_PREFIXES for n in OFFICIAL_GLOBALS]


def torch_load_with_stand_ins(path: str) -> Any:
    """``torch.load(path, weights_only=True)`` with the official ltr class names mapped to stand-ins."""
    with torch.serialization.safe_globals(official_stand_ins()):
        return torch.load(path, map_location="cpu", weights_only=True)


def _allowed_torch_globals() -> Dict[str, Any]:
    from torch import _weights_only_unpickler as wou  # torch's own list of safe reconstruction globals

    return dict(wou._get_allowed_globals())


class _RestrictedUnpickler(pickle.Unpickler):
    allowed: Dict[str, Any] = {}
    stubbed: set = set()

    def find_class(self, module: str, name: str) -> Any:
        full = f"{module}.{name}"
        if full in self.allowed:
            return self.allowed[full]
        type(self).stubbed.add(full)
        return stand_in(full)


def _restricted_module(allowed: Dict[str, Any]) -> types.ModuleType:
    mod = types.ModuleType("ltr_restricted_pickle")
    cls = type("Unpickler", (_RestrictedUnpickler,), {"allowed": allowed, "stubbed": set()})
    mod.Unpickler = cls
    mod.load = lambda f, **kw: cls(f, **kw).load()
    mod.loads = lambda b, **kw: cls(io.BytesIO(b), **kw).load()
    mod.__name__ = "pickle"  # torch checks nothing else; keeps error messages readable
    return mod


def torch_load_restricted(path: str) -> Tuple[Any, List[str]]:
    """``torch.load`` through a restricted unpickler; returns (object, sorted list of stubbed global names)."""
    mod = _restricted_module(_allowed_torch_globals())
    obj = torch.load(path, map_location="cpu", weights_only=False, pickle_module=mod)
    return obj, sorted(mod.Unpickler.stubbed)


def _numpy_globals() -> Dict[str, Any]:
    import numpy as np

    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    allowed: Dict[str, Any] = {"collections.OrderedDict": __import__("collections").OrderedDict,
                               "numpy.ndarray": np.ndarray, "numpy.dtype": np.dtype}
    for modname in ("numpy.core.multiarray", "numpy._core.multiarray"):
        allowed[modname + "._reconstruct"] = multiarray._reconstruct
        allowed[modname + ".scalar"] = multiarray.scalar
    for dt in ("Float32DType", "Float64DType", "Int64DType", "Int32DType", "UInt8DType", "Float16DType"):
        if hasattr(np.dtypes, dt):
            allowed["numpy.dtypes." + dt] = getattr(np.dtypes, dt)
    return allowed


def restricted_pickle_load(path: str, extra_names: Iterable[str] = ()) -> Tuple[Any, List[str]]:
    """Load a plain pickle (e.g. Detectron2 weights: dicts of numpy arrays) with only numpy reconstruction allowed."""
    mod = _restricted_module(_numpy_globals())
    with open(path, "rb") as f:
        obj = mod.Unpickler(f, encoding="latin1").load()
    return obj, sorted(mod.Unpickler.stubbed)
