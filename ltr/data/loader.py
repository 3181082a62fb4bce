"""``LTRLoader``: a DataLoader with pytracking's collate, per-process sharding and reproducible seeding.

Batches: a dataset item is a dict of tensors (or arrays / numbers / strings / nested dicts and lists); a batch is
the same structure with the tensors stacked along ``stack_dim``. Sequence data of shape ``(frames, ...)`` is
stacked with ``stack_dim=1`` into ``(frames, batch, ...)``; numbers become 1-D tensors, strings lists.

Batch size: ``batch_size`` is the *global* batch. Under torchrun each of the W processes loads
``batch_size // W`` samples (W must divide it), from its own shard of the indices (``DistributedSampler``,
padded so that all shards have the same length), so one optimiser step sees ``batch_size`` samples whatever W is.

Seeding (what makes ``--resume`` bit-exact): the trainer calls :meth:`LTRLoader.set_epoch` before each epoch.
It reseeds the loader's own ``torch.Generator`` with ``derive_seed(seed, epoch, rank)`` and tells the shard
sampler the epoch. That generator draws (1) the shuffling permutation of a non-sharded loader and (2) the
DataLoader's ``base_seed``; worker ``w`` then seeds ``torch``, ``random`` and ``numpy`` with ``base_seed + w``
(numpy: reduced to 32 bits). Everything a worker draws therefore depends only on (seed, epoch, rank, worker id,
num_workers) -- not on what happened before -- so workers are re-created every epoch (``persistent_workers`` is
not offered). With ``num_workers=0`` the samples are drawn in the main process from its global RNGs, whose state
the trainer saves in every checkpoint, so resuming is exact there too. Different ranks get different worker seeds,
so sampling datasets that ignore the index (``samples_per_epoch`` samplers) still give different data per rank.

Worker start method (``start_method``, the ``worker_start_method`` setting): ``'auto'`` starts the workers from a
fork server wherever the platform has one (Linux, macOS), else with the platform's default. A training process has
other threads (gloo / nccl, TensorBoard's writer, tqdm's monitor, CUDA's); on Python < 3.12, ``fork`` copies the
interpreter's thread-list lock as it is at that instant, and when another thread holds it the new worker waits on it
forever inside Python's after-fork handler (CPython gh-112275) -- the whole job hangs with no error. Seen here in
2-process torchrun runs (a CI hang, and 1 of 254 loaded local runs; the worker's stack: ``PyOS_AfterFork_Child`` ->
``_PyThreadState_DeleteExcept``; ``benchmarks/ddp_worker_start.py``). The fork server is a fresh, single-threaded
process started once (with ``torch``, ``numpy`` and the dataset's module preloaded) that forks the workers, so
per-epoch worker start-up stays cheap. Python 3.14 made the same choice its default. Under ``forkserver`` and
``spawn`` the dataset, ``collate_fn`` and ``worker_init_fn`` must be picklable (no lambdas or local classes; the
error says so); ``worker_start_method=fork`` restores forking. The same seeds are used whichever method starts the
workers, so the batches do not depend on it.
"""
from __future__ import annotations

import collections.abc
import logging
import multiprocessing
import pickle
import random
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler

from ltr.admin import multigpu

logger = logging.getLogger(__name__)

START_METHODS = multigpu.WORKER_START_METHODS


def resolve_start_method(method: str, num_workers: int) -> Optional[str]:
    """The multiprocessing start method for a loader's workers (None: no workers); 'auto' is forkserver where the
    platform has it, else its default (see the module docstring). Raises ValueError for an unknown method or one
    this platform lacks."""
    if method not in START_METHODS:
        raise ValueError(f"worker start method must be one of {START_METHODS}, got {method!r}")
    if num_workers == 0:
        return None
    available = multiprocessing.get_all_start_methods()
    if method == "auto":
        return "forkserver" if "forkserver" in available else available[0]
    if method not in available:
        raise ValueError(f"worker start method {method!r} is not available on this platform (has {available})")
    return method


def derive_seed(*values: int) -> int:
    """A 63-bit seed mixed from non-negative ints with numpy's SeedSequence (stable across versions)."""
    words = np.random.SeedSequence([int(v) for v in values]).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 31) ^ int(words[1])) & ((1 << 63) - 1)


