"""``LTRTrainer``: the iteration loop -- forward through the actor, AMP, gradient clipping, statistics, logging.

Per iteration: move the batch to the device, ``loss, stats = actor(data)`` (under ``torch.autocast`` when AMP is
on), check that the loss is finite (else ``FloatingPointError`` naming loader, epoch and iteration), then for
training loaders: backward (scaled by the GradScaler under AMP), optional clipping of the global gradient norm
(after unscaling), optimiser step, and -- with ``lr_step='iteration'`` -- a scheduler step. Statistics are
sample-weighted averages per epoch, merged over all processes at the end of each loader pass. Rank 0 shows a tqdm
bar (loss, it/s), logs one line per loader and epoch, and writes TensorBoard scalars.
"""
from __future__ import annotations

import logging
import math
import time
from typing import Any, Dict, Optional

import torch
from tqdm import tqdm

from ltr.admin import multigpu
from ltr.admin.stats import MeterGroup
from ltr.admin.tensorboard import TensorboardWriter
from ltr.data.loader import LTRLoader
from ltr.trainers.base_trainer import BaseTrainer

logger = logging.getLogger(__name__)


def move_to_device(data: Any, device: torch.device, non_blocking: bool = False) -> Any:
    """Tensors in (nested) dicts / lists / tuples moved to ``device``; other values unchanged."""
    if isinstance(data, torch.Tensor):
        return data.to(device, non_blocking=non_blocking)
    if isinstance(data, dict):
        return {k: move_to_device(v, device, non_blocking) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(move_to_device(v, device, non_blocking) for v in data)
    return data


class LTRTrainer(BaseTrainer):
    """Generic trainer for ltr actors (see the module docstring and :class:`BaseTrainer` for the arguments)."""

    LOSS_STAT = "Loss/total"  # shown in the progress bar when the actor reports it

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tensorboard: Optional[TensorboardWriter] = None

    # ------------------------------------------------------------------------------------------------ hooks
    def on_train_start(self) -> None:
        if multigpu.is_main_process() and self.settings.use_tensorboard:
            self.tensorboard = TensorboardWriter(self.settings.tensorboard_path())

    def on_train_end(self) -> None:
        if self.tensorboard is not None:
            self.tensorboard.close()
            self.tensorboard = None

    # ------------------------------------------------------------------------------------------------ epoch
    def train_epoch(self, epoch: int) -> None:
        """Run every loader due this epoch; record, log and write the epoch averages."""
        record: Dict[str, Any] = {"epoch": epoch, "lr": [g["lr"] for g in self.optimizer.param_groups]}
        for loader in self.loaders:
            if epoch % loader.epoch_interval == 0:
                record[loader.name] = self.cycle_dataset(loader, epoch)
        self.history.append(record)
        if not multigpu.is_main_process():
            return
        for loader in self.loaders:
            if loader.name in record:
                text = ", ".join(f"{k}={v:.5g}" for k, v in record[loader.name].items())
                logger.info("Epoch %d [%s] %s", epoch, loader.name, text)
        if self.tensorboard is not None:
            for loader in self.loaders:
                if loader.name in record:
                    self.tensorboard.write_scalars(loader.name, record[loader.name], epoch)
            self.tensorboard.write_scalars("LearningRate", {f"group{i}": lr for i, lr in enumerate(record["lr"])},
                                           epoch)
            self.tensorboard.flush()

    def cycle_dataset(self, loader: LTRLoader, epoch: int) -> Dict[str, float]:
        """One pass over ``loader``; returns the epoch averages (merged over processes) plus throughput."""
        training = loader.training
        self.actor.train(training)
        meters = MeterGroup()
        main = multigpu.is_main_process()
        bar = tqdm(loader, total=len(loader), desc=f"Epoch {epoch} [{loader.name}]", unit="it",
                   disable=not (main and self.settings.progress_bar), dynamic_ncols=True)
        start, samples = time.perf_counter(), 0
        with torch.set_grad_enabled(training):
            for i, data in enumerate(bar, 1):
                data = move_to_device(data, self.device, non_blocking=loader.pin_memory)
                with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.use_amp):
                    loss, stats = self.actor(data)
                self._check_loss(loss, loader.name, epoch, i)
                stats = dict(stats)
                if training:
                    grad_norm = self.optimizer_step(loss)
                    if grad_norm is not None and math.isfinite(grad_norm):
                        stats["GradNorm"] = grad_norm
                n = loader.batch_size_of(data)
                samples += n
                meters.update(stats, n)
                if i % self.settings.print_interval == 0 or i == len(loader):
                    self._report_iteration(bar, meters, loader, training)
        elapsed = time.perf_counter() - start
        if multigpu.is_distributed():
            gathered = multigpu.all_gather_object((meters.state(), samples, elapsed))
            meters.merge([g[0] for g in gathered])
            samples, elapsed = sum(g[1] for g in gathered), max(g[2] for g in gathered)
        averages = meters.averages()
        averages["Time/samples_per_s"] = samples / elapsed if elapsed > 0 else math.nan
        return averages

    # ------------------------------------------------------------------------------------------- iteration
    def optimizer_step(self, loss: torch.Tensor) -> Optional[float]:
        """Backward, optional clipping, optimiser (and per-iteration scheduler) step; returns the gradient norm
        before clipping when clipping is on."""
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        grad_norm = None
        if self.settings.grad_clip is not None:
            self.scaler.unscale_(self.optimizer)
            params = [p for g in self.optimizer.param_groups for p in g["params"]]
            grad_norm = float(torch.nn.utils.clip_grad_norm_(params, float(self.settings.grad_clip)))
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.iteration += 1
        if self.lr_scheduler is not None and self.lr_step == "iteration":
            self.lr_scheduler.step()
        return grad_norm

    @staticmethod
    def _check_loss(loss: Any, loader_name: str, epoch: int, iteration: int) -> None:
        where = f"loader '{loader_name}', epoch {epoch}, iteration {iteration}"
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise TypeError(f"The actor must return a scalar loss tensor ({where}), got "
                            f"{type(loss).__name__}{tuple(loss.shape) if isinstance(loss, torch.Tensor) else ''}")
        value = float(loss.detach().float())
        if not math.isfinite(value):
            raise FloatingPointError(f"Loss is {value} at {where}; lower the learning rate, enable grad_clip, or "
                                     f"check the batch")

    def _report_iteration(self, bar: tqdm, meters: MeterGroup, loader: LTRLoader, training: bool) -> None:
        latest = meters.latest()
        if not bar.disable:
            shown = {k: latest[k] for k in (self.LOSS_STAT,) if k in latest} or dict(list(latest.items())[:1])
            bar.set_postfix({("loss" if k == self.LOSS_STAT else k): f"{v:.4g}" for k, v in shown.items()},
                            refresh=False)
        if training and self.tensorboard is not None:
            self.tensorboard.write_scalars(f"{loader.name}_iter", latest, self.iteration)
