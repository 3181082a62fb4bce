"""Box2Mask and LWL samplers: sequences without replacement per epoch (across workers), frame windows, visibility."""
from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from ltr.data.loader import LTRLoader
from ltr.data.sampler_base import EpochLTRLoader, normalise_weights, visible_ids
from ltr.data.sampler_box2mask import Box2MaskSampler, choose_window_frames, epoch_plan
from ltr.data.sampler_lwl import LWLSampler
from tests.ltr.train_fixtures import MemoryVideoDataset


class NameOnly:
    """Processing that keeps only what the sampler chose (fast, collatable)."""

    def __call__(self, data):
        ids = data.get("frame_ids", data.get("train_frame_ids", []))
        return {"dataset": data["dataset"], "sequence": data["sequence"], "frame_ids": torch.tensor(ids)}


def _seqs(loader):
    names = []
    for batch in loader:
        names += [f"{d}:{s}" for d, s in zip(batch["dataset"], batch["sequence"])]
    return names


# -------------------------------------------------------------------------------------------------- epoch plan
def test_epoch_plan_is_without_replacement_per_dataset_and_weighted():
    plan = epoch_plan([60, 10], [6 / 7, 1 / 7], 700, key=5)
    counts = Counter(d for d, _ in plan)
    assert abs(counts[0] - 600) < 60 and counts[0] + counts[1] == 700
    for d, size in ((0, 60), (1, 10)):
        ids = [s for dd, s in plan if dd == d]
        # consecutive passes: each full pass of `size` draws holds every sequence exactly once
        for start in range(0, len(ids) - size + 1, size):
            assert sorted(ids[start:start + size]) == list(range(size))
    assert plan == epoch_plan([60, 10], [6 / 7, 1 / 7], 700, key=5)
    assert plan != epoch_plan([60, 10], [6 / 7, 1 / 7], 700, key=6)


@pytest.mark.parametrize("workers", [0, 2])
def test_every_sequence_once_per_epoch_across_workers(workers):
    data = MemoryVideoDataset("a", num_sequences=12, num_frames=6, size=(8, 8))
    sampler = Box2MaskSampler([data], None, samples_per_epoch=12, num_frames=2, max_window=4, processing=NameOnly())
    loader = EpochLTRLoader("train", sampler, batch_size=3, num_workers=workers, stack_dim=0)
    epochs = []
    for epoch in (1, 2):
        loader.set_epoch(epoch, seed=7)
        names = _seqs(loader)
        assert sorted(names) == sorted(f"a:a_{i:03d}" for i in range(12))
        epochs.append(names)
    assert epochs[0] != epochs[1]  # a new order each epoch
    loader.set_epoch(1, seed=7)
    assert _seqs(loader) == epochs[0]  # ... and the same order when an epoch is replayed (resume)


def test_plain_loader_workers_share_the_plan():
    data = MemoryVideoDataset("a", num_sequences=10, num_frames=4, size=(8, 8))
    sampler = Box2MaskSampler([data], None, samples_per_epoch=10, num_frames=1, processing=NameOnly())
    loader = LTRLoader("train", sampler, batch_size=2, num_workers=2, stack_dim=0)
    loader.set_epoch(1, 0)
    assert sorted(_seqs(loader)) == sorted(f"a:a_{i:03d}" for i in range(10))


def test_main_process_without_set_epoch_replans_after_an_epoch():
    data = MemoryVideoDataset("a", num_sequences=5, num_frames=4, size=(8, 8))
    sampler = Box2MaskSampler([data], None, samples_per_epoch=5, num_frames=1, processing=NameOnly())
    torch.manual_seed(0)
    first = [sampler[i]["sequence"] for i in range(5)]
    second = [sampler[i]["sequence"] for i in range(5)]
    assert sorted(first) == sorted(second) == [f"a_{i:03d}" for i in range(5)]


# -------------------------------------------------------------------------------------------------- frame choice
def test_window_frames_are_visible_distinct_sorted_and_close():
    visible = torch.ones(300, dtype=torch.bool)
    visible[::3] = False
    random.seed(0)
    for _ in range(300):
        ids = choose_window_frames(visible, 3, 100)
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert ids[-1] - ids[0] < 100 and all(visible[i] for i in ids)
    short = torch.tensor([False, True, False, False, True])
    assert all(set(choose_window_frames(short, 3, 100)) <= {1, 4} for _ in range(20))
    with pytest.raises(ValueError, match="No visible"):
        choose_window_frames(torch.zeros(4, dtype=torch.bool), 2, 10)


