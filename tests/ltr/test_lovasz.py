"""Lovasz loss against a brute-force evaluation of the Lovasz extension of the Jaccard loss."""
from __future__ import annotations

import itertools

import pytest
import torch

from ltr.models.loss.segmentation import LovaszSegLoss


def _jaccard_loss(errors_set, fg):
    """Jaccard loss when the pixels in ``errors_set`` are mispredicted: 1 - |fg \\ M| / |fg U M|."""
    fg_set = {i for i, f in enumerate(fg) if f}
    union = fg_set | errors_set
    if not union:
        return 0.0
    return 1.0 - len(fg_set - errors_set) / len(union)


def _brute_force(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Lovasz extension by its definition: sum_i e_(i) * (D(first i) - D(first i-1)) over errors sorted descending."""
    p = torch.sigmoid(logits).flatten().tolist()
    fg = (labels.flatten() == 1).tolist()
    errors = [abs(float(f) - q) for f, q in zip(fg, p)]
    order = sorted(range(len(errors)), key=lambda i: -errors[i])
    total, prev, chosen = 0.0, 0.0, set()
    for i in order:
        chosen.add(i)
        cur = _jaccard_loss(chosen, fg)
        total += errors[i] * (cur - prev)
        prev = cur
    return total


@pytest.mark.parametrize("seed", range(6))
def test_per_image_false_matches_brute_force(seed):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 1, 3, 4, generator=g) * 3
    labels = (torch.rand(2, 1, 3, 4, generator=g) > 0.6).float()
    assert LovaszSegLoss(per_image=False)(logits, labels).item() == pytest.approx(_brute_force(logits, labels), abs=1e-6)


def test_per_image_true_is_the_mean_over_images_and_empty_images_count():
    g = torch.Generator().manual_seed(7)
    logits = torch.randn(3, 1, 3, 3, generator=g) * 2
    labels = (torch.rand(3, 1, 3, 3, generator=g) > 0.5).float()
    labels[2] = 0  # no foreground: still contributes (its largest error), as in the reference
    expect = sum(_brute_force(logits[i], labels[i]) for i in range(3)) / 3
    assert LovaszSegLoss(per_image=True)(logits, labels).item() == pytest.approx(expect, abs=1e-6)
    assert _brute_force(logits[2], labels[2]) == pytest.approx(torch.sigmoid(logits[2]).max().item(), abs=1e-6)


def test_perfect_prediction_has_zero_loss_and_gradient_flows():
    labels = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]])
    logits = (labels * 2 - 1) * 30
    assert LovaszSegLoss(per_image=False)(logits, labels).item() == pytest.approx(0.0, abs=1e-6)
    x = torch.zeros(1, 1, 2, 2, requires_grad=True)
    LovaszSegLoss(per_image=False)(x, labels).backward()
    assert x.grad is not None and torch.all(x.grad[labels == 1] < 0) and torch.all(x.grad[labels == 0] > 0)


def test_all_subsets_small_exhaustive():
    logits = torch.tensor([[[[0.3, -1.2, 2.0]]]])
    for bits in itertools.product([0.0, 1.0], repeat=3):
        labels = torch.tensor(bits).view(1, 1, 1, 3)
        assert LovaszSegLoss(per_image=False)(logits, labels).item() == pytest.approx(_brute_force(logits, labels), abs=1e-6)
