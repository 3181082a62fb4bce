"""Method registry: ``build_method(name, **options) -> MaskMethod``.

Names: ``'grabcut'`` (default; single-frame OpenCV GrabCut on a 1.5x crop of the box, no learned weights),
``'classic'`` (multi-frame, no learned weights: helps where a frame is ambiguous, e.g. a look-alike inside the box,
but not on average on real video -- docs/benchmarks.md), ``'box'`` (the filled box) and ``'stanet'`` (the learned
network; needs ``checkpoint=...``; built by ``box2mask.stanet_method.build_stanet_method``, imported only when asked
for) and ``'sam2'`` (SAM 2.1's video model with every frame's box as a prompt; needs the optional ``sam2`` package and
``checkpoint=...``, ``config=...``; ``box2mask.sam2_method.build_sam2_method``). Options are passed to the
method's constructor; an option the method does not take raises ``TypeError`` naming it.
Common option names: ``num_frames`` (T), ``interval`` (delta), ``iterations``, ``sample_scale``.
"""
from __future__ import annotations

import importlib
import inspect
from typing import Callable, Dict, FrozenSet, Optional, Tuple

from box2mask.predictor import MaskMethod

__all__ = ["build_method", "method_parameters", "METHODS", "DEFAULT_METHOD", "UnknownMethodError"]

#: The no-weights default: crop GrabCut. The multi-frame 'classic' method beat it by +1.2 J on the 5 dev sequences
#: but lost on 13 of 20 other real DAVIS sequences (-2.2 J on average), so it is an option, not the default.
DEFAULT_METHOD = "grabcut"

# name -> (module, factory attribute); modules are imported lazily so 'stanet' costs nothing until used.
METHODS: Dict[str, Tuple[str, str]] = {
    "classic": ("box2mask.classic.method", "ClassicMethod"),
    "grabcut": ("box2mask.classic.baselines", "GrabCutMethod"),
    "box": ("box2mask.classic.baselines", "FilledBoxMethod"),
    "stanet": ("box2mask.stanet_method", "build_stanet_method"),
    "sam2": ("box2mask.sam2_method", "build_sam2_method"),
}


class UnknownMethodError(KeyError):
    """No method of that name."""


def _factory(name: str) -> Callable[..., MaskMethod]:
    module_name, attr = METHODS[name]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name == module_name:
            raise ImportError(f"Method '{name}' is not available in this installation ({module_name} is missing)") \
                from e
        raise
    return getattr(module, attr)


def method_parameters(name: str) -> Optional[FrozenSet[str]]:
    """The option names method ``name`` accepts (None: any, its factory takes ``**options``)."""
    key = name.lower()
    if key not in METHODS:
        raise UnknownMethodError(f"Unknown box2mask method '{name}'; choose one of {sorted(METHODS)}")
    params = inspect.signature(_factory(key)).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return frozenset(p for p in params if p != "self")


def build_method(name: str = DEFAULT_METHOD, **options) -> MaskMethod:
    """Build the method ``name`` with ``options`` (options set to ``None`` are dropped, so CLI defaults apply)."""
    key = name.lower()
    if key not in METHODS:
        raise UnknownMethodError(f"Unknown box2mask method '{name}'; choose one of {sorted(METHODS)}")
    options = {k: v for k, v in options.items() if v is not None}
    if key == "stanet" and not options.get("checkpoint"):
        raise ValueError("Method 'stanet' needs a network checkpoint: build_method('stanet', checkpoint=PATH) "
                         "(command line: --checkpoint PATH)")
    if key == "sam2" and not options.get("checkpoint"):
        raise ValueError("Method 'sam2' needs a SAM 2 checkpoint: build_method('sam2', checkpoint=PATH, "
                         "config='sam2.1_hiera_t') (command line: --checkpoint sam2.1_hiera_tiny.pt)")
    factory = _factory(key)
    params = inspect.signature(factory).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        unknown = sorted(set(options) - set(params))
        if unknown:
            raise TypeError(f"Method '{key}' takes no option(s) {unknown}; it accepts "
                            f"{sorted(p for p in params if p != 'self')}")
    return factory(**options)
