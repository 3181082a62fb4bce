"""Steepest descent with exact line search on a Gauss-Newton objective (the learner of LWL and STANet, Eq. 2b).

The objective is ``L(f) = 1/2 ||r(f)||^2`` for a residual vector ``r`` returned by a residual module (a list of
tensors, e.g. a data part and a regularisation part). One iteration:

1. ``r = r(f)``; the recorded loss is ``sum(r**2) / numel(r)`` over all parts. A residual module that offers
   ``transpose_product(r, params, **kw) -> J^T r`` declares ``r`` affine in ``f``: then ``r`` is computed once and
   afterwards updated as ``r <- r - alpha J g`` (step 5), which saves one filter application per iteration (the
   same numbers up to float rounding; tested against the recomputed residual). Under autocast (bf16/fp16) ``r`` is
   recomputed every iteration instead, so reduced-precision rounding does not accumulate;
2. ``g = J^T r`` (the gradient);
3. ``J g``;
4. step length per sequence ``alpha = |g|^2 / max(|J g|^2 + steplength_reg |g|^2, 1e-8)`` -- the exact minimiser along
   ``-g`` when ``r`` is affine in ``f`` (true for the filter learners here);
5. ``f <- f - alpha g``.

Two ways to get ``g`` and ``J g``:

* generic: autograd, as the reference does (``g`` as a vector-Jacobian product, ``J g`` by differentiating ``g`` with
  respect to a dummy output gradient). Works for any residual module.
* closed form: when the residual module implements ``residual_and_gradient(params, **kw) -> (r, g)`` and
  ``jacobian_product(direction, **kw) -> J d``. No autograd graph is needed at inference (the ops are ordinary
  convolutions, so training still differentiates through them). Used by default when available; both paths give the
  same numbers up to float rounding (tested).

The iterates stay connected to the graph (``detach_length = inf``), so in training the gradient flows through all
iterations into features, labels, weights and the regulariser. Called under ``torch.no_grad()`` / inference mode, the
closed form builds no graph at all and the generic path detaches everything it returns.
"""
from __future__ import annotations

import contextlib
import math
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn as nn

Params = Union[torch.Tensor, Sequence[torch.Tensor]]


def _sqr_norm(parts: Sequence[torch.Tensor], batch_dim: int) -> torch.Tensor:
    """Sum of squares of every part over all dims except ``batch_dim``, added over parts."""
    total = None
    for e in parts:
        s = (e * e).sum(dim=[d for d in range(e.dim()) if d != batch_dim])
        total = s if total is None else total + s
    return total


def _along(values: torch.Tensor, batch_dim: int, like: torch.Tensor) -> torch.Tensor:
    """Per-sequence ``values`` shaped to broadcast along ``batch_dim`` of ``like``."""
    return values.reshape([-1 if d == batch_dim else 1 for d in range(like.dim())])


def _loss(parts: Sequence[torch.Tensor]) -> torch.Tensor:
    return sum((e * e).sum() for e in parts) / sum(e.numel() for e in parts)