def test_box2mask_item_and_invisible_sequences_are_replaced():
    data = MemoryVideoDataset("a", num_sequences=3, num_frames=10, size=(32, 40))
    empty = MemoryVideoDataset("b", num_sequences=2, num_frames=5, size=(32, 40), invisible=range(5))
    sampler = Box2MaskSampler([data, empty], [1, 1], samples_per_epoch=6, num_frames=3, max_window=5)
    sampler.set_epoch(1, 0)
    random.seed(0)
    item = sampler[0]
    assert len(item["images"]) == len(item["masks"]) == 3 and item["images"][0].shape == (32, 40, 3)
    assert max(item["frame_ids"]) - min(item["frame_ids"]) < 5
    # dataset b has no visible frame at all: a slot planned for it cannot be served
    slots = [i for i, (d, _) in enumerate(sampler.plan()) if d == 1]
    assert slots
    with pytest.raises(RuntimeError, match="b: no sequence with >= 1 visible frames"):
        sampler[slots[0]]


def test_image_dataset_repeats_its_image():
    images = MemoryVideoDataset("img", num_sequences=3, size=(16, 16), video=False)
    item = Box2MaskSampler([images], None, 3, num_frames=3)[0]
    assert item["frame_ids"] == [0, 0, 0]
    item = LWLSampler([images], None, 3, num_train_frames=1, num_test_frames=2)[0]
    assert item["train_frame_ids"] == [0] and item["test_frame_ids"] == [0, 0]


# ---------------------------------------------------------------------------------------------------------- LWL
def test_lwl_frames_follow_the_reference_rules():
    visible = torch.ones(400, dtype=torch.bool)
    visible[50:80] = False
    sampler = LWLSampler([MemoryVideoDataset("a", 1, 20, size=(8, 8))], None, 10, max_gap=100, num_train_frames=2,
                         num_test_frames=3)
    random.seed(1)
    for _ in range(300):
        train, test = sampler.choose_frames(visible)
        base = train[-1]  # the base frame is the latest train frame
        assert train == sorted(train) and test == sorted(test) and len(test) == 3
        assert all(visible[i] for i in train + test)
        assert all(base - 100 <= t <= base for t in train) and all(base < t < base + 100 for t in test)
    # few visible frames: the gap widens until a later visible frame is found
    sparse = torch.zeros(600, dtype=torch.bool)
    sparse[[3, 250, 500]] = True
    sampler.num_train_frames = 1
    train, test = sampler.choose_frames(sparse)
    assert train[0] < test[0] and set(test) <= {250, 500}


def test_lwl_sequence_needs_enough_visible_frames():
    few = MemoryVideoDataset("few", 2, 12, size=(16, 16), invisible=range(5))  # 7 visible, needs > 8
    ok = MemoryVideoDataset("ok", 2, 12, size=(16, 16))
    with pytest.raises(RuntimeError, match="few: no sequence with more than 8"):
        LWLSampler([few], None, 4, num_train_frames=1, num_test_frames=3)[0]
    random.seed(0)
    item = LWLSampler([ok], None, 4, num_train_frames=1, num_test_frames=3)[0]
    assert len(item["train_images"]) == 1 and len(item["test_masks"]) == 3 and item["dataset"] == "ok"


def test_dataset_mixture_weights_and_checks():
    a, b = MemoryVideoDataset("a", 6, 4, (8, 8)), MemoryVideoDataset("b", 2, 4, (8, 8))
    assert normalise_weights([a, b], None) == pytest.approx([0.75, 0.25])
    assert normalise_weights([a, b], [6, 1]) == pytest.approx([6 / 7, 1 / 7])
    with pytest.raises(ValueError, match="2 datasets but 1 weights"):
        normalise_weights([a, b], [1])
    sampler = LWLSampler([a, b], [6, 1], 10, processing=None)
    random.seed(4)
    counts = Counter(sampler.datasets[sampler.choose_dataset()].get_name() for _ in range(7000))
    assert abs(counts["a"] / 7000 - 6 / 7) < 0.02
    assert visible_ids(torch.tensor([True, False, True, True]), 1, 10) == [2, 3]
