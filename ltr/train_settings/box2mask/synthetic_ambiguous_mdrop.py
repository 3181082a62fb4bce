"""``ltr-train box2mask synthetic_ambiguous_mdrop``: ``synthetic_ambiguous`` where the decoder gets zeros in place of
the single-frame encoding m_t in a random half of the training batches (the paper's network at inference).

Why (docs/evidence_ambiguous.md): with m_t always there the decoder settles on it, the learner's features never come
to encode which object is which, and the aggregated s_t then carries nothing the decoder could use -- a circle the
MultiFrame network (m_t always zero) breaks but slowly. Dropping m_t in half of the batches keeps the quick start of
the full network and still makes the decoder, and through it the learner's features, depend on s_t.
"""
from __future__ import annotations

import random
from dataclasses import replace
from typing import Any, Dict, Tuple

import torch

from ltr.actors.box2mask import Box2MaskActor
from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import Box2MaskConfig, train
from ltr.train_settings.box2mask.synthetic_ambiguous import SYNTHETIC_AMBIGUOUS
from ltr.trainers import LTRTrainer

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "ambiguous"
#: probability that a training batch goes through the decoder without m_t
DROP_PROBABILITY = 0.5

SYNTHETIC_AMBIGUOUS_MDROP = replace(SYNTHETIC_AMBIGUOUS, description="m_t zeroed in a random half of the training "
                                    "batches (MultiFrame half of the time); both at inference")
CONFIG = SYNTHETIC_AMBIGUOUS_MDROP


class SingleFrameDropActor(Box2MaskActor):
    """:class:`Box2MaskActor` that runs a training batch without the single-frame encoding with probability ``drop``
    (global ``random``, seeded by the launcher); evaluation batches and the saved network keep it."""

    def __init__(self, net: torch.nn.Module, drop: float = DROP_PROBABILITY, **kwargs: Any):
        super().__init__(net, **kwargs)
        self.drop = float(drop)

    def __call__(self, data: Dict[str, Any]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        net = getattr(self.net, "module", self.net)
        net.single_frame_encoding = not (net.training and random.random() < self.drop)
        try:
            return super().__call__(data)
        finally:
            net.single_frame_encoding = True


def train_mdrop(settings: Settings, config: Box2MaskConfig) -> LTRTrainer:
    """``base.train`` with :class:`SingleFrameDropActor` as the actor (shared by the m_t-drop settings)."""
    return train(settings, config, actor_class=SingleFrameDropActor)


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet with m_t dropped in half of the batches."""
    return train_mdrop(settings, SYNTHETIC_AMBIGUOUS_MDROP)
