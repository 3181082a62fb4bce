"""The steepest-descent learner (paper Eq. 2b): convergence, differentiability, no graph kept at inference."""
from __future__ import annotations

import gc
import itertools

import pytest
import torch
from torch.func import functional_call

from ltr.models.layers.filter import apply_feat_transpose, apply_filter
from ltr.models.lwl.loss_residual_modules import LWTLResidual
from ltr.models.meta.steepestdescent import GNSteepestDescent


def _learner(closed_form: bool, reg: float = 0.3, num_iter: int = 5) -> GNSteepestDescent:
    return GNSteepestDescent(LWTLResidual(init_filter_reg=reg), num_iter=num_iter, residual_batch_dim=1,
                             compute_losses=True, use_closed_form=closed_form)


def _problem(t=3, s=2, c=3, o=2, h=5, w=6, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(t, s, c, h, w, generator=g, dtype=dtype)
    y = torch.randn(t, s, o, h, w, generator=g, dtype=dtype)
    v = 0.2 + torch.rand(t, s, o, h, w, generator=g, dtype=dtype)
    return x, y, v


def test_apply_feat_transpose_is_the_adjoint():
    x, y, _ = _problem()
    f = torch.randn(2, 2, 3, 3, 3, dtype=torch.float64)
    lhs = (apply_filter(x, f) * y).sum()
    rhs = (f * apply_feat_transpose(x, y, 3)).sum()
    assert torch.allclose(lhs, rhs, rtol=1e-12)


@pytest.mark.parametrize("kernel", [(1, 1), (3, 3), (5, 3), (4, 4)])
def test_feat_transpose_matrix_form_equals_convolution_form(kernel):
    from ltr.models.layers import filter as filt_mod

    g = torch.Generator().manual_seed(3)
    x = torch.randn(4, 2, 6, 7, 9, generator=g, dtype=torch.float64)
    f = torch.randn(2, 3, 6, *kernel, generator=g, dtype=torch.float64)
    r = torch.randn(apply_filter(x, f).shape, generator=g, dtype=torch.float64)
    conv = filt_mod._feat_transpose_conv(x, r, *kernel)
    out = apply_feat_transpose(x, r, kernel)
    assert out.shape == f.shape
    assert torch.allclose(out, conv, rtol=1e-10, atol=1e-12)
    assert torch.allclose((apply_filter(x, f) * r).sum(), (f * out).sum(), rtol=1e-10)  # adjoint, also for (4, 4)
    if kernel[0] % 2:
        assert torch.allclose(filt_mod._feat_transpose_gemm(x, r, *kernel), conv, rtol=1e-10, atol=1e-12)


def test_features_laid_out_once_per_learner_call_give_the_same_iterates(monkeypatch):
    from ltr.models.layers.filter import pad_for_transpose

    x, y, v = _problem(dtype=torch.float32, seed=4)
    r = torch.randn(apply_filter(x, torch.zeros(2, 2, 3, 3, 3)).shape)
    assert torch.equal(apply_feat_transpose(x, r, 3, padded=pad_for_transpose(x, 3)), apply_feat_transpose(x, r, 3))
    assert pad_for_transpose(x, (4, 4)) is None  # even kernels use the convolution form
    learner = _learner(True)
    f0 = torch.zeros(2, 2, 3, 3, 3)
    seen = []
    original = LWTLResidual._transpose

    def spy(self, residual, filt, feat, sample_weight, padded_feat):
        seen.append(padded_feat)
        return original(self, residual, filt, feat, sample_weight, padded_feat)

    monkeypatch.setattr(LWTLResidual, "_transpose", spy)
    fa, ia, la = learner(f0, feat=x, label=y, sample_weight=v)
    assert len(seen) == 5 and seen[0] is not None and all(p is seen[0] for p in seen)  # laid out once, reused
    monkeypatch.setattr(LWTLResidual, "prepare", lambda self, params, feat, **kw: dict(kw, feat=feat))
    fb, ib, lb = learner(f0, feat=x, label=y, sample_weight=v)
    assert seen[-1] is None
    assert torch.equal(fa, fb) and all(torch.equal(p, q) for p, q in zip(ia, ib))


@pytest.mark.parametrize("detach_length", [float("inf"), 2])
def test_affine_residual_update_equals_recomputing_the_residual(monkeypatch, detach_length):
    """The learner updates r along each step instead of applying the filter again: same iterates and losses."""
    from ltr.models.lwl import loss_residual_modules

    x, y, v = _problem(seed=6)
    learner = _learner(True, num_iter=6)
    learner.detach_length = detach_length
    f0 = torch.randn(2, 2, 3, 3, 3, dtype=torch.float64) * 0.1
    calls = []
    original_apply = loss_residual_modules.apply_filter
    monkeypatch.setattr(loss_residual_modules, "apply_filter", lambda *a: calls.append(1) or original_apply(*a))
    fa, ia, la = learner(f0, feat=x, label=y, sample_weight=v)
    updated_calls = len(calls)
    learner.update_residual = False  # r recomputed every iteration
    calls.clear()
    fb, ib, lb = learner(f0, feat=x, label=y, sample_weight=v)
    monkeypatch.delattr(LWTLResidual, "transpose_product")  # no affine declaration: the same as update_residual=False
    calls.clear()
    learner.update_residual = True
    fc, ic, lc = learner(f0, feat=x, label=y, sample_weight=v)
    assert len(calls) == 2 * 6 + 1 and torch.equal(fb, fc) and torch.equal(torch.stack(lb), torch.stack(lc))
    # one filter application per iteration (J g), plus r(f) at the start, after each detach, and the final loss
    restarts = 1 if detach_length == float("inf") else 3
    assert updated_calls == 6 + restarts + 1 and len(calls) == 2 * 6 + 1
    assert all(torch.allclose(p, q, rtol=1e-10, atol=1e-12) for p, q in zip(ia, ib))
    assert torch.allclose(torch.stack(la), torch.stack(lb), rtol=1e-10)


def test_under_autocast_the_residual_is_recomputed_every_iteration(monkeypatch):
    from ltr.models.lwl import loss_residual_modules

    x, y, v = _problem(dtype=torch.float32, seed=7)
    learner = _learner(True, num_iter=4)
    calls = []
    original_apply = loss_residual_modules.apply_filter
    monkeypatch.setattr(loss_residual_modules, "apply_filter", lambda *a: calls.append(1) or original_apply(*a))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        learner(torch.zeros(2, 2, 3, 3, 3), feat=x, label=y, sample_weight=v)
    assert len(calls) == 2 * 4 + 1
    calls.clear()
    learner(torch.zeros(2, 2, 3, 3, 3), feat=x, label=y, sample_weight=v)
    assert len(calls) == 4 + 1 + 1


@pytest.mark.parametrize("closed_form", [True, False])
def test_converges_to_weighted_ridge_solution(closed_form):
    x, y, v = _problem(c=2, o=1)
    lam = 0.3
    s, o, c, k = 2, 1, 2, 3
    n = o * c * k * k
    for seq in range(s):  # closed form per sequence from the normal equations
        a = torch.stack([apply_filter(x[:, seq:seq + 1], e.view(1, o, c, k, k))[:, 0].reshape(-1)
                         for e in torch.eye(n, dtype=torch.float64)], dim=1)  # (T*O*h*w, n)
        wv = v[:, seq].reshape(-1)
        lhs = a.T @ (wv[:, None] ** 2 * a) + lam ** 2 * torch.eye(n, dtype=torch.float64)
        rhs = a.T @ (wv ** 2 * y[:, seq].reshape(-1))
        f_star = torch.linalg.solve(lhs, rhs).view(o, c, k, k)
        learner = _learner(closed_form, lam, num_iter=300).double()
        with torch.no_grad():
            f, iterates, losses = learner(torch.zeros(s, o, c, k, k, dtype=torch.float64), feat=x, label=y,
                                          sample_weight=v)
        assert torch.allclose(f[seq], f_star, atol=1e-7), (f[seq] - f_star).abs().max()
        assert len(iterates) == 301 and len(losses) == 301
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise([l.item() for l in losses]))


