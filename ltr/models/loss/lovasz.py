"""Lovasz-softmax loss (Berman et al. 2018), as LWL / STANet train with it.

The loss is the Lovasz extension of the Jaccard loss evaluated at the per-pixel errors ``|fg - p|``: sort errors
descending, weight each by the increment of the Jaccard loss when that pixel joins the set of errors.
"""
from __future__ import annotations

from typing import Sequence, Union

import torch


def lovasz_grad(gt_sorted: torch.Tensor) -> torch.Tensor:
    """Increments of the Jaccard loss along the sorted order (``gt_sorted``: 0/1 foreground, sorted by error)."""
    p = gt_sorted.numel()
    gts = gt_sorted.sum()
    intersection = gts - gt_sorted.cumsum(0)
    union = gts + (1.0 - gt_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    if p > 1:
        jaccard = torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])
    return jaccard


def lovasz_softmax_flat(probas: torch.Tensor, labels: torch.Tensor,
                        classes: Union[str, Sequence[int]] = "present") -> torch.Tensor:
    """Loss of flattened probabilities ``(P, C)`` and labels ``(P,)``.

    ``classes='present'`` skips classes absent from the labels; an explicit list never skips (a batch without
    foreground then still contributes its largest error), which is what LovaszSegLoss uses.
    """
    if probas.numel() == 0:
        return probas.sum() * 0.0
    num_classes = probas.shape[1]
    class_list = list(range(num_classes)) if classes in ("all", "present") else list(classes)
    losses = []
    for c in class_list:
        fg = (labels == c).float()
        if classes == "present" and fg.sum() == 0:
            continue
        pred = probas[:, 0] if num_classes == 1 else probas[:, c]
        errors = (fg - pred).abs()
        errors_sorted, perm = torch.sort(errors, 0, descending=True)
        losses.append(torch.dot(errors_sorted, lovasz_grad(fg[perm])))
    if not losses:
        return probas.sum() * 0.0
    return torch.stack(losses).mean()


def _flatten(probas: torch.Tensor, labels: torch.Tensor):
    if probas.dim() == 3:
        probas = probas.unsqueeze(1)
    c = probas.shape[1]
    return probas.permute(0, 2, 3, 1).reshape(-1, c), labels.reshape(-1)


def lovasz_softmax(probas: torch.Tensor, labels: torch.Tensor, classes: Union[str, Sequence[int]] = "present",
                   per_image: bool = False) -> torch.Tensor:
    """Probabilities ``(B, C, H, W)`` (or ``(B, H, W)`` for one class), labels ``(B, [1,] H, W)``."""
    if per_image:
        return torch.stack([lovasz_softmax_flat(*_flatten(p.unsqueeze(0), l.unsqueeze(0)), classes=classes)
                            for p, l in zip(probas, labels)]).mean()
    return lovasz_softmax_flat(*_flatten(probas, labels), classes=classes)
