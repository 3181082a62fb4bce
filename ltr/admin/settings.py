"""Training settings: one checked object handed to a train setting's ``run(settings)``.

Generic knobs are declared fields; assigning an unknown attribute raises (a misspelled option must not be ignored
silently). Method-specific values are *hyper-parameters* read with :meth:`Settings.hparam`, whose default lives in
the train setting and which the command line may override (``ltr-train ... --set name=value``).

Fields given on the command line are *locked*: when ``run(settings)`` later assigns them (``settings.num_epochs =
80``) the assignment is ignored with an INFO log line, so ``--epochs 2`` wins over the setting's own value.
``seed`` and ``device`` are always locked, because the launcher seeds the RNGs and starts the process group before
``run`` is called.
"""
from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Union

import torch

from ltr.admin import multigpu
from ltr.admin.environment import EnvSettings, MissingSettingError, env_settings

logger = logging.getLogger(__name__)

Primitive = Union[None, bool, int, float, str, List[Any], Dict[str, Any]]


class SettingsError(ValueError):
    """An invalid or unused setting (the message names it)."""


@dataclass
class Settings:
    """Resolved options of one training run (see module docstring for locking and hyper-parameters)."""

    module_name: str = ""            # METHOD of ``ltr-train METHOD SETTING`` (ltr/train_settings/<module_name>/)
    script_name: str = ""            # SETTING (the module file name)
    project_path: str = ""           # sub-folder for checkpoints / TensorBoard; default "<module_name>/<script_name>"
    description: str = ""
    num_epochs: int = 1
    batch_size: int = 1              # global batch: split evenly over processes under torchrun
    num_workers: int = 0             # DataLoader worker processes per training process
    worker_start_method: str = "auto"  # 'auto' (forkserver where available), 'fork', 'forkserver', 'spawn'
    device: str = ""                 # 'cpu', 'cuda', 'cuda:N'; '' = cuda when available
    seed: int = 1
    use_amp: bool = False            # mixed precision (autocast fp16 + GradScaler); only honoured on CUDA
    grad_clip: Optional[float] = None  # max global L2 norm of the gradients; None = no clipping
    keep_last_checkpoints: Optional[int] = None  # keep only the K newest epoch checkpoints; None = all
    resume: Union[bool, str] = False  # True = latest checkpoint of this project; a str = that file
    print_interval: int = 10         # iterations between progress-bar refreshes and per-iteration scalars
    use_tensorboard: bool = True
    progress_bar: bool = True
    checkpoint_dir: Optional[str] = None  # overrides env 'checkpoint_dir'
    tensorboard_dir: Optional[str] = None  # overrides env 'tensorboard_dir'
    find_unused_parameters: bool = False  # passed to DistributedDataParallel
    cudnn_benchmark: bool = False
    _locked: Set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hparams_given", {})
        object.__setattr__(self, "_hparams_used", {})
        object.__setattr__(self, "_env", None)
        if not self.project_path and self.module_name:
            self.project_path = f"{self.module_name}/{self.script_name}"

    # ----------------------------------------------------------------------------------------------- fields
    @classmethod
    def field_names(cls) -> List[str]:
        """Names of the declared (public) fields."""
        return [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name not in self.field_names():
            raise AttributeError(
                f"Settings has no field '{name}'. Known fields: {', '.join(self.field_names())}. "
                f"Method-specific values are hyper-parameters: use settings.hparam('{name}', default).")
        if name in getattr(self, "_locked", ()):
            current = getattr(self, name)
            if current != value:
                logger.info("settings.%s = %r ignored: fixed to %r by the launcher / command line", name, value,
                            current)
            return
        object.__setattr__(self, name, value)

    def override(self, **values: Any) -> "Settings":
        """Set fields and lock them against later assignments (used by the command line)."""
        for name, value in values.items():
            object.__setattr__(self, "_locked", set(self._locked) - {name})
            setattr(self, name, value)
            self._locked.add(name)
        return self

    def locked(self) -> Set[str]:
        """Names of the locked fields."""
        return set(self._locked)

    # -------------------------------------------------------------------------------------- hyper-parameters
    def set_hparams(self, **values: Any) -> "Settings":
        """Give hyper-parameter values (command line); they take precedence over the setting's defaults."""
        self._hparams_given.update(values)
        return self

    def hparam(self, name: str, default: Any) -> Any:
        """The value of a method-specific hyper-parameter: the given one if any, else ``default``.

        The resolved value is recorded and saved with the run's settings.
        """
        value = self._hparams_given.get(name, default)
        if name in self._hparams_given and default is not None and not isinstance(value, type(default)):
            if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            elif isinstance(default, (list, tuple)) and isinstance(value, (list, tuple)):
                value = type(default)(value)
            else:
                raise SettingsError(f"Hyper-parameter '{name}': expected {type(default).__name__} like the default "
                                f"{default!r}, got {value!r}")
        self._hparams_used[name] = value
        return value

    def hparams(self) -> Dict[str, Any]:
        """Every hyper-parameter read so far (and any given but not read), resolved."""
        out = dict(self._hparams_given)
        out.update(self._hparams_used)
        return out

    def unused_hparams(self) -> List[str]:
        """Names given (e.g. with ``--set``) that the setting never read -- probably misspelled."""
        return sorted(set(self._hparams_given) - set(self._hparams_used))

    # ------------------------------------------------------------------------------------------ environment
    @property
    def env(self) -> EnvSettings:
        """Local paths (``ltr.admin.environment.env_settings()``), read on first use."""
        if self._env is None:
            object.__setattr__(self, "_env", env_settings())
        return self._env

    def checkpoint_path(self) -> Path:
        """``<checkpoint_dir>/<project_path>``: checkpoints and the saved settings of this run."""
        root = Path(self.checkpoint_dir).expanduser() if self.checkpoint_dir else self.env.path("checkpoint_dir")
        return root / self.project_path

    def tensorboard_path(self) -> Path:
        """``<tensorboard_dir>/<project_path>``."""
        root = Path(self.tensorboard_dir).expanduser() if self.tensorboard_dir else self.env.path("tensorboard_dir")
        return root / self.project_path

    def resolved_device(self) -> torch.device:
        """The training device; plain 'cuda' becomes ``cuda:LOCAL_RANK`` (one GPU per process under torchrun)."""
        name = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dev = torch.device(name)
        if dev.type == "cuda":
            if not torch.cuda.is_available():
                raise RuntimeError(f"settings.device is '{name}' but CUDA is not available; use --device cpu")
            if dev.index is None:
                dev = torch.device("cuda", multigpu.get_local_rank())
        return dev

    def loader_workers(self) -> Dict[str, Any]:
        """The worker options of every training loader: ``LTRLoader(..., **settings.loader_workers())``."""
        return {"num_workers": self.num_workers, "start_method": self.worker_start_method}

    @property
    def rank(self) -> int:
        """Global rank of this process."""
        return multigpu.get_rank()

    @property
    def world_size(self) -> int:
        """Number of training processes."""
        return multigpu.get_world_size()

    # ----------------------------------------------------------------------------------------------- checks
    def validate(self) -> None:
        """Raise :class:`SettingsError` naming the first invalid field."""
        checks = [
            ("num_epochs", isinstance(self.num_epochs, int) and self.num_epochs >= 1, "an int >= 1"),
            ("batch_size", isinstance(self.batch_size, int) and self.batch_size >= 1, "an int >= 1"),
            ("num_workers", isinstance(self.num_workers, int) and self.num_workers >= 0, "an int >= 0"),
            ("worker_start_method", self.worker_start_method in multigpu.WORKER_START_METHODS,
             f"one of {multigpu.WORKER_START_METHODS}"),
            ("seed", isinstance(self.seed, int) and self.seed >= 0, "an int >= 0"),
            ("grad_clip", self.grad_clip is None or (isinstance(self.grad_clip, (int, float))
                                                     and self.grad_clip > 0), "None or a number > 0"),
            ("keep_last_checkpoints", self.keep_last_checkpoints is None or
             (isinstance(self.keep_last_checkpoints, int) and self.keep_last_checkpoints >= 1), "None or an int >= 1"),
            ("print_interval", isinstance(self.print_interval, int) and self.print_interval >= 1, "an int >= 1"),
            ("project_path", bool(self.project_path) and not Path(self.project_path).is_absolute(),
             "a non-empty relative path"),
        ]
        for name, ok, what in checks:
            if not ok:
                raise SettingsError(f"settings.{name} must be {what}, got {getattr(self, name)!r}")

    # ------------------------------------------------------------------------------------------- serialise
    def to_dict(self) -> Dict[str, Primitive]:
        """Plain-data view (for the settings file and checkpoints): fields, hyper-parameters, resolved paths."""
        out: Dict[str, Primitive] = {name: to_primitive(getattr(self, name)) for name in self.field_names()}
        out["hparams"] = to_primitive(self.hparams())
        out["world_size"] = self.world_size
        for key, fn in (("resolved_checkpoint_path", self.checkpoint_path),
                        ("resolved_tensorboard_path", self.tensorboard_path)):
            try:
                out[key] = str(fn())
            except MissingSettingError:
                out[key] = None
        return out


def to_primitive(value: Any) -> Primitive:
    """Numbers, strings, None, lists and str-keyed dicts as they are; tuples -> lists; paths -> str;
    scalar tensors -> numbers; anything else -> its repr (recorded for reading, not for rebuilding)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): to_primitive(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items: Iterable[Any] = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [to_primitive(v) for v in items]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return repr(value)