def test_closed_form_equals_autograd_path():
    x, y, v = _problem(dtype=torch.float32, seed=3)
    a, b = _learner(True), _learner(False)
    b.load_state_dict(a.state_dict())
    f0 = torch.zeros(2, 2, 3, 3, 3)
    fa, ia, la = a(f0, feat=x, label=y, sample_weight=v)
    fb, ib, lb = b(f0, feat=x, label=y, sample_weight=v)
    assert torch.allclose(fa, fb, rtol=1e-5, atol=1e-6)
    assert torch.allclose(torch.stack(la), torch.stack(lb), rtol=1e-5)


@pytest.mark.parametrize("closed_form", [True, False])
def test_gradcheck_features_labels_weights_lambda(closed_form):
    x, y, v = _problem(t=2, s=1, c=2, o=1, h=3, w=3, seed=5)
    learner = _learner(closed_form, num_iter=2).double()

    def run(feat, label, weight, lam):
        f, _, _ = functional_call(learner, {"residual_module.filter_reg": lam},
                                  (torch.zeros(1, 1, 2, 3, 3, dtype=torch.float64),),
                                  dict(feat=feat, label=label, sample_weight=weight))
        return f

    inputs = tuple(t.clone().requires_grad_(True) for t in (x, y, v, torch.tensor([0.4], dtype=torch.float64)))
    assert torch.autograd.gradcheck(run, inputs, eps=1e-6, atol=1e-5)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2 ** 20