def seed_worker(worker_id: int) -> None:
    """Seed ``random``, ``numpy`` and ``torch`` of a DataLoader worker from its torch-assigned seed."""
    info = torch.utils.data.get_worker_info()
    seed = info.seed if info is not None else torch.initial_seed()
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


class _WorkerInit:
    """Picklable worker_init_fn: our seeding, then the user's function."""

    def __init__(self, user_fn: Optional[Callable[[int], None]]):
        self.user_fn = user_fn

    def __call__(self, worker_id: int) -> None:
        seed_worker(worker_id)
        if self.user_fn is not None:
            self.user_fn(worker_id)


def ltr_collate(batch: Sequence[Any], stack_dim: int = 0) -> Any:
    """Merge a list of samples: tensors (and numpy arrays) stacked along ``stack_dim``, numbers into a tensor,
    strings into a list, dicts and sequences element-wise. Raises naming the key whose items do not match."""
    return _collate(list(batch), stack_dim, "batch")


def _collate(batch: list, stack_dim: int, where: str) -> Any:
    first = batch[0]
    if isinstance(first, torch.Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise ValueError(f"Cannot stack {where}: tensors of different shapes {sorted(shapes)}")
        return torch.stack(batch, dim=stack_dim)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "OUS":
            return batch
        return _collate([torch.as_tensor(b) for b in batch], stack_dim, where)
    if isinstance(first, np.generic):
        return torch.as_tensor(np.stack(batch))
    if isinstance(first, bool):
        return torch.tensor(batch, dtype=torch.bool)
    if isinstance(first, int):
        return torch.tensor(batch, dtype=torch.int64)
    if isinstance(first, float):
        return torch.tensor(batch, dtype=torch.float64)
    if isinstance(first, (str, bytes)) or first is None:
        return batch
    if isinstance(first, collections.abc.Mapping):
        keys = set(first)
        for i, b in enumerate(batch):
            if set(b) != keys:
                raise ValueError(f"Cannot collate {where}: sample {i} has keys {sorted(b)}, sample 0 has "
                                 f"{sorted(keys)}")
        return {k: _collate([b[k] for b in batch], stack_dim, f"{where}['{k}']") for k in first}
    if isinstance(first, collections.abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise ValueError(f"Cannot collate {where}: sequences of different lengths")
        out = [_collate(list(items), stack_dim, f"{where}[{i}]") for i, items in enumerate(zip(*batch))]
        return tuple(out) if isinstance(first, tuple) else out
    raise TypeError(f"Cannot collate {where}: unsupported type {type(first).__name__}")


class _StackCollate:
    """Picklable ``collate_fn`` with a fixed stack dimension."""

    def __init__(self, stack_dim: int):
        self.stack_dim = stack_dim

    def __call__(self, batch: Sequence[Any]) -> Any:
        return ltr_collate(batch, self.stack_dim)


class LTRLoader(DataLoader):
    """DataLoader for ltr training (see the module docstring for batching, sharding and seeding).

    Args:
        name: loader name ('train', 'val'): the prefix of its statistics.
        dataset: a map-style dataset.
        training: True for a loader whose batches update the network.
        batch_size: global batch size (divided over the processes under torchrun).
        shuffle: random order (in a sharded loader: a permutation shared by all ranks, then split).
        epoch_interval: use this loader only in epochs divisible by it (e.g. validate every 5th epoch).
        stack_dim: dimension along which tensors are stacked (1 for ``(frames, ...)`` sequence data).
        sampler: a custom sampler (non-distributed only); excludes ``shuffle``.
        rank, world_size: shard explicitly (default: from the process group; no sharding in a single process).
        start_method: how worker processes start: 'auto' (forkserver where available, else the platform default),
            'fork', 'forkserver' or 'spawn' (see the module docstring).
    """

    def __init__(self, name: str, dataset: Dataset, training: bool = True, batch_size: int = 1,
                 shuffle: bool = False, num_workers: int = 0, epoch_interval: int = 1,
                 stack_dim: int = 0, collate_fn: Optional[Callable] = None, sampler: Optional[Sampler] = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Optional[Callable[[int], None]] = None, prefetch_factor: Optional[int] = None,
                 rank: Optional[int] = None, world_size: Optional[int] = None, start_method: str = "auto"):
        world_size = multigpu.get_world_size() if world_size is None else int(world_size)
        rank = multigpu.get_rank() if rank is None else int(rank)
        if not 0 <= rank < world_size:
            raise ValueError(f"Loader '{name}': rank {rank} outside world size {world_size}")
        if batch_size % world_size:
            raise ValueError(f"Loader '{name}': batch_size {batch_size} is not divisible by the {world_size} "
                             f"processes (batch_size is the global batch)")
        if epoch_interval < 1:
            raise ValueError(f"Loader '{name}': epoch_interval must be >= 1, got {epoch_interval}")
        self._shard_sampler: Optional[DistributedSampler] = None
        if world_size > 1:
            if sampler is not None:
                raise ValueError(f"Loader '{name}': a custom sampler cannot be sharded; use shuffle instead")
            sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=0,
                                         drop_last=False)
            self._shard_sampler = sampler
            shuffle = False
        generator = torch.Generator()
        generator.manual_seed(derive_seed(0, 0, rank))
        extra = {} if prefetch_factor is None else {"prefetch_factor": prefetch_factor}
        try:
            method = resolve_start_method(start_method, num_workers)
        except ValueError as e:
            raise ValueError(f"Loader '{name}': {e}") from None
        if method is not None:
            extra["multiprocessing_context"] = method
            if method == "forkserver":
                _preload_fork_server(type(dataset).__module__)
        super().__init__(dataset, batch_size=batch_size // world_size, shuffle=shuffle, sampler=sampler,
                         num_workers=num_workers, collate_fn=collate_fn or _StackCollate(stack_dim),
                         pin_memory=pin_memory, drop_last=drop_last, timeout=timeout,
                         worker_init_fn=_WorkerInit(worker_init_fn), generator=generator,
                         persistent_workers=False, **extra)
        self.name = name
        self.training = training
        self.epoch_interval = epoch_interval
        self.stack_dim = stack_dim
        self.rank = rank
        self.world_size = world_size
        self.global_batch_size = batch_size
        self.start_method = method  # None without workers

    def __iter__(self) -> Any:
        """Start the workers (if any); an unpicklable dataset under forkserver / spawn gets a clear error."""
        try:
            return super().__iter__()
        except (pickle.PicklingError, AttributeError, TypeError) as e:
            if self.start_method in (None, "fork") or "pickle" not in str(e).lower():
                raise
            raise RuntimeError(
                f"Loader '{self.name}': its workers start with '{self.start_method}', which needs a picklable "
                f"dataset, collate_fn and worker_init_fn ({type(e).__name__}: {e}); use module-level classes and "
                f"functions instead of lambdas / local classes, or set worker_start_method=fork") from e

    def set_epoch(self, epoch: int, seed: int = 0) -> None:
        """Make the next pass over the data a function of (seed, epoch, rank) only."""
        self.generator.manual_seed(derive_seed(seed, epoch, self.rank))
        if self._shard_sampler is not None:
            self._shard_sampler.seed = int(seed)
            self._shard_sampler.set_epoch(epoch)

    def batch_size_of(self, data: Any) -> int:
        """Number of samples in a collated batch (size of the first tensor along ``stack_dim``)."""
        tensor = _first_tensor(data)
        if tensor is None or tensor.dim() <= self.stack_dim:
            return int(self.batch_size or 1)
        return int(tensor.shape[self.stack_dim])


def _first_tensor(data: Any) -> Optional[torch.Tensor]:
    if isinstance(data, torch.Tensor):
        return data
    if isinstance(data, collections.abc.Mapping):
        values = data.values()
    elif isinstance(data, (list, tuple)):
        values = data
    else:
        return None
    for v in values:
        t = _first_tensor(v)
        if t is not None:
            return t
    return None


def _preload_fork_server(dataset_module: str) -> None:
    """Have the fork server import torch, numpy and the dataset's module once (effective until it starts)."""
    modules = ["__main__", "torch", "numpy", __name__]
    if dataset_module and dataset_module not in ("__main__", "__mp_main__") and dataset_module not in modules:
        modules.append(dataset_module)
    multiprocessing.set_forkserver_preload(modules)
