"""Generic epoch loop: device placement, DDP wrapping, checkpoints, resume, learning-rate schedule stepping.

Checkpoint format ``'box2mask.train/1'`` (one file per epoch, ``<checkpoint_path>/<NetType>_ep%04d.pth.tar``,
written atomically by rank 0). It holds only tensors and plain containers, so it loads with
``torch.load(path, weights_only=True)``::

    format, epoch, net_type, net (state_dict of the unwrapped network),
    constructor (net.constructor.to_dict() or None), optimizer, lr_scheduler (or None), amp_scaler (AMP only),
    rng_state {torch, numpy, python, [cuda], [per_rank]}, settings (to_dict()),
    stats {iteration (optimiser steps so far), history (per-epoch averages of every loader, learning rates)}

Resume (``settings.resume``) restores all of it, then continues with the next epoch; on CPU the continued run is
bit-identical to an uninterrupted one (see ``ltr.data.loader`` for how the data stream is made reproducible).
"""
from __future__ import annotations

import json
import logging
import random
import re
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn

from ltr.actors.base_actor import BaseActor
from ltr.admin import multigpu
from ltr.admin.fileio import atomic_path, atomic_write_text
from ltr.admin.settings import Settings, SettingsError, to_primitive
from ltr.data.loader import LTRLoader, derive_seed

logger = logging.getLogger(__name__)

CHECKPOINT_FORMAT = "box2mask.train/1"
LR_STEP_UNITS = ("epoch", "iteration")


# ----------------------------------------------------------------------------------------------------- optimiser
def trainable_param_groups(groups: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Copy of optimiser parameter groups keeping only parameters with ``requires_grad`` (frozen layers are not
    handed to the optimiser). Groups left empty are kept, so the group order matches the setting's listing."""
    out = []
    for i, group in enumerate(groups):
        if "params" not in group:
            raise ValueError(f"Parameter group {i} has no 'params': {sorted(group)}")
        params = group["params"]
        params = [params] if isinstance(params, torch.Tensor) else list(params)
        out.append({**group, "params": [p for p in params if p.requires_grad]})
    return out


def build_adam(groups: Union[nn.Module, Iterable[Dict[str, Any]]], **adam_kwargs: Any) -> torch.optim.Adam:
    """Adam over the trainable parameters: ``groups`` is a network or per-group dicts with their own ``lr``."""
    if isinstance(groups, nn.Module):
        groups = [{"params": groups.parameters()}]
    groups = trainable_param_groups(groups)
    if not any(g["params"] for g in groups):
        raise ValueError("No trainable parameters (all have requires_grad=False)")
    return torch.optim.Adam(groups, **adam_kwargs)


# ---------------------------------------------------------------------------------------------------- RNG state
def capture_rng_state() -> Dict[str, Any]:
    """torch / numpy / python (and CUDA) generator states as tensors and plain containers."""
    np_state = np.random.get_state()
    py_version, py_internal, py_gauss = random.getstate()
    state: Dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy": {"bit_generator": str(np_state[0]), "keys": torch.from_numpy(np_state[1].astype(np.int64)),
                  "pos": int(np_state[2]), "has_gauss": int(np_state[3]), "cached_gaussian": float(np_state[4])},
        "python": {"version": int(py_version), "state": list(py_internal), "gauss_next": py_gauss},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: Dict[str, Any]) -> None:
    """Inverse of :func:`capture_rng_state`."""
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["bit_generator"], n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    p = state["python"]
    random.setstate((p["version"], tuple(p["state"]), p["gauss_next"]))
    if "cuda" in state and torch.cuda.is_available():
        if len(state["cuda"]) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state["cuda"])
        else:
            logger.warning("Checkpoint has CUDA RNG states for %d devices, this process sees %d: not restored",
                           len(state["cuda"]), torch.cuda.device_count())


# --------------------------------------------------------------------------------------------------- checkpoints
def checkpoint_file(directory: Path, net_type: str, epoch: int) -> Path:
    """``<directory>/<net_type>_ep%04d.pth.tar``."""
    return Path(directory) / f"{net_type}_ep{epoch:04d}.pth.tar"


def list_checkpoints(directory: Path, net_type: str) -> List[Tuple[int, Path]]:
    """``[(epoch, path)]`` of the checkpoints of ``net_type`` in ``directory``, oldest first."""
    pattern = re.compile(re.escape(net_type) + r"_ep(\d{4,})\.pth\.tar$")
    found = []
    if Path(directory).is_dir():
        for path in Path(directory).iterdir():
            m = pattern.match(path.name)
            if m:
                found.append((int(m.group(1)), path))
    return sorted(found)


