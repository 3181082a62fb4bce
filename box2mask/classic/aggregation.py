"""Spatio-temporal aggregation (paper Eq. 2b) in closed form, on hand-crafted features.

    z* = argmin_z  1/T sum_t || w_t . (x_t z - e_t) ||^2  +  lambda ||z||^2

with per-pixel features ``x_t`` (rows of a feature matrix), labels ``e_t`` from the box (1 inside, 0 outside) and
confidences ``w_t`` (outside: certain, inside: uncertain). Each frame contributes the normal-equation terms
``A_t = X_t^T W_t^2 X_t / n_t`` and ``c_t = X_t^T W_t^2 e_t / n_t`` (averaged over its pixels, so frames of
different crop sizes weigh the same); the solution is ``z = (1/T sum A_t + lambda I)^-1 (1/T sum c_t)``. Because the
terms of a frame do not depend on the window, they are computed once per frame and reused by every window.
The products run in torch (float64), which keeps its speed when the machine's cores are shared, unlike numpy's
multi-threaded BLAS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

__all__ = ["NormalTerms", "frame_terms", "solve_ridge"]


@dataclass
class NormalTerms:
    """One frame's contribution to the normal equations."""

    A: np.ndarray  # (D, D)
    c: np.ndarray  # (D,)


def frame_terms(features: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> NormalTerms:
    """Terms of one frame from ``features (n, D)``, ``labels (n,)`` and confidences ``weights (n,)``."""
    x = torch.from_numpy(np.asarray(features, np.float64))
    w2 = torch.from_numpy(np.square(np.asarray(weights, np.float64)).reshape(-1))
    e = torch.from_numpy(np.asarray(labels, np.float64).reshape(-1))
    n = max(x.shape[0], 1)
    xw = x * w2[:, None]
    return NormalTerms(A=(xw.T @ x).numpy() / n, c=(xw.T @ e).numpy() / n)


def solve_ridge(terms: Sequence[NormalTerms], lam: float) -> np.ndarray:
    """The minimiser ``z (D,)`` of Eq. 2b over the frames whose terms are given."""
    if not terms:
        raise ValueError("solve_ridge needs the terms of at least one frame")
    A = sum(t.A for t in terms) / len(terms)
    c = sum(t.c for t in terms) / len(terms)
    A = A + lam * np.eye(A.shape[0])
    return torch.linalg.solve(torch.from_numpy(A), torch.from_numpy(c)).numpy()