@pytest.mark.parametrize("closed_form", [True, False])
def test_inference_keeps_no_graph(closed_form):
    learner = _learner(closed_form, num_iter=5)
    x = torch.randn(3, 1, 32, 15, 26, requires_grad=True)  # even inputs that require grad
    y, v = torch.randn(3, 1, 8, 15, 26), torch.rand(3, 1, 8, 15, 26)
    f0 = torch.zeros(1, 8, 32, 3, 3)
    with torch.no_grad():
        for _ in range(10):
            learner(f0, feat=x, label=y, sample_weight=v)
    gc.collect()
    before = _rss_mb()
    with torch.no_grad():
        for _ in range(100):
            f, iterates, losses = learner(f0, feat=x, label=y, sample_weight=v)
            assert f.grad_fn is None and not f.requires_grad
            assert all(i.grad_fn is None for i in iterates) and all(l.grad_fn is None for l in losses)
    gc.collect()
    assert _rss_mb() - before < 30.0
    assert not f0.requires_grad  # the caller's filter is left untouched


def test_inference_mode_closed_form_and_clear_error_for_autograd():
    x, y, v = _problem(dtype=torch.float32)
    with torch.inference_mode():
        f, _, _ = _learner(True)(torch.zeros(2, 2, 3, 3, 3), feat=x, label=y, sample_weight=v)
        assert f.shape == (2, 2, 3, 3, 3)
        with pytest.raises(RuntimeError, match="inference_mode"):
            _learner(False)(torch.zeros(2, 2, 3, 3, 3), feat=x, label=y, sample_weight=v)


def test_sample_weight_variants():
    x, y, _ = _problem(dtype=torch.float32)
    res = LWTLResidual(0.1)
    f = [torch.randn(2, 2, 3, 3, 3)]
    r_none = res(f, x, y, None)[0]
    r_scalar = res(f, x, y, torch.full((3,), 3 ** -0.5))[0]  # 1-D: one weight per frame
    assert torch.allclose(r_none, r_scalar, atol=1e-6)
    assert torch.allclose(r_none, 3 ** -0.5 * (apply_filter(x, f[0]) - y), atol=1e-6)
