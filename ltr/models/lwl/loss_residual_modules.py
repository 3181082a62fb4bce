"""The few-shot learner's residual for LWL / STANet: ``r(f) = [v * (x * f - y), lambda * f]`` (paper Eq. 2b)."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from ltr.models.layers.filter import apply_feat_transpose, apply_filter, pad_for_transpose

Weight = Optional[Union[torch.Tensor, float]]


class LWTLResidual(nn.Module):
    """Residual of the target-model objective ``1/2 |v (x * f - y)|^2 + 1/2 lambda^2 |f|^2``.

    ``lambda`` (``filter_reg``) is a learned scalar. Features ``(T, S, C, h, w)``, labels and weights ``(T, S, O, h,
    w)``; a weight tensor with one value per frame (1-D) weights whole frames; ``None`` means ``sqrt(1/T)``.
    Implements the closed-form gradient and Jacobian product used by :class:`GNSteepestDescent`.
    """

    def __init__(self, init_filter_reg: float = 1e-2):
        super().__init__()
        self.filter_reg = nn.Parameter(init_filter_reg * torch.ones(1))

    @staticmethod
    def _weights(sample_weight: Weight, scores: torch.Tensor) -> Union[torch.Tensor, float]:
        if sample_weight is None:
            return math.sqrt(1.0 / scores.shape[0])
        if torch.is_tensor(sample_weight):
            if sample_weight.numel() == scores.numel():
                return sample_weight.reshape(scores.shape)
            if sample_weight.dim() == 1:
                return sample_weight.reshape(-1, 1, 1, 1, 1)
        return sample_weight

    def prepare(self, meta_parameter: Sequence[torch.Tensor], feat: torch.Tensor, **kwargs) -> Dict[str, object]:
        """The keyword arguments for the iterations, plus the features laid out once for the closed-form gradient
        (``padded_feat``; the features do not change between iterations)."""
        padded = pad_for_transpose(feat, meta_parameter[0].shape[-2:])
        return dict(kwargs, feat=feat, padded_feat=padded)

    def forward(self, meta_parameter: Sequence[torch.Tensor], feat: torch.Tensor, label: torch.Tensor,
                sample_weight: Weight = None, padded_feat: Optional[torch.Tensor] = None) -> List[torch.Tensor]:
        """Residual parts ``[data (T, S, O, h, w), regularisation (1, S, O*C*k*k)]``."""
        filt = meta_parameter[0]
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1
        scores = apply_filter(feat, filt)
        w = self._weights(sample_weight, scores)
        data_residual = w * (scores - label.reshape(scores.shape))
        reg_residual = self.filter_reg * filt.reshape(1, num_sequences, -1)
        return [data_residual, reg_residual]

    def residual_and_gradient(self, meta_parameter: Sequence[torch.Tensor], feat: torch.Tensor, label: torch.Tensor,
                              sample_weight: Weight = None, padded_feat: Optional[torch.Tensor] = None
                              ) -> Tuple[List[torch.Tensor], List[torch.Tensor]]:
        """The residual and ``g = J^T r = corr(x, v * r_data) + lambda * r_reg`` (``padded_feat``: see ``prepare``)."""
        r = self.forward(meta_parameter, feat, label, sample_weight)
        return r, self._transpose(r, meta_parameter[0], feat, sample_weight, padded_feat)

    def transpose_product(self, residual: Sequence[torch.Tensor], meta_parameter: Sequence[torch.Tensor],
                          feat: torch.Tensor, label: torch.Tensor = None, sample_weight: Weight = None,
                          padded_feat: Optional[torch.Tensor] = None) -> List[torch.Tensor]:
        """``J^T r`` for a residual ``r`` of the shape :meth:`forward` returns. Offering it tells the learner that the
        residual is affine in the filter, so it may update ``r`` along each step instead of recomputing it."""
        return self._transpose(residual, meta_parameter[0], feat, sample_weight, padded_feat)

    def _transpose(self, residual: Sequence[torch.Tensor], filt: torch.Tensor, feat: torch.Tensor,
                   sample_weight: Weight, padded_feat: Optional[torch.Tensor]) -> List[torch.Tensor]:
        w = self._weights(sample_weight, residual[0])
        return [apply_feat_transpose(feat, w * residual[0], filt.shape[-2:], padded=padded_feat)
                + self.filter_reg * residual[1].reshape(filt.shape)]

    def jacobian_product(self, direction: Sequence[torch.Tensor], feat: torch.Tensor, label: torch.Tensor = None,
                         sample_weight: Weight = None, padded_feat: Optional[torch.Tensor] = None) -> List[torch.Tensor]:
        """``J d = [v * (x * d), lambda * d]`` (the residual is affine in the filter)."""
        d = direction[0]
        num_sequences = feat.shape[1] if feat.dim() == 5 else 1
        scores = apply_filter(feat, d)
        w = self._weights(sample_weight, scores)
        return [w * scores, self.filter_reg * d.reshape(1, num_sequences, -1)]
