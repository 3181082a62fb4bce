"""Step 1 of the Sec. 4.2 experiment: ``ltr-train weak box2mask_a`` -- Box2Mask trained on set A only.

Set A is the 1/10 of YouTube-VOS 2019 train (minus YT300) whose masks may be used (split ``weak_a``,
``ltr/data_specs/youtubevos2019_weak_a.txt``). Otherwise the paper's Box2Mask recipe (``box2mask/default``).
Needs ``youtubevos_dir`` and the Mask R-CNN weights (see ``box2mask/default``).
Writes ``<checkpoint_dir>/weak/box2mask_a/STANet_ep%04d.pth.tar``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import Box2MaskConfig, train
from ltr.trainers import LTRTrainer

WEAK_BOX2MASK = replace(Box2MaskConfig(), description="Box2Mask on set A of the Sec. 4.2 split",
                        datasets=[["youtubevos_weak_a", 1]])


def run(settings: Settings) -> LTRTrainer:
    """Train Box2Mask on set A."""
    return train(settings, WEAK_BOX2MASK)
