"""The "Only A" baseline of Sec. 4.2: ``ltr-train weak lwl_a_only`` -- ``lwl_a_pseudo_b`` without set B.

Needs ``youtubevos_dir`` and the Mask R-CNN weights. Writes ``<checkpoint_dir>/weak/lwl_a_only/``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import train
from ltr.train_settings.weak.lwl_a_pseudo_b import WEAK_LWL
from ltr.trainers import LTRTrainer

ONLY_A = replace(WEAK_LWL, description="LWL on set A only (Sec. 4.2 baseline), 100k iterations",
                 datasets=[["youtubevos_weak_a", 1]])


def run(settings: Settings) -> LTRTrainer:
    """Train LWL on set A."""
    return train(settings, ONLY_A)
