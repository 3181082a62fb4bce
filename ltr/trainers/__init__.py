"""Generic training machinery: :class:`LTRTrainer` (iteration loop) on :class:`BaseTrainer` (epochs, checkpoints)."""
from ltr.trainers.base_trainer import (CHECKPOINT_FORMAT, BaseTrainer, build_adam, list_checkpoints,
                                       load_training_checkpoint, trainable_param_groups)
from ltr.trainers.ltr_trainer import LTRTrainer

__all__ = ["BaseTrainer", "LTRTrainer", "build_adam", "trainable_param_groups", "load_training_checkpoint",
           "list_checkpoints", "CHECKPOINT_FORMAT"]
