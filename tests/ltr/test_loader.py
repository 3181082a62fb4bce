"""LTRLoader: collate layout, per-rank sharding, and reproducible per-epoch / per-worker seeding."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from ltr.data.loader import LTRLoader, derive_seed, ltr_collate


class IndexData(Dataset):
    """Item i = {'index': i, 'frames': (3, 2) tensor filled with i}."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return {"index": i, "frames": torch.full((3, 2), float(i))}


class RandomDraws(Dataset):
    """Ignores the index like the real samplers; draws from the three global RNGs of the (worker) process."""

    def __len__(self) -> int:
        return 12

    def __getitem__(self, i: int):
        return {"py": random.random(), "np": float(np.random.rand()), "torch": torch.rand(()).item()}


def _draws(loader) -> list:
    return [tuple(zip(b["py"].tolist(), b["np"].tolist(), b["torch"].tolist())) for b in loader]


def test_collate_stacks_sequences_along_dim1_and_keeps_structure():
    a = {"images": torch.arange(12.).reshape(3, 2, 2), "box": np.array([1., 2.]), "n": 3, "w": 0.5,
         "name": "seq_a", "meta": {"valid": True, "ids": [1, 2]}}
    b = {"images": -torch.arange(12.).reshape(3, 2, 2), "box": np.array([3., 4.]), "n": 4, "w": 1.5,
         "name": "seq_b", "meta": {"valid": False, "ids": [5, 6]}}
    out = ltr_collate([a, b], stack_dim=1)
    assert out["images"].shape == (3, 2, 2, 2)  # (frames, batch, ...)
    assert torch.equal(out["images"][:, 0], a["images"]) and torch.equal(out["images"][:, 1], b["images"])
    assert torch.equal(out["box"], torch.tensor([[1., 3.], [2., 4.]], dtype=torch.float64))
    assert out["n"].tolist() == [3, 4] and out["n"].dtype == torch.int64
    assert out["w"].tolist() == [0.5, 1.5]
    assert out["name"] == ["seq_a", "seq_b"]
    assert out["meta"]["valid"].tolist() == [True, False]
    assert [t.tolist() for t in out["meta"]["ids"]] == [[1, 5], [2, 6]]
    out0 = ltr_collate([a, b], stack_dim=0)
    assert out0["images"].shape == (2, 3, 2, 2) and torch.equal(out0["images"][1], b["images"])


def test_collate_errors_name_the_key():
    with pytest.raises(ValueError, match=r"batch\['masks'\].*shapes"):
        ltr_collate([{"masks": torch.zeros(2, 3)}, {"masks": torch.zeros(2, 4)}])
    with pytest.raises(ValueError, match="sample 1 has keys"):
        ltr_collate([{"a": torch.zeros(1)}, {"b": torch.zeros(1)}])


def test_loader_batches_in_sequence_layout():
    loader = LTRLoader("train", IndexData(6), batch_size=3, stack_dim=1)
    batches = list(loader)
    assert len(batches) == 2
    assert batches[0]["frames"].shape == (3, 3, 2)
    assert batches[0]["index"].tolist() == [0, 1, 2]
    assert loader.batch_size_of(batches[0]) == 3


@pytest.mark.parametrize("shuffle", [False, True])
def test_shards_are_disjoint_cover_the_data_and_split_the_global_batch(shuffle):
    seen = []
    for rank in range(2):
        loader = LTRLoader("train", IndexData(16), batch_size=4, shuffle=shuffle, rank=rank, world_size=2)
        loader.set_epoch(3, seed=7)
        batches = list(loader)
        assert all(b["index"].numel() == 2 for b in batches)  # global batch 4 over 2 processes
        seen.append([i for b in batches for i in b["index"].tolist()])
    assert not set(seen[0]) & set(seen[1])
    assert sorted(seen[0] + seen[1]) == list(range(16))
    if not shuffle:
        assert seen[0] == list(range(0, 16, 2))  # rank r takes r, r + W, ...: one step sees 4 consecutive samples


def test_global_batch_must_divide_over_processes():
    with pytest.raises(ValueError, match="not divisible by the 3 processes"):
        LTRLoader("train", IndexData(12), batch_size=4, rank=0, world_size=3)


def test_shuffle_order_is_a_function_of_seed_and_epoch():
    loader = LTRLoader("train", IndexData(32), batch_size=32, shuffle=True)
    orders = {}
    for epoch in (1, 2, 1):
        torch.manual_seed(epoch * 1000)  # the global RNG must not matter
        loader.set_epoch(epoch, seed=5)
        orders.setdefault(epoch, []).append(next(iter(loader))["index"].tolist())
    assert orders[1][0] == orders[1][1]
    assert orders[1][0] != orders[2][0]
    assert sorted(orders[2][0]) == list(range(32))


