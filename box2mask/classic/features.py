"""Hand-crafted per-pixel features for the classic method: colour, neighbourhood colour and local texture, lifted by
random Fourier features so that a *linear* ridge regression on them acts like a kernel regression on appearance.

The matrix products run in torch: numpy's multi-threaded BLAS slows down by an order of magnitude when the machine's
cores are shared with other processes, torch's thread pool does not (and follows ``torch.set_num_threads``)."""
from __future__ import annotations

import math

import cv2
import numpy as np
import torch

__all__ = ["pixel_features", "RandomFourierFeatures", "NUM_PIXEL_FEATURES"]

NUM_PIXEL_FEATURES = 9


def pixel_features(rgb: np.ndarray, context_sigma: float = 3.0) -> np.ndarray:
    """Float32 ``(H, W, 9)`` features of an RGB uint8 image, each roughly in [0, 1]:

    * CIE Lab colour of the pixel (3),
    * Lab colour averaged over a Gaussian neighbourhood (``context_sigma`` pixels) (3),
    * gradient magnitude of the lightness at two scales, and the local standard deviation of the lightness (3).
    """
    lab = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2LAB).astype(np.float32) / 255.0
    context = cv2.GaussianBlur(lab, (0, 0), context_sigma)
    light = lab[..., 0]
    grads = []
    for sigma in (1.0, 2.5):
        smooth = cv2.GaussianBlur(light, (0, 0), sigma)
        gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
        grads.append(np.sqrt(gx * gx + gy * gy) * (2.0 * sigma))
    mean = cv2.GaussianBlur(light, (0, 0), 2.0)
    sq = cv2.GaussianBlur(light * light, (0, 0), 2.0)
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0)) * 4.0
    return np.concatenate([lab, context, grads[0][..., None], grads[1][..., None], std[..., None]], axis=-1)


class RandomFourierFeatures:
    """``phi(x) = sqrt(2 / D) cos(x W + b)`` with ``W ~ N(0, 1 / bandwidth^2)`` per input channel (scaled by
    ``channel_weights``), so ``phi(x) . phi(y)`` approximates a Gaussian kernel on the weighted features. A constant
    1 is appended as the last output (the regression's bias). Seeded: the same seed gives the same map."""

    def __init__(self, in_dim: int, num_features: int = 256, bandwidth: float = 0.1,
                 channel_weights: np.ndarray | None = None, seed: int = 0):
        rng = np.random.default_rng(seed)
        weights = np.ones(in_dim, np.float32) if channel_weights is None else np.asarray(channel_weights, np.float32)
        if weights.shape != (in_dim,):
            raise ValueError(f"channel_weights must have {in_dim} entries, got {weights.shape}")
        self.W = torch.from_numpy((rng.normal(0.0, 1.0, (in_dim, num_features)) / bandwidth
                                   * weights[:, None]).astype(np.float32))
        self.b = torch.from_numpy(rng.uniform(0.0, 2.0 * math.pi, num_features).astype(np.float32))
        self.scale = math.sqrt(2.0 / num_features)
        self.dim = num_features + 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``(n, in_dim)`` -> float32 ``(n, num_features + 1)``."""
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        out = torch.ones((xt.shape[0], self.dim), dtype=torch.float32)
        torch.addmm(self.b, xt, self.W, out=out[:, :-1])
        out[:, :-1].cos_().mul_(self.scale)
        return out.numpy()