class GNSteepestDescent(nn.Module):
    """Unrolled steepest descent for ``min_f 1/2 ||r(f)||^2``; see the module docstring.

    Args:
        residual_module: callable ``(params: list[Tensor], **kwargs) -> list[Tensor]``.
        num_iter: default number of iterations.
        compute_losses: record the loss before every step and after the last one.
        detach_length: detach the iterate every this many iterations (``inf``: never).
        parameter_batch_dim / residual_batch_dim: the sequence dimension of the parameters / residual parts; the
            step length is computed per sequence.
        steplength_reg: adds ``steplength_reg * |g|^2`` to the step-length denominator.
        use_closed_form: use the residual module's closed-form gradient when it has one.
        update_residual: update an affine residual along each step (see the module docstring) instead of
            recomputing it; False recomputes it every iteration (for comparison: ``benchmarks/learner_forms.py``).
    """

    def __init__(self, residual_module: nn.Module, num_iter: int = 1, compute_losses: bool = False,
                 detach_length: float = float("inf"), parameter_batch_dim: int = 0, residual_batch_dim: int = 0,
                 steplength_reg: float = 0.0, use_closed_form: bool = True, update_residual: bool = True):
        super().__init__()
        self.residual_module = residual_module
        self.num_iter = num_iter
        self.compute_losses = compute_losses
        self.detach_length = detach_length
        self.parameter_batch_dim = parameter_batch_dim
        self.residual_batch_dim = residual_batch_dim
        self.steplength_reg = steplength_reg
        self.use_closed_form = use_closed_form
        self.update_residual = update_residual

    def _closed_form_available(self) -> bool:
        return (self.use_closed_form and hasattr(self.residual_module, "residual_and_gradient")
                and hasattr(self.residual_module, "jacobian_product"))

    def _terms_autograd(self, params: List[torch.Tensor], kwargs) -> Tuple[list, list, list]:
        params = [p if p.requires_grad else p.detach().requires_grad_(True) for p in params]
        r = list(self.residual_module(params, **kwargs))
        u = [e.clone() for e in r]
        g = list(torch.autograd.grad(r, params, u, create_graph=True))
        jg = list(torch.autograd.grad(g, u, g, create_graph=True))
        return r, g, jg

    def _terms_closed_form(self, params: List[torch.Tensor], kwargs) -> Tuple[list, list, list]:
        r, g = self.residual_module.residual_and_gradient(params, **kwargs)
        jg = self.residual_module.jacobian_product(g, **kwargs)
        return list(r), list(g), list(jg)

    def forward(self, meta_parameter: Params, num_iter: int = None, **kwargs):
        """Run the iterations from ``meta_parameter``.

        Returns ``(final, iterates, losses)``: ``iterates`` holds ``num_iter + 1`` entries (the start included),
        ``losses`` ``num_iter + 1`` scalars when ``compute_losses``. A plain tensor in gives plain tensors out; a list
        or tuple of tensors gives lists.
        """
        input_is_list = not torch.is_tensor(meta_parameter)
        params = list(meta_parameter) if input_is_list else [meta_parameter]
        num_iter = self.num_iter if num_iter is None else num_iter
        grad_enabled = torch.is_grad_enabled()
        closed_form = self._closed_form_available()
        if not closed_form and torch.is_inference_mode_enabled():
            raise RuntimeError("The autograd learner cannot run under torch.inference_mode(); use torch.no_grad() "
                               "or a residual module with a closed-form gradient")

        if closed_form and hasattr(self.residual_module, "prepare"):  # per-call work shared by all iterations
            kwargs = self.residual_module.prepare(params, **kwargs)
        # reduced-precision autocast: recompute r every iteration rather than let rounding accumulate in the updates
        affine = (closed_form and self.update_residual and hasattr(self.residual_module, "transpose_product")
                  and not torch.is_autocast_enabled(params[0].device.type))
        iterates = [params if input_is_list else params[0]]
        losses = []
        r = None
        with torch.enable_grad() if not closed_form else contextlib.nullcontext():
            for i in range(num_iter):
                if i > 0 and math.isfinite(self.detach_length) and i % int(self.detach_length) == 0:
                    params = [p.detach() for p in params]
                    r = None
                if affine and r is not None:  # r(f - alpha g) = r(f) - alpha J g, updated below
                    g = list(self.residual_module.transpose_product(r, params, **kwargs))
                    jg = list(self.residual_module.jacobian_product(g, **kwargs))
                elif closed_form:
                    r, g, jg = self._terms_closed_form(params, kwargs)
                else:
                    r, g, jg = self._terms_autograd(params, kwargs)
                if self.compute_losses:
                    losses.append(_loss(r))
                ip_gg = _sqr_norm(g, self.parameter_batch_dim)
                ip_hh = _sqr_norm(jg, self.residual_batch_dim)
                alpha = ip_gg / (ip_hh + self.steplength_reg * ip_gg).clamp(1e-8)
                params = [p - _along(alpha, self.parameter_batch_dim, e) * e for p, e in zip(params, g)]
                if affine:
                    r = [e - _along(alpha, self.residual_batch_dim, j) * j for e, j in zip(r, jg)]
                iterates.append(params if input_is_list else params[0])
            if self.compute_losses:
                losses.append(_loss(self.residual_module(params, **kwargs)))

        if not grad_enabled and not closed_form:
            params = [p.detach() for p in params]
            iterates = [[p.detach() for p in it] if input_is_list else it.detach() for it in iterates]
            losses = [l.detach() for l in losses]
        final = params if input_is_list else params[0]
        return final, iterates, losses

