"""Every training dataset survives pickling (DataLoader workers start from a fork server, which receives the
dataset pickled; see ltr.data.loader) and reads the same frames and annotations afterwards, caches warm or cold."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from ltr.dataset import Davis, Got10k, Got10kPseudoMask, Lasot, LasotPseudoMask, TrackingNet, YouTubeVOS
from tests.ltr.dataset_fixtures import (make_davis, make_got10k, make_lasot, make_trackingnet, make_ytvos_train,
                                        moving, write_pseudo_masks)

GOT = ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
FRAMES = [{1: (2, 3, 8, 6), 2: (20, 10, 5, 5)}, {1: (4, 4, 8, 6), 2: None}, {1: (6, 5, 8, 6), 2: (22, 12, 5, 5)}]


def _pseudo_masks(root, names, n=4):
    for k, name in enumerate(names):
        boxes = moving(n, start=(2 + k, 3))
        write_pseudo_masks(root, name, [f"{i + 1:08d}" for i in range(n)], [tuple(b) for b in boxes])
    return root


def _build(kind: str, tmp):
    if kind == "got10k":
        return Got10k(make_got10k(tmp / "got", {n: moving(4) for n in GOT}), split="all")
    if kind == "lasot":
        return Lasot(make_lasot(tmp / "lasot", {"airplane-1": moving(4), "bird-2": moving(3)}), split="all")
    if kind == "trackingnet":
        return TrackingNet(make_trackingnet(tmp / "tn", "TRAIN_0", {"vid_a": moving(4)}))
    if kind == "youtubevos":
        return YouTubeVOS(make_ytvos_train(tmp / "yt", {"0a49f5265b": FRAMES}), sequences=["0a49f5265b"])
    if kind == "davis":
        return Davis(make_davis(tmp / "davis", {"bear": FRAMES}, version="2017", split="train"), version="2017",
                     split="train")
    if kind == "got10k_pseudo":
        root = make_got10k(tmp / "got", {n: moving(4, start=(2 + k, 3)) for k, n in enumerate(GOT)})
        return Got10kPseudoMask(_pseudo_masks(tmp / "masks", GOT), root)
    if kind == "lasot_pseudo":
        root = make_lasot(tmp / "lasot", {"airplane-1": moving(4, start=(2, 3))})
        return LasotPseudoMask(_pseudo_masks(tmp / "masks", ["airplane-1"]), root, split="all")
    raise AssertionError(kind)


def _read(ds, seq_id: int):
    frames, anno, meta = ds.get_frames(seq_id, [0, len(ds.get_frame_paths(seq_id)) - 1])
    return frames, anno, meta, ds.get_sequence_info(seq_id)


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return torch.equal(a, b)
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("kind", ["got10k", "lasot", "trackingnet", "youtubevos", "davis", "got10k_pseudo",
                                  "lasot_pseudo"])
@pytest.mark.parametrize("warm", [False, True])
def test_dataset_pickles_and_reads_the_same(kind, warm, tmp_path):
    ds = _build(kind, tmp_path)
    expected = _read(ds, 0)
    fresh = _build(kind, tmp_path / "again") if not warm else ds  # cold: pickled before anything was read
    copy = pickle.loads(pickle.dumps(fresh))
    assert len(copy) == len(ds) and copy.get_sequence_name(0) == ds.get_sequence_name(0)
    got = _read(copy, 0)
    assert _same(got[0], expected[0]) and _same(got[1], expected[1]) and _same(got[3], expected[3])
    assert got[2] == expected[2]
