"""Mask <-> box helpers for segmentation trackers: target state from a probability map, extreme-point boxes,
pasting crop scores back into the image, and soft aggregation of several objects."""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F


def var_target_state(prob: torch.Tensor, size_factor: float = 4.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Centre ``(y, x)`` = probability-weighted mean of the pixel indices, size ``(h, w)`` = size_factor x the
    weighted standard deviation per axis (the reference's 'var' mode). ``prob`` ``(H, W)``."""
    prob_sum = prob.sum()
    rows = torch.arange(prob.shape[-2], dtype=torch.float32, device=prob.device)
    cols = torch.arange(prob.shape[-1], dtype=torch.float32, device=prob.device)
    row_mass, col_mass = prob.sum(dim=-1), prob.sum(dim=-2)
    e_y = torch.sum(row_mass * rows) / prob_sum
    e_x = torch.sum(col_mass * cols) / prob_sum
    e_h = torch.sum(row_mass * (rows - e_y) ** 2) / prob_sum
    e_w = torch.sum(col_mass * (cols - e_x) ** 2) / prob_sum
    return (torch.stack([e_y, e_x]).cpu().float(),
            torch.stack([e_h.sqrt() * size_factor, e_w.sqrt() * size_factor]).cpu().float())


def state_to_box(pos: torch.Tensor, sz: torch.Tensor) -> list:
    """``(y, x)`` centre + ``(h, w)`` -> ``[x, y, w, h]`` with pytracking's ``(size - 1) / 2`` convention."""
    return torch.cat((pos[[1, 0]] - (sz[[1, 0]] - 1) / 2, sz[[1, 0]])).tolist()


def extreme_point_box(mask: np.ndarray, previous: Optional[Sequence[float]] = None) -> Optional[list]:
    """Tightest box ``[x, y, w, h]`` around the mask's foreground (inclusive pixels); ``previous`` when empty."""
    mask = np.asarray(mask)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None if previous is None else [float(v) for v in previous]
    cols = np.flatnonzero(mask.any(axis=0))
    return [float(cols[0]), float(rows[0]), float(cols[-1] - cols[0] + 1), float(rows[-1] - rows[0] + 1)]


def paste_scores(scores: torch.Tensor, image_hw: Sequence[int], sample_scale: float, sample_pos: torch.Tensor,
                 fill: float = -100.0) -> torch.Tensor:
    """Crop scores ``(1, 1, h, w)`` resized by ``sample_scale`` and placed at ``sample_pos`` (centre ``(y, x)``) in
    a full-image map filled with ``fill``. The bilinear resize uses the scale factor itself (output size
    ``floor(in * s)``), the top-left is ``int(pos - size / 2)`` -- as the reference."""
    re = F.interpolate(scores, scale_factor=float(sample_scale), mode="bilinear", align_corners=False)
    re = re.view(*re.shape[-2:])
    out = torch.full(tuple(int(s) for s in image_hw), fill, dtype=re.dtype, device=re.device)
    r1 = int(sample_pos[0].item() - 0.5 * re.shape[-2])
    c1 = int(sample_pos[1].item() - 0.5 * re.shape[-1])
    r2, c2 = r1 + re.shape[-2], c1 + re.shape[-1]
    r1p, c1p = max(0, -r1), max(0, -c1)
    r2p, c2p = max(r2 - out.shape[0], 0), max(c2 - out.shape[1], 0)
    out[r1 + r1p:r2 - r2p, c1 + c1p:c2 - c2p] = re[r1p:re.shape[0] - r2p, c1p:re.shape[1] - c2p]
    return out


def soft_aggregate(scores: Dict[str, torch.Tensor], eps: float = 1e-7) -> Tuple[np.ndarray, "OrderedDict[str, torch.Tensor]"]:
    """Merge per-object logits (RGMP soft aggregation): background probability = prod(1 - p_i) (clamped), as a
    logit; softmax over {background, objects}. Returns (label map uint8 with the integer object ids, per-object
    aggregated probabilities)."""
    ids = list(scores)
    s = torch.stack([scores[i] for i in ids])
    bg_p = torch.prod(1 - torch.sigmoid(s), dim=0).clamp(eps, 1.0 - eps)
    all_scores = torch.cat(((bg_p / (1.0 - bg_p)).log().unsqueeze(0), s), dim=0)
    agg = torch.stack([1.0 / (all_scores - a.unsqueeze(0)).exp().sum(dim=0) for a in all_scores])
    labels = np.array([0, *map(int, ids)], dtype=np.uint8)[agg.argmax(dim=0).cpu().numpy()]
    return labels, OrderedDict((k, agg[i + 1]) for i, k in enumerate(ids))
