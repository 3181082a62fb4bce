"""LWL stage 1: ``ltr-train lwl stage1`` -- backbone fixed at the Mask R-CNN weights, everything else learned.

Needs: ``youtubevos_dir`` (YouTube-VOS 2019 ``train/``; split lists 'jjtrain' / 'jjvalid' ship with the package),
``davis_dir`` (DAVIS 2017 train) and the Mask R-CNN R-50 weights ``e2e_mask_rcnn_R_50_FPN_1x.pth`` in
``network_path`` (or ``--set mrcnn_weights=PATH``). Reference recipe: Adam with learning rates 5e-5 (initializer),
1e-4 (lambda), 2e-5 (target-model features), 1e-4 (decoder), 2e-4 (label encoder), x0.2 after epoch 40, 70 epochs
of 1000 x 20 samples. Writes ``<checkpoint_dir>/lwl/stage1/LWTLNet_ep%04d.pth.tar`` (the input of ``stage2``).
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import LWL_KWARGS, LWLConfig, train
from ltr.train_settings.setting_utils import DEFAULT_MRCNN_WEIGHTS
from ltr.trainers import LTRTrainer

STAGE1 = replace(
    LWLConfig(), description="LWL stage 1: backbone fixed (Mask R-CNN weights), YouTube-VOS + DAVIS",
    net=dict(LWL_KWARGS, frozen_backbone_layers="all"), mrcnn_weights=DEFAULT_MRCNN_WEIGHTS, init_checkpoint=None,
    lr_groups={"target_model.filter_initializer": 5e-5, "target_model.filter_optimizer": 1e-4,
               "target_model.feature_extractor": 2e-5, "decoder": 1e-4, "label_encoder": 2e-4},
    lr_milestones=[40], num_epochs=70)


def run(settings: Settings) -> LTRTrainer:
    """Train LWL stage 1."""
    return train(settings, STAGE1)
