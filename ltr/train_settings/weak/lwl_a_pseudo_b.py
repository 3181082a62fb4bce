"""Step 3 of the Sec. 4.2 experiment: ``ltr-train weak lwl_a_pseudo_b`` -- LWL on set A (ground-truth masks) plus
set B with the pseudo masks of the Box2Mask trained on A.

The paper fixes only the length, 100k iterations. Our recipe: LWL stage 1 (backbone fixed at the Mask R-CNN
weights, stage-1 learning rates) for 100 epochs of 1000 x 20 samples, x0.2 after epoch 57 (stage 1's 40/70 scaled),
A : B sampled 1 : 9 (their sizes), validation on YT300 every 5 epochs.
Needs ``youtubevos_dir``, ``pseudo_mask_dir`` (masks in ``<pseudo_mask_dir>/youtubevos_weak_b/<video>/<object>/``,
as ``box2mask weak`` links them) and the Mask R-CNN weights. Writes ``<checkpoint_dir>/weak/lwl_a_pseudo_b/``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import train
from ltr.train_settings.lwl.stage1 import STAGE1
from ltr.trainers import LTRTrainer

WEAK_LWL = replace(STAGE1, description="LWL on set A + pseudo-masked set B (Sec. 4.2), 100k iterations",
                   datasets=[["youtubevos_weak_a", 1], ["youtubevos_weak_b_pseudo", 9]],
                   val_datasets=[["youtubevos_yt300", 1]], num_epochs=100, lr_milestones=[57])


def run(settings: Settings) -> LTRTrainer:
    """Train LWL on A + pseudo B."""
    return train(settings, WEAK_LWL)