def test_worker_streams_depend_only_on_seed_epoch_rank():
    def run(epoch: int, rank: int, world: int = 2):
        loader = LTRLoader("train", RandomDraws(), batch_size=4 * world, num_workers=2, rank=rank, world_size=world)
        loader.set_epoch(epoch, seed=3)
        random.seed(epoch * 17 + rank)  # disturb the main process: must not leak into the workers
        np.random.seed(99)
        torch.manual_seed(123 + epoch)
        return _draws(loader)

    first = run(epoch=2, rank=0)
    assert run(epoch=2, rank=0) == first          # reproducible
    assert run(epoch=3, rank=0) != first          # a new epoch draws new samples
    assert run(epoch=2, rank=1) != first          # other ranks draw other samples
    flat = [x for batch in first for x in batch]
    for lib in range(3):                          # the two workers do not repeat each other's stream
        values = [d[lib] for d in flat]
        assert len(set(values)) == len(values)


def test_worker_seed_scheme_is_documented_one():
    """Worker w of a loader seeded at (seed, epoch, rank) uses base_seed + w, base_seed drawn from the loader's
    generator after reseeding it with derive_seed(seed, epoch, rank)."""
    loader = LTRLoader("train", RandomDraws(), batch_size=6, num_workers=1, rank=0, world_size=1)
    loader.set_epoch(4, seed=11)
    got = _draws(loader)[0][0]
    gen = torch.Generator().manual_seed(derive_seed(11, 4, 0))
    base_seed = int(torch.empty((), dtype=torch.int64).random_(generator=gen).item())
    random.seed(base_seed)
    np.random.seed(base_seed % 2 ** 32)
    torch.manual_seed(base_seed)
    expected = (random.random(), float(np.random.rand()), torch.rand(()).item())
    assert got == pytest.approx(expected, rel=0, abs=1e-15)  # float64 python/numpy, float32 torch -> exact


# ------------------------------------------------------------------------------------------- worker start method
def test_start_method_auto_is_forkserver_where_available(monkeypatch):
    import multiprocessing

    from ltr.data.loader import resolve_start_method
    assert resolve_start_method("auto", num_workers=2) == "forkserver"  # never fork a process that has threads
    assert resolve_start_method("auto", num_workers=0) is None          # no workers, nothing to start
    assert resolve_start_method("spawn", num_workers=1) == "spawn"
    assert resolve_start_method("fork", num_workers=1) == "fork"        # the user's explicit choice
    with pytest.raises(ValueError, match="one of .*'threads'"):
        resolve_start_method("threads", num_workers=1)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # e.g. Windows
    assert resolve_start_method("auto", num_workers=1) == "spawn"
    with pytest.raises(ValueError, match="'fork' is not available.*spawn"):
        resolve_start_method("fork", num_workers=1)
    monkeypatch.undo()
    loader = LTRLoader("train", RandomDraws(), batch_size=4, num_workers=1, rank=0, world_size=2)
    assert loader.start_method == "forkserver"
    assert loader.multiprocessing_context.get_start_method() == "forkserver"
    assert LTRLoader("train", RandomDraws(), batch_size=4).start_method is None


def test_forkserver_workers_give_the_same_batches_as_forked_ones():
    """Seeds do not depend on the start method, so switching it (auto under torchrun) changes no sample."""
    def run(method: str):
        loader = LTRLoader("train", RandomDraws(), batch_size=4, num_workers=2, rank=1, world_size=2,
                           start_method=method)
        loader.set_epoch(3, seed=7)
        return _draws(loader)

    forked = run("fork")
    assert run("forkserver") == forked
    assert len({x for batch in forked for x in batch}) == 6  # this shard: 6 distinct draws (not vacuous)


@pytest.mark.filterwarnings("ignore:Got pickle error")  # torch's own hint, printed before our error
def test_unpicklable_dataset_under_forkserver_names_the_loader_and_the_way_out():
    class Local(Dataset):  # a local class cannot be pickled for a fork-server worker
        def __len__(self) -> int:
            return 4

        def __getitem__(self, i: int):
            return {"i": i}

    loader = LTRLoader("val", Local(), batch_size=2, num_workers=1, start_method="forkserver")
    with pytest.raises(RuntimeError, match=r"Loader 'val'.*'forkserver'.*picklable.*worker_start_method=fork"):
        next(iter(loader))
    assert [b["i"].tolist() for b in LTRLoader("val", Local(), batch_size=2, num_workers=1,
                                                start_method="fork")] == [[0, 1], [2, 3]]


def test_settings_refuse_an_unknown_worker_start_method():
    from ltr.admin.settings import Settings, SettingsError
    settings = Settings(module_name="t", script_name="s").override(worker_start_method="threads")
    with pytest.raises(SettingsError, match="worker_start_method"):
        settings.validate()
