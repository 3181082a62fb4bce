"""The target model's sample memory: features, masks and temporal weights of past frames (LWL's update rules).

Weights: the initial samples start with weight 1/num_init. Each new sample goes into the next free slot, or
replaces the lowest-weighted sample (the initial samples are protected when ``init_samples_minimum_weight`` is set).
On the first update every weight is divided by (1 - lr) and the new sample gets lr (or 1 when
``lower_init_weight``); later the new sample gets the previous new sample's weight / (1 - lr). Weights are then
normalised to sum 1, and if the initial samples' total fell below ``init_samples_minimum_weight`` the others are
rescaled and the initial samples set to that minimum. The result is an exponential forgetting of old frames with a
floor on the first frame.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch


class SampleMemory:
    """Fixed-size memory of (features ``(C, h, w)``, mask ``(1, H, W)``) samples with temporal weights."""

    def __init__(self, size: int, learning_rate: float, init_samples_minimum_weight: Optional[float] = None,
                 lower_init_weight: bool = False):
        self.size = int(size)
        self.learning_rate = float(learning_rate)
        self.init_min_weight = init_samples_minimum_weight if init_samples_minimum_weight else None
        self.lower_init_weight = bool(lower_init_weight)
        self.samples = self.masks = self.weights = None
        self.num_stored = self.num_init = 0
        self.previous_replace_ind: Optional[int] = None

    def initialize(self, features: torch.Tensor, masks: torch.Tensor) -> None:
        """Store the initial samples: features ``(N, C, h, w)``, masks ``(N, 1, H, W)``, weights 1/N each."""
        if masks.dim() != 4:
            raise ValueError(f"masks must be (N, 1, H, W), got {tuple(masks.shape)}")
        n = features.shape[0]
        self.num_init = self.num_stored = n
        self.previous_replace_ind = None
        self.weights = features.new_zeros(self.size)
        self.weights[:n] = features.new_ones(1) / n
        self.samples = features.new_zeros(self.size, *features.shape[1:])
        self.samples[:n] = features
        self.masks = masks.new_zeros(self.size, *masks.shape[1:])
        self.masks[:n] = masks

    def _update_weights(self, lr: float) -> int:
        sw = self.weights
        s_ind = 0 if self.init_min_weight is None else self.num_init
        if self.num_stored == 0 or lr == 1:
            sw[:] = 0
            sw[0] = 1
            r_ind = 0
        else:
            if self.num_stored < sw.shape[0]:
                r_ind = self.num_stored
            else:
                r_ind = int(torch.argmin(sw[s_ind:]).item()) + s_ind
            if self.previous_replace_ind is None:
                if self.lower_init_weight:
                    sw[r_ind] = 1
                else:
                    sw /= 1 - lr
                    sw[r_ind] = lr
            else:
                sw[r_ind] = sw[self.previous_replace_ind] / (1 - lr)
        sw /= sw.sum()
        if self.init_min_weight is not None and sw[:self.num_init].sum() < self.init_min_weight:
            sw /= self.init_min_weight + sw[self.num_init:].sum()
            sw[:self.num_init] = self.init_min_weight / self.num_init
        return r_ind

    def update(self, features: torch.Tensor, mask: torch.Tensor, learning_rate: Optional[float] = None) -> int:
        """Add one sample (features ``(1, C, h, w)``, mask ``(1, 1, H, W)``); returns the slot it went to."""
        r_ind = self._update_weights(self.learning_rate if learning_rate is None else learning_rate)
        self.previous_replace_ind = r_ind
        self.samples[r_ind:r_ind + 1] = features
        self.masks[r_ind] = mask[0]
        self.num_stored = min(self.num_stored + 1, self.size)
        return r_ind

    def stored(self) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(features, masks, weights) of the stored samples."""
        n = self.num_stored
        return self.samples[:n], self.masks[:n], self.weights[:n]
