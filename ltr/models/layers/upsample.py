"""Bicubic resizing with PyTorch's numerics (cubic convolution, A = -0.75, ``align_corners=False``, borders
replicated), plus a faster CPU path for the decoder's exact 2x upsampling.

For an exact 2x upsampling every output pixel uses one of two fixed 4-tap weight sets (source offset -0.25 / +0.25
of a pixel), so the resize is two separable passes of four scaled additions each. PyTorch's CPU kernel evaluates
the general 4x4 form per output pixel and is 1.5-2x slower at the decoder's sizes (``benchmarks/decoder_cpu.py``);
the results agree to float rounding (relative 1e-6 in float32). The fast path is taken on the CPU when no gradient
is recorded (it writes into preallocated outputs); everything else calls ``F.interpolate``.
"""
from __future__ import annotations

from typing import Sequence, Tuple

import torch
import torch.nn.functional as F

_A = -0.75  # PyTorch's (and OpenCV's) cubic convolution constant


def _near(x: float) -> float:
    return ((_A + 2) * x - (_A + 3)) * x * x + 1


def _far(x: float) -> float:
    return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A


# output 2k reads input k-2..k+1 at fraction 0.75; output 2k+1 reads k-1..k+2 at fraction 0.25 (mirrored weights)
EVEN_WEIGHTS: Tuple[float, ...] = (_far(1.75), _near(0.75), _near(0.25), _far(1.25))
ODD_WEIGHTS: Tuple[float, ...] = EVEN_WEIGHTS[::-1]
_CHUNK_BYTES = 1 << 22  # planes per chunk: outputs of about 4 MB stay in cache between the two passes


def _double_along(padded: torch.Tensor, n: int, dim: int, out: torch.Tensor) -> None:
    """Write the 2x upsampling along ``dim`` of ``padded`` (length n + 4, replicated by 2 each side) into ``out``."""
    pairs = out.unflatten(dim, (n, 2))
    even, odd = pairs.select(dim + 1, 0), pairs.select(dim + 1, 1)
    torch.mul(padded.narrow(dim, 0, n), EVEN_WEIGHTS[0], out=even)
    torch.mul(padded.narrow(dim, 1, n), ODD_WEIGHTS[0], out=odd)
    for k in range(1, 4):
        even.add_(padded.narrow(dim, k, n), alpha=EVEN_WEIGHTS[k])
        odd.add_(padded.narrow(dim, k + 1, n), alpha=ODD_WEIGHTS[k])


def upsample2x_bicubic_cpu(x: torch.Tensor) -> torch.Tensor:
    """``F.interpolate(x, scale 2, 'bicubic', align_corners=False)`` for a 4-D CPU tensor, as two separable passes."""
    n, c, h, w = x.shape
    planes = x.reshape(n * c, 1, h, w)
    out = torch.empty(n * c, 2 * h, 2 * w, dtype=x.dtype)
    rows = torch.empty(n * c, 2 * h, w, dtype=x.dtype)
    step = max(1, _CHUNK_BYTES // (4 * h * w * x.element_size()))
    for start in range(0, n * c, step):
        stop = min(start + step, n * c)
        padded = F.pad(planes[start:stop], (0, 0, 2, 2), mode="replicate")[:, 0]
        _double_along(padded, h, 1, rows[start:stop])
        padded = F.pad(rows[start:stop].unsqueeze(1), (2, 2, 0, 0), mode="replicate")[:, 0]
        _double_along(padded, w, 2, out[start:stop])
    return out.view(n, c, 2 * h, 2 * w)


def bicubic_resize(x: torch.Tensor, size: Sequence[int]) -> torch.Tensor:
    """Bicubic resize of ``(N, C, H, W)`` to ``size`` (``align_corners=False``), PyTorch's numbers up to rounding."""
    size = tuple(int(s) for s in size)
    h, w = x.shape[-2:]
    if (x.device.type == "cpu" and x.dim() == 4 and x.dtype in (torch.float32, torch.float64)
            and size == (2 * h, 2 * w) and x.numel() > 0 and not (torch.is_grad_enabled() and x.requires_grad)):
        return upsample2x_bicubic_cpu(x.contiguous())
    return F.interpolate(x, size, mode="bicubic", align_corners=False)
