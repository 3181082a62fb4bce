"""Training fixtures.

* :class:`MemoryVideoDataset`: tiny in-memory videos implementing the ``BaseVideoDataset`` API (sampler / processing /
  actor tests): a textured background with one object (an ellipse of a random colour) moving across the frames;
  ``invisible`` frames have no object (empty mask, zero box, visible=False).
* :func:`write_training_data`: every dataset the train settings read, tiny, in the official on-disk layouts (with the
  writers of ``tests/ltr/dataset_fixtures.py``), pseudo masks as ``box2mask annotate`` writes them, and Mask R-CNN
  weights; :func:`use_settings` points the local settings at them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch


class MemoryVideoDataset:
    """``num_sequences`` object tracks of ``num_frames`` frames of ``size = (H, W)``; ``invisible``: frame ids
    without the object in every sequence. ``video=False`` makes an image dataset (one frame per entry)."""

    def __init__(self, name: str = "memory", num_sequences: int = 4, num_frames: int = 12, size=(60, 80),
                 invisible: Sequence[int] = (), video: bool = True, seed: int = 0, frame_counts=None):
        self.name, self.size, self.video = name, tuple(size), video
        rng = np.random.default_rng(seed)
        self.sequences = []
        for s in range(num_sequences):
            n = (frame_counts[s] if frame_counts is not None else num_frames) if video else 1
            h, w = self.size
            bg = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
            color = rng.integers(0, 256, size=3).astype(np.uint8)
            ax, ay = rng.integers(max(2, w // 10), max(3, w // 4)), rng.integers(max(2, h // 10), max(3, h // 4))
            cx, cy = rng.uniform(ax, w - ax), rng.uniform(ay, h - ay)
            vx, vy = rng.uniform(-2, 2, size=2)
            frames, masks = [], []
            yy, xx = np.mgrid[0:h, 0:w]
            for f in range(n):
                x = np.clip(cx + vx * f, ax, w - ax)
                y = np.clip(cy + vy * f, ay, h - ay)
                m = (((xx - x) / ax) ** 2 + ((yy - y) / ay) ** 2 <= 1.0).astype(np.float32)
                if f in invisible:
                    m[:] = 0
                im = bg.copy()
                im[m > 0] = color
                frames.append(im)
                masks.append(m)
            self.sequences.append((f"{name}_{s:03d}", frames, masks))
        self.get_frames_calls: List[tuple] = []

    # --- BaseVideoDataset API
    def get_name(self) -> str:
        return self.name

    def get_num_sequences(self) -> int:
        return len(self.sequences)

    def get_sequence_name(self, seq_id: int) -> str:
        return self.sequences[seq_id][0]

    def has_mask(self) -> bool:
        return True

    def is_video_sequence(self) -> bool:
        return self.video

    def _box(self, m: np.ndarray) -> torch.Tensor:
        ys, xs = np.nonzero(m)
        if len(xs) == 0:
            return torch.zeros(4)
        return torch.tensor([xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1],
                            dtype=torch.float32)

    def get_sequence_info(self, seq_id: int) -> Dict[str, torch.Tensor]:
        masks = self.sequences[seq_id][2]
        bbox = torch.stack([self._box(m) for m in masks])
        visible = torch.tensor([bool(m.any()) for m in masks])
        return {"bbox": bbox, "valid": (bbox[:, 2] > 0) & (bbox[:, 3] > 0), "visible": visible}

    def get_frames(self, seq_id: int, frame_ids, anno: Optional[dict] = None):
        self.get_frames_calls.append((seq_id, list(frame_ids)))
        _, frames, masks = self.sequences[seq_id]
        ids = [0 if not self.video else i for i in frame_ids]
        return ([frames[i].copy() for i in ids],
                {"bbox": [self._box(masks[i]) for i in ids], "mask": [torch.from_numpy(masks[i].copy()) for i in ids]},
                {"object_class_name": None})


# ------------------------------------------------------------------------------------------- on-disk training data
def _track(n: int, start, size, step):
    return [(start[0] + i * step[0], start[1] + i * step[1], size[0], size[1]) for i in range(n)]


def youtubevos_names() -> Dict[str, str]:
    """Real YouTube-VOS 2019 train video ids from the shipped split files: one of set A, two of set B (all three in
    'jjtrain'), one of 'jjvalid', one of YT300."""
    from ltr.dataset.splits import read_split_file

    jjtrain = set(read_split_file("youtubevos_jjtrain.txt"))
    a = next(v for v in read_split_file("youtubevos2019_weak_a.txt") if v in jjtrain)
    b = [v for v in read_split_file("youtubevos2019_weak_b.txt") if v in jjtrain][:2]
    return {"a": a, "b1": b[0], "b2": b[1], "valid": read_split_file("youtubevos_jjvalid.txt")[0],
            "yt300": read_split_file("youtubevos2019_yt300.txt")[0]}


def maskrcnn_benchmark_weights(path: Path, seed: int = 0) -> Path:
    """A Mask R-CNN R-50 file in the maskrcnn-benchmark layout (random weights) for the 'mrcnn' backbone."""
    from ltr.models.backbone.resnet_mrcnn import resnet50

    torch.manual_seed(seed)
    sd = resnet50().state_dict()
    model = {}
    for k, v in sd.items():
        if k.endswith("num_batches_tracked"):
            continue
        name = k.replace("conv1.", "stem.conv1.", 1) if k.startswith("conv1.") else \
            k.replace("bn1.", "stem.bn1.", 1) if k.startswith("bn1.") else k
        value = v.clone() + (torch.rand_like(v) * 0.1 + 0.01 if k.endswith("running_var") else 0)
        model["module.backbone.body." + name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": model}, path)
    return path


def write_training_data(root: Path, frames: int = 10) -> Dict[str, Path]:
    """Every dataset the train settings use, tiny, in the official layouts, plus pseudo masks as ``box2mask
    annotate`` writes them and Mask R-CNN weights. Returns the roots (keys like the settings keys)."""
    from tests.ltr.dataset_fixtures import (make_davis, make_got10k, make_lasot, make_ytvos_train, moving,
                                            write_pseudo_masks)

    names = youtubevos_names()
    obj1 = _track(frames, (2, 3), (10, 8), (2, 1))
    obj2 = _track(frames, (30, 20), (6, 6), (-2, 0))
    videos = {v: [{1: obj1[t], 2: obj2[t]} for t in range(frames)] for v in names.values()}
    yt = make_ytvos_train(root / "YouTubeVOS", videos)
    davis = make_davis(root / "DAVIS", {"bear": [{1: obj1[t]} for t in range(frames)],
                                        "dogs": [{1: obj1[t], 2: obj2[t]} for t in range(frames)]})
    make_davis(root / "DAVIS", {"bear": [{1: obj1[t]} for t in range(frames)]}, version="2016", split="val")
    got_names = ["GOT-10k_Train_000001", "GOT-10k_Train_000002"]
    got = make_got10k(root / "GOT-10k", {n: moving(frames, start=(2 + k, 3), size=(10, 8)) for k, n in
                                         enumerate(got_names)})
    from ltr.dataset.splits import read_split_file

    lasot_name = read_split_file("lasot_train_split.txt")[0]
    lasot = make_lasot(root / "LaSOT", {lasot_name: moving(frames, size=(10, 8))})
    pseudo = root / "pseudo_masks"
    for k, n in enumerate(got_names):
        write_pseudo_masks(pseudo / "got10k", n, [f"{i + 1:08d}" for i in range(frames)],
                           [tuple(b) for b in moving(frames, start=(2 + k, 3), size=(10, 8))])
    write_pseudo_masks(pseudo / "lasot", lasot_name, [f"{i + 1:08d}" for i in range(frames)],
                       [tuple(b) for b in moving(frames, size=(10, 8))])
    for vid in (names["b1"], names["b2"]):
        for oid, track in ((1, obj1), (2, obj2)):
            write_pseudo_masks(pseudo / "youtubevos_weak_b", f"{vid}/{oid}", [f"{5 * t:05d}" for t in range(frames)],
                               track)
    networks = root / "networks"
    maskrcnn_benchmark_weights(networks / "e2e_mask_rcnn_R_50_FPN_1x.pth")
    return {"youtubevos_dir": yt, "davis_dir": davis, "got10k_dir": got, "lasot_dir": lasot,
            "pseudo_mask_dir": pseudo, "network_path": networks, "checkpoint_dir": root / "checkpoints",
            "tensorboard_dir": root / "tensorboard"}


def use_settings(monkeypatch, paths: Dict[str, Path]) -> None:
    """Point the local settings (environment variables ``B2M_<KEY>``) at ``paths``."""
    for key, value in paths.items():
        monkeypatch.setenv(f"B2M_{key.upper()}", str(value))


def single_threaded_training_env(monkeypatch, paths: Dict[str, Path]):
    """Generator for an autouse fixture: the settings of ``paths``, one torch / OpenMP thread (also in child
    processes), the previous thread count restored afterwards."""
    use_settings(monkeypatch, paths)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # child processes: no oversubscribed thread pools
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def training_env_fixtures(folder: str):
    """Two fixtures for a test module: ``data`` (module scope: :func:`write_training_data` in a temporary ``folder``)
    and the autouse ``_env`` (:func:`single_threaded_training_env` on it). Use ``data, _env =
    training_env_fixtures("name")`` at module level."""
    import pytest

    @pytest.fixture(scope="module")
    def data(tmp_path_factory):
        return write_training_data(tmp_path_factory.mktemp(folder))

    @pytest.fixture(autouse=True)
    def _env(monkeypatch, data):
        yield from single_threaded_training_env(monkeypatch, data)

    return data, _env
