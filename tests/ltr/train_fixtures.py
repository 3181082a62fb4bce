"""Tiny in-memory video datasets implementing the ``BaseVideoDataset`` API, for sampler / processing / actor tests.

Each sequence is a textured background with one object (an ellipse of a random colour) moving across the frames;
``invisible`` frames have no object (empty mask, zero box, visible=False).
"""
from __future__ import annotations

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
