"""LWL stage 2: ``ltr-train lwl stage2`` -- fine-tune stage 1 including backbone layers 2-4.

Needs: ``youtubevos_dir``, ``davis_dir`` (as stage 1) and a stage-1 network: by default the newest checkpoint in
``<checkpoint_dir>/lwl/stage1`` (``--set init_checkpoint=PATH`` for another file). Reference recipe: Adam, 5e-5 for
the initializer and 2e-5 for lambda, target-model features, decoder, label encoder and backbone layers 2-4,
x0.2 after epochs 25 and 75, 80 epochs of 1000 x 20 samples. Writes ``<checkpoint_dir>/lwl/stage2/``.
"""
from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import LWLConfig, train
from ltr.trainers import LTRTrainer


def run(settings: Settings) -> LTRTrainer:
    """Train LWL stage 2 (the :class:`LWLConfig` defaults)."""
    return train(settings, LWLConfig())
