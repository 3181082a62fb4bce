"""Applying per-sequence target-model filters to feature maps, and the transposed operation.

Shapes follow pytracking: features ``(T, S, C, h, w)`` (T frames, S sequences), filters ``(S, O, C, k, k)`` (O
output channels per sequence). The filter of sequence s is applied to that sequence's features only (a grouped
convolution with S groups), with "same" padding ``k // 2``.
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F


def apply_filter(feat: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:
    """Scores ``(T, S, O, h', w')`` of filters ``(S, O, C, kh, kw)`` on features ``(T, S, C, h, w)`` (or 4-D = S 1)."""
    if filt.dim() != 5:
        raise ValueError(f"Expected a 5-D filter (sequences, filters, channels, kh, kw), got {tuple(filt.shape)}")
    num_images = feat.shape[0]
    num_sequences = feat.shape[1] if feat.dim() == 5 else 1
    if filt.shape[0] != num_sequences:
        raise ValueError(f"{filt.shape[0]} filters for {num_sequences} sequences")
    padding = (filt.shape[-2] // 2, filt.shape[-1] // 2)
    x = feat.reshape(num_images, -1, feat.shape[-2], feat.shape[-1])
    w = filt.reshape(-1, filt.shape[-3], filt.shape[-2], filt.shape[-1])
    scores = F.conv2d(x, w, padding=padding, groups=num_sequences)
    return scores.reshape(num_images, num_sequences, -1, scores.shape[-2], scores.shape[-1])


def apply_feat_transpose(feat: torch.Tensor, residual: torch.Tensor, filter_size,
                         padded: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The adjoint of :func:`apply_filter` in the filter: ``g[s] = sum_t corr(feat[t, s], residual[t, s])``.

    ``feat`` ``(T, S, C, h, w)``, ``residual`` ``(T, S, O, h, w)`` -> ``(S, O, C, kh, kw)``. This is the gradient of
    ``<residual, apply_filter(feat, f)>`` with respect to ``f``, computed in closed form (differentiable again, no
    autograd graph at inference): for odd kernels as one matrix product per sequence, otherwise as one convolution
    (features as the batch, frames as the channels, the residual maps as the kernel). ``padded``: the features'
    :func:`pad_for_transpose` when several calls share them (a learner's iterations), to lay them out once.
    """
    kh, kw = (filter_size, filter_size) if isinstance(filter_size, int) else tuple(filter_size)
    if feat.dim() == 4:
        feat = feat.unsqueeze(1)
    if residual.dim() == 4:
        residual = residual.unsqueeze(1)
    if kh % 2 == 1 and kw % 2 == 1 and residual.shape[-2:] == feat.shape[-2:]:
        return _feat_transpose_gemm(feat, residual, kh, kw, padded)
    return _feat_transpose_conv(feat, residual, kh, kw)


def pad_for_transpose(feat: torch.Tensor, filter_size) -> Optional[torch.Tensor]:
    """Features ``(T, S, C, h, w)`` zero-padded for an odd ``filter_size`` and laid out ``(S, C, T*h'*w')`` as the
    matrix-product form of :func:`apply_feat_transpose` reads them; None for even kernels (convolution form)."""
    kh, kw = (filter_size, filter_size) if isinstance(filter_size, int) else tuple(filter_size)
    if kh % 2 == 0 or kw % 2 == 0:
        return None
    if feat.dim() == 4:
        feat = feat.unsqueeze(1)
    num_images, num_sequences, num_channels, h, w = feat.shape
    ph, pw = kh // 2, kw // 2
    fp = feat.new_zeros(num_sequences, num_channels, num_images, h + 2 * ph, w + 2 * pw)  # faster than F.pad here
    fp[..., ph:ph + h, pw:pw + w] = feat.permute(1, 2, 0, 3, 4)
    return fp.reshape(num_sequences, num_channels, -1)


def _feat_transpose_conv(feat: torch.Tensor, residual: torch.Tensor, kh: int, kw: int) -> torch.Tensor:
    """:func:`apply_feat_transpose` as one convolution (any kernel size)."""
    num_images, num_sequences, num_channels, h, w = feat.shape
    num_filters = residual.shape[2]
    # input: batch = feature channel c, channels = (sequence, frame); weight: (sequence * filter, frame, h, w)
    x = feat.permute(2, 1, 0, 3, 4).reshape(num_channels, num_sequences * num_images, h, w)
    r = residual.permute(1, 2, 0, 3, 4).reshape(num_sequences * num_filters, num_images, residual.shape[-2],
                                                residual.shape[-1])
    g = F.conv2d(x, r, padding=(kh // 2, kw // 2), groups=num_sequences)  # (C, S*O, kh, kw)
    return g.reshape(num_channels, num_sequences, num_filters, kh, kw).permute(1, 2, 0, 3, 4)


def _feat_transpose_gemm(feat: torch.Tensor, residual: torch.Tensor, kh: int, kw: int,
                         padded: Optional[torch.Tensor] = None) -> torch.Tensor:
    """:func:`apply_feat_transpose` for odd kernels ("same" scores) as ONE matrix product per sequence.

    ``g[s, o, c, i, j] = sum_{t, y, x} pad(feat)[t, s, c, y + i, x + j] * residual[t, s, o, y, x]``: the residual is
    placed at each of the ``kh * kw`` offsets on the padded feature grid (cheap: O << C channels), and the padded
    features are multiplied with all placements at once. Same numbers as the convolution form up to float rounding;
    much faster where the convolution form is not (cuDNN runs its large-kernel convolution as FFTs).
    """
    num_images, num_sequences, num_channels, h, w = feat.shape
    num_filters = residual.shape[2]
    ph, pw = kh // 2, kw // 2
    hp, wp = h + 2 * ph, w + 2 * pw
    fp = pad_for_transpose(feat, (kh, kw)) if padded is None else padded  # (S, C, N)
    placed = residual.new_zeros(num_sequences, num_filters, kh, kw, num_images, hp, wp)
    r = residual.permute(1, 2, 0, 3, 4)  # (S, O, T, h, w)
    for i in range(kh):
        for j in range(kw):
            placed[:, :, i, j, :, i:i + h, j:j + w] = r
    g = torch.bmm(fp, placed.reshape(num_sequences, num_filters * kh * kw, -1).transpose(1, 2))  # (S, C, O*kh*kw)
    return g.reshape(num_sequences, num_channels, num_filters, kh, kw).permute(0, 2, 1, 3, 4)