def load_training_checkpoint(path: Union[str, Path]) -> Dict[str, Any]:
    """Load and check a training checkpoint (``weights_only=True``); errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises several unrelated types for corrupt files
        raise RuntimeError(f"Cannot read checkpoint {path}: {e}") from e
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        fmt = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise ValueError(f"{path} is not a '{CHECKPOINT_FORMAT}' training checkpoint (format: {fmt!r})")
    missing = [k for k in ("epoch", "net_type", "net", "optimizer", "rng_state") if k not in ckpt]
    if missing:
        raise ValueError(f"Checkpoint {path} lacks {missing}")
    return ckpt


def check_plain(obj: Any, where: str = "checkpoint") -> None:
    """Raise TypeError naming the first entry that ``torch.load(weights_only=True)`` would reject."""
    if obj is None or isinstance(obj, (bool, int, float, str, torch.Tensor, torch.dtype, torch.device)):
        return
    if isinstance(obj, (dict, OrderedDict, Counter)):
        for k, v in obj.items():
            check_plain(k, f"{where} (key)")
            check_plain(v, f"{where}[{k!r}]")
        return
    if isinstance(obj, (list, tuple, set)):
        for i, v in enumerate(obj):
            check_plain(v, f"{where}[{i}]")
        return
    raise TypeError(f"{where} holds a {type(obj).__module__}.{type(obj).__name__}, which a weights_only "
                    f"checkpoint cannot contain")


# ------------------------------------------------------------------------------------------------------ trainer
class BaseTrainer:
    """Runs ``train_epoch`` (subclass) for each epoch, steps the schedule, saves and resumes checkpoints.

    Args:
        actor: the method's actor (its ``net`` is moved to the device and, under torchrun, wrapped in DDP).
        loaders: ``LTRLoader`` objects; the ``training`` ones update the network.
        optimizer: built over the trainable parameters (see :func:`build_adam`).
        settings: the run's :class:`~ltr.admin.settings.Settings`.
        lr_scheduler: optional torch scheduler; stepped once per epoch (``lr_step='epoch'``, milestones in epochs)
            or after every optimiser step (``lr_step='iteration'``, milestones in iterations).
    """

    def __init__(self, actor: BaseActor, loaders: Sequence[LTRLoader], optimizer: torch.optim.Optimizer,
                 settings: Settings, lr_scheduler: Optional[Any] = None, lr_step: str = "epoch"):
        settings.validate()
        if lr_step not in LR_STEP_UNITS:
            raise ValueError(f"lr_step must be one of {LR_STEP_UNITS}, got {lr_step!r}")
        names = [loader.name for loader in loaders]
        if len(set(names)) != len(names):
            raise ValueError(f"Loader names must be unique, got {names}")
        if not any(loader.training for loader in loaders):
            raise ValueError("At least one loader must have training=True")
        self.actor, self.loaders, self.optimizer = actor, list(loaders), optimizer
        self.settings, self.lr_scheduler, self.lr_step = settings, lr_scheduler, lr_step
        self.device = settings.resolved_device()
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = bool(settings.cudnn_benchmark)
        self.use_amp = bool(settings.use_amp) and self.device.type == "cuda"
        if settings.use_amp and not self.use_amp:
            logger.warning("use_amp ignored: mixed precision is only used on CUDA (device %s)", self.device)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        self.net_type = type(self.net).__name__
        self._warn_frozen_in_optimizer()
        self.actor.to(self.device)
        self.actor.net = multigpu.wrap_ddp(self.actor.net, self.device, settings.find_unused_parameters)
        self.epoch = 0          # last completed epoch
        self.iteration = 0      # optimiser steps so far
        self.history: List[Dict[str, Any]] = []  # per-epoch averages {'epoch': e, loader_name: {stat: avg}}

    # ----------------------------------------------------------------------------------------------- helpers
    @property
    def net(self) -> nn.Module:
        """The bare network (without the DDP wrapper)."""
        return multigpu.unwrap(self.actor.net)

    @property
    def checkpoint_dir(self) -> Path:
        """Folder of this run's checkpoints and settings file."""
        return self.settings.checkpoint_path()

    def _warn_frozen_in_optimizer(self) -> None:
        names = {id(p): n for n, p in self.net.named_parameters()}
        frozen = [names.get(id(p), "?") for g in self.optimizer.param_groups for p in g["params"]
                  if not p.requires_grad]
        if frozen:
            logger.warning("The optimiser holds %d frozen parameters (requires_grad=False), e.g. %s; build it with "
                           "ltr.trainers.build_adam / trainable_param_groups", len(frozen), frozen[:3])

    # ------------------------------------------------------------------------------------------------- train
    def train(self, max_epochs: Optional[int] = None) -> None:
        """Train until epoch ``max_epochs`` (default ``settings.num_epochs``), resuming if asked."""
        max_epochs = self.settings.num_epochs if max_epochs is None else int(max_epochs)
        unused = self.settings.unused_hparams()
        if unused:
            raise SettingsError(f"Hyper-parameters given but never read by the setting (misspelt?): {unused}")
        self._prepare_run()
        if self.epoch >= max_epochs:
            logger.info("Already trained %d epochs (>= %d): nothing to do", self.epoch, max_epochs)
            return
        self.on_train_start()
        try:
            for epoch in range(self.epoch + 1, max_epochs + 1):
                for loader in self.loaders:
                    loader.set_epoch(epoch, self.settings.seed)
                self.train_epoch(epoch)
                if self.lr_scheduler is not None and self.lr_step == "epoch":
                    self.lr_scheduler.step()
                self.epoch = epoch
                multigpu.check_replicas_equal(self.net)
                self.save_checkpoint()
                multigpu.barrier()
        finally:
            self.on_train_end()

    def train_epoch(self, epoch: int) -> None:
        """One epoch over the loaders (implemented by :class:`~ltr.trainers.ltr_trainer.LTRTrainer`)."""
        raise NotImplementedError

    def on_train_start(self) -> None:
        """Hook called before the first epoch of this invocation."""

    def on_train_end(self) -> None:
        """Hook called when training stops (normally or by an exception)."""

    def _prepare_run(self) -> None:
        """Resume or refuse to overwrite, then write the settings file (rank 0)."""
        existing = list_checkpoints(self.checkpoint_dir, self.net_type)
        resume = self.settings.resume
        if resume:
            if isinstance(resume, str):
                self.load_checkpoint(Path(resume).expanduser())
            elif existing:
                self.load_checkpoint(existing[-1][1])
            else:
                logger.info("No checkpoint of %s in %s: starting from scratch", self.net_type, self.checkpoint_dir)
        elif existing:
            raise FileExistsError(
                f"{self.checkpoint_dir} already holds checkpoints of {self.net_type} (up to epoch {existing[-1][0]}); "
                f"pass --resume to continue them, or delete them / choose another project_path")
        if multigpu.is_main_process():
            atomic_write_text(self.checkpoint_dir / "settings.json",
                              json.dumps(self.describe(), indent=2, sort_keys=True) + "\n")

    def describe(self) -> Dict[str, Any]:
        """The resolved run description written to ``settings.json``."""
        constructor = getattr(self.net, "constructor", None)
        return {
            "settings": self.settings.to_dict(),
            "net_type": self.net_type,
            "constructor": constructor.to_dict() if constructor is not None else None,
            "trainable_parameters": sum(p.numel() for p in self.net.parameters() if p.requires_grad),
            "frozen_parameters": sum(p.numel() for p in self.net.parameters() if not p.requires_grad),
            "optimizer": {"type": type(self.optimizer).__name__,
                          "param_groups": [{**{k: to_primitive(v) for k, v in g.items() if k != "params"},
                                            "num_params": sum(p.numel() for p in g["params"])}
                                           for g in self.optimizer.param_groups]},
            "lr_scheduler": None if self.lr_scheduler is None else {
                "type": type(self.lr_scheduler).__name__, "step": self.lr_step,
                **{k: to_primitive(v) for k, v in self.lr_scheduler.state_dict().items()}},
            "loaders": [{"name": ld.name, "training": ld.training, "global_batch_size": ld.global_batch_size,
                         "batches_per_epoch": len(ld), "num_workers": ld.num_workers,
                         "worker_start_method": ld.start_method, "stack_dim": ld.stack_dim,
                         "epoch_interval": ld.epoch_interval} for ld in self.loaders],
            "device": str(self.device), "use_amp": self.use_amp, "start_epoch": self.epoch + 1,
            "torch_version": torch.__version__,
        }

    # ------------------------------------------------------------------------------------------- checkpoints
    def checkpoint_state(self) -> Dict[str, Any]:
        """The checkpoint dict of the current state (RNG states are gathered from all ranks: collective)."""
        rng = capture_rng_state()
        per_rank = multigpu.all_gather_object(rng)
        if len(per_rank) > 1:
            rng = {**per_rank[0], "per_rank": per_rank}
        constructor = getattr(self.net, "constructor", None)
        state = {
            "format": CHECKPOINT_FORMAT,
            "epoch": self.epoch,
            "net_type": self.net_type,
            "net": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
            "constructor": constructor.to_dict() if constructor is not None else None,
            "net_info": to_primitive(getattr(self.net, "info", None)),
            "optimizer": self.optimizer.state_dict(),
            "lr_scheduler": self.lr_scheduler.state_dict() if self.lr_scheduler is not None else None,
            "rng_state": rng,
            "stats": {"iteration": self.iteration, "history": to_primitive(self.history)},
            "settings": self.settings.to_dict(),
        }
        if self.use_amp:
            state["amp_scaler"] = self.scaler.state_dict()
        return state

    def save_checkpoint(self) -> Optional[Path]:
        """Write this epoch's checkpoint atomically (rank 0) and drop old ones beyond ``keep_last_checkpoints``."""
        state = self.checkpoint_state()  # collective: every rank must call it
        if not multigpu.is_main_process():
            return None
        check_plain(state)
        path = checkpoint_file(self.checkpoint_dir, self.net_type, self.epoch)
        with atomic_path(path, suffix=".pth.tar") as tmp:
            torch.save(state, tmp)
        logger.info("Saved %s", path)
        keep = self.settings.keep_last_checkpoints
        if keep is not None:
            for epoch, old in list_checkpoints(self.checkpoint_dir, self.net_type)[:-keep]:
                if epoch < self.epoch:
                    old.unlink()
                    logger.debug("Removed old checkpoint %s", old)
        return path

    def load_checkpoint(self, path: Path) -> None:
        """Restore weights, optimiser, schedule, AMP scaler, counters, statistics and RNG states from ``path``."""
        ckpt = load_training_checkpoint(path)
        if ckpt["net_type"] != self.net_type:
            raise ValueError(f"Checkpoint {path} holds a {ckpt['net_type']}, this setting trains a {self.net_type}")
        try:
            self.net.load_state_dict(ckpt["net"], strict=True)
            self.optimizer.load_state_dict(ckpt["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise RuntimeError(f"Checkpoint {path} does not match this setting's network / optimiser: {e}") from e
        if self.lr_scheduler is not None:
            if ckpt.get("lr_scheduler") is None:
                raise ValueError(f"Checkpoint {path} has no lr_scheduler state but the setting uses one")
            self._warn_schedule_change(ckpt["lr_scheduler"], path)
            self.lr_scheduler.load_state_dict(ckpt["lr_scheduler"])
        if self.use_amp and ckpt.get("amp_scaler") is not None:
            self.scaler.load_state_dict(ckpt["amp_scaler"])
        self.epoch = int(ckpt["epoch"])
        self.iteration = int(ckpt.get("stats", {}).get("iteration", 0))
        self.history = list(ckpt.get("stats", {}).get("history", []))
        self._restore_rng(ckpt["rng_state"], path)
        logger.info("Resumed from %s (epoch %d, iteration %d)", path, self.epoch, self.iteration)

    def _warn_schedule_change(self, saved: Dict[str, Any], path: Path) -> None:
        """The checkpoint's schedule replaces the setting's (torch semantics): say so when they differ."""
        current = self.lr_scheduler.state_dict()
        changed = [k for k in ("milestones", "gamma", "step_size", "base_lrs", "T_max", "eta_min")
                   if k in current and k in saved and to_primitive(current[k]) != to_primitive(saved[k])]
        if changed:
            logger.warning("The learning-rate schedule in %s differs from the setting's in %s; the checkpoint's is "
                           "used (%s)", path, changed, {k: to_primitive(saved[k]) for k in changed})

    def _restore_rng(self, rng: Dict[str, Any], path: Path) -> None:
        per_rank = rng.get("per_rank")
        world, rank = multigpu.get_world_size(), multigpu.get_rank()
        if per_rank is None and world == 1:
            restore_rng_state(rng)
        elif per_rank is not None and len(per_rank) == world:
            restore_rng_state(per_rank[rank])
        else:
            saved = 1 if per_rank is None else len(per_rank)
            logger.warning("%s was written by %d process(es), this run has %d: RNGs reseeded from (seed, epoch, "
                           "rank) instead of restored", path, saved, world)
            seed = derive_seed(self.settings.seed, self.epoch, rank)
            random.seed(seed)
            np.random.seed(seed % (2 ** 32))
            torch.manual_seed(seed)
