"""Multi-process (torchrun / DistributedDataParallel) helpers.

One process per device. ``torchrun`` sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and
``MASTER_PORT``; :func:`init_distributed` reads them and starts the process group (``gloo`` on CPU, ``nccl`` on
CUDA). Without those variables everything here degrades to the single-process answers (rank 0 of 1), so library
code can call :func:`get_rank` / :func:`barrier` unconditionally. Nothing is read at import time.
"""
from __future__ import annotations

import datetime
import logging
import os
from typing import Any, List, Optional

import torch
import torch.distributed as dist
import torch.nn as nn
from torch.nn.parallel import DistributedDataParallel

logger = logging.getLogger(__name__)

# how DataLoader workers start (resolved by ltr.data.loader.resolve_start_method)
WORKER_START_METHODS = ("auto", "fork", "forkserver", "spawn")


def is_distributed() -> bool:
    """True when a process group with more than one process is running."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def get_rank() -> int:
    """Global rank of this process (0 without a process group)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def get_world_size() -> int:
    """Number of processes (1 without a process group)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def get_local_rank() -> int:
    """Rank on this machine (``LOCAL_RANK`` from torchrun, else 0); picks the CUDA device."""
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main_process() -> bool:
    """Only rank 0 logs progress, writes TensorBoard and saves checkpoints."""
    return get_rank() == 0


def barrier() -> None:
    """Wait for all processes (no-op in a single process)."""
    if is_distributed():
        dist.barrier()


def launched_by_torchrun() -> bool:
    """True when the torchrun environment variables are present."""
    return all(k in os.environ for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"))


def init_distributed(device: str, timeout_s: float = 1800.0) -> bool:
    """Start the process group from the torchrun variables; return True if one was started.

    ``device`` is the resolved training device ('cpu', 'cuda' or 'cuda:N'): gloo for CPU, nccl for CUDA (where the
    process is also bound to ``cuda:LOCAL_RANK``). Returns False (and starts nothing) outside torchrun.
    """
    if not launched_by_torchrun():
        return False
    if dist.is_initialized():
        return True
    use_cuda = torch.device(device).type == "cuda"
    backend = "nccl" if use_cuda else "gloo"
    if use_cuda:
        torch.cuda.set_device(get_local_rank())
    dist.init_process_group(backend=backend, timeout=datetime.timedelta(seconds=timeout_s))
    logger.info("Process group started: backend=%s rank=%d world_size=%d", backend, get_rank(), get_world_size())
    return True


def cleanup_distributed() -> None:
    """Destroy the process group if this process started one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def all_gather_object(obj: Any) -> List[Any]:
    """``[obj of rank 0, obj of rank 1, ...]``; ``[obj]`` in a single process."""
    if not is_distributed():
        return [obj]
    out: List[Any] = [None] * get_world_size()
    dist.all_gather_object(out, obj)
    return out


def check_replicas_equal(net: nn.Module) -> None:
    """Raise if the parameters differ between processes (collective; no-op in a single process).

    DDP keeps replicas identical only when every gradient passes through the wrapper's forward; an actor that calls
    a submodule directly for the loss silently trains diverging copies. Compares per-parameter sums exactly.
    """
    if not is_distributed():
        return
    named = [(n, p) for n, p in net.named_parameters()]
    mine = [(float(p.detach().double().sum()), float(p.detach().double().abs().sum())) for _, p in named]
    everyone = all_gather_object(mine)
    for rank, theirs in enumerate(everyone[1:], 1):
        for (name, _), a, b in zip(named, everyone[0], theirs):
            if a != b:
                raise RuntimeError(
                    f"Parameter '{name}' differs between rank 0 and rank {rank} (sums {a} vs {b}): the replicas "
                    f"diverged. The actor must compute the loss through self.net(...) (the DDP wrapper).")


class DDPWrapper(DistributedDataParallel):
    """DistributedDataParallel that forwards unknown attributes to the wrapped network.

    Actors may read ``self.net.some_submodule``; the loss-producing forward must still go through
    ``self.net(...)`` so that DDP synchronises the gradients.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self.module, name)


def wrap_ddp(net: nn.Module, device: torch.device, find_unused_parameters: bool = False) -> nn.Module:
    """Wrap ``net`` (already on ``device``) for DDP when distributed; return it unchanged otherwise."""
    if not is_distributed():
        return net
    device_ids: Optional[List[int]] = [device.index if device.index is not None else get_local_rank()] \
        if device.type == "cuda" else None
    return DDPWrapper(net, device_ids=device_ids, find_unused_parameters=find_unused_parameters)


def unwrap(net: nn.Module) -> nn.Module:
    """The bare network inside a DDP / DataParallel wrapper (state_dict keys without ``module.``)."""
    while isinstance(net, (DistributedDataParallel, nn.DataParallel)):
        net = net.module
    return net
