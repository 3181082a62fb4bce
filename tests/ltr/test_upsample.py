"""The decoder's bicubic resizing and upsampler: the faster forms give PyTorch's / the reference's numbers."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from ltr.models.layers import upsample
from ltr.models.lwl.decoder import Upsampler


def _reference_bicubic(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size, mode="bicubic", align_corners=False)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 1, 7), (1, 2, 5, 1), (2, 5, 7, 9), (1, 4, 30, 52)])
@pytest.mark.parametrize("dtype, tol", [(torch.float32, 2e-6), (torch.float64, 1e-12)])
def test_cpu_2x_path_equals_pytorch_bicubic(shape, dtype, tol, monkeypatch):
    monkeypatch.setattr(upsample, "_CHUNK_BYTES", 64)  # several chunks even for tiny inputs
    torch.manual_seed(0)
    x = torch.randn(*shape, dtype=dtype) * 10
    ref = _reference_bicubic(x, (2 * shape[2], 2 * shape[3]))
    out = upsample.upsample2x_bicubic_cpu(x)
    assert out.shape == ref.shape and out.dtype == dtype
    assert (out - ref).abs().max() <= tol * ref.abs().max()


def test_bicubic_resize_takes_the_reference_path_for_gradients_and_other_sizes():
    torch.manual_seed(1)
    x = torch.randn(2, 3, 6, 10, requires_grad=True)
    out = upsample.bicubic_resize(x, (12, 20))  # gradient recorded: PyTorch's kernel, bitwise
    assert torch.equal(out, _reference_bicubic(x, (12, 20)))
    out.square().sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with torch.no_grad():
        assert torch.equal(upsample.bicubic_resize(x, (13, 20)), _reference_bicubic(x, (13, 20)))
        fast = upsample.bicubic_resize(x, (12, 20))
    assert (fast - out.detach()).abs().max() <= 2e-6 * out.abs().max()


def _reference_upsampler(up: Upsampler, x: torch.Tensor, size) -> torch.Tensor:
    x = _reference_bicubic(x, (2 * x.shape[-2], 2 * x.shape[-1]))
    x = F.relu(up.conv1(x))
    return up.conv2(_reference_bicubic(x, size))


@pytest.mark.parametrize("size", [(48, 80), (45, 83)])  # exact 2x of the intermediate map, and not
def test_upsampler_reordered_steps_give_the_reference_logits(size):
    torch.manual_seed(2)
    up = Upsampler(32)
    with torch.no_grad():
        up.conv2.bias.fill_(0.3)
    x = torch.randn(3, 32, 12, 20)
    with torch.no_grad():
        ref = _reference_upsampler(up, x, size)
        out = up(x, size)
    assert out.shape == ref.shape == (3, 1, *size)
    assert (out - ref).abs().max() <= 1e-5 * ref.abs().max()
    # training: same numbers and the same gradients through the reordered computation
    xg = x.clone().requires_grad_(True)
    up(xg, size).square().sum().backward()
    grad_ours, conv2_grad = xg.grad.clone(), up.conv2.weight.grad.clone()
    xg.grad = None
    up.zero_grad()
    _reference_upsampler(up, xg, size).square().sum().backward()
    assert torch.allclose(grad_ours, xg.grad, rtol=1e-4, atol=1e-6 * xg.grad.abs().max())
    assert torch.allclose(conv2_grad, up.conv2.weight.grad, rtol=1e-4, atol=1e-6 * conv2_grad.abs().max())


def test_upsampler_with_few_channels_keeps_the_plain_order():
    torch.manual_seed(3)
    up = Upsampler(8)  # conv2 reads 4 channels < 9 taps: resize first, then convolve
    x = torch.randn(1, 8, 5, 6)
    with torch.no_grad():
        assert torch.allclose(up(x, (20, 24)), _reference_upsampler(up, x, (20, 24)), atol=1e-6)
