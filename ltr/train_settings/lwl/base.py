"""Shared LWL training recipe; the settings in this folder are :class:`LWLConfig` variants.

Defaults (docs/reference-notes.md, "Training defaults", LWL stage 2): sampler with 1 train + 3 test frames within 100 frames, YouTube-VOS
2019 'jjtrain' : DAVIS 2017 train = 6 : 1; crops of 5x the jittered mask box (``inside_major``) resized to 832x480;
joint BGR / 5 % grayscale / 50 % flip per frame group, per-frame random affine (rotation 15 deg, scale exp(0.2)),
brightness jitter 0.2 and Mask R-CNN mean subtraction; :class:`~ltr.actors.segmentation.LWLActor` (loss 100 x
Lovasz, BN frozen, 2 refinement steps that -- unlike the released code -- are used for the predictions); Adam with
per-module learning rates, MultiStepLR in epochs, 1000 iterations of batch 20 per epoch, validation on
'jjvalid' every 5 epochs.

Every field can be overridden on the command line (``--set lr_milestones=[30,70]``); ``batch_size``,
``num_workers`` and ``num_epochs`` are the usual ``Settings`` fields. Parameters outside the ``lr_groups`` modules
are frozen (``requires_grad`` off), so e.g. the box-init setting trains only the box encoder.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn

from ltr.actors.segmentation import LWLActor, LWLBoxActor
from ltr.admin.loading import load_mrcnn_backbone
from ltr.admin.settings import Settings, SettingsError
from ltr.data.loader import LTRLoader
from ltr.data.processing_base import CropParams, JitterParams
from ltr.data.processing_lwl import LWLProcessing, lwl_frame_transform, lwl_joint_transform
from ltr.data.sampler_lwl import LWLSampler
from ltr.models.lwl import lwl_box_net, lwl_net
from ltr.train_settings import datasets as dataset_table
from ltr.train_settings.setting_utils import load_init_network, resolve_config, resolve_file
from ltr.trainers import LTRTrainer, build_adam

logger = logging.getLogger(__name__)

#: LWL as released (``lwl_stage2.pth``, docs/reference-notes.md, "Released networks").
LWL_KWARGS: Dict[str, Any] = dict(
    filter_size=3, num_filters=16, optim_iter=5, out_feature_dim=512, label_encoder_dims=[16, 32, 64],
    use_bn_in_label_enc=False, clf_feat_blocks=0, final_conv=True, backbone_type="mrcnn",
    frozen_backbone_layers=["conv1", "bn1", "layer1"])

#: LWL stage 2 learning rates (module path -> lr).
STAGE2_LR = {"target_model.filter_initializer": 5e-5, "target_model.filter_optimizer": 2e-5,
             "target_model.feature_extractor": 2e-5, "decoder": 2e-5, "label_encoder": 2e-5,
             "feature_extractor.layer2": 2e-5, "feature_extractor.layer3": 2e-5, "feature_extractor.layer4": 2e-5}

NETWORKS = {"lwl": lwl_net.steepest_descent_resnet50, "lwl_box": lwl_box_net.steepest_descent_resnet50}
ACTORS = ("lwl", "box")


@dataclass
class LWLConfig:
    """Everything an LWL train setting chooses (defaults: LWL stage 2 as released, refinement used)."""

    description: str = "LWL stage 2: YouTube-VOS + DAVIS, backbone layers 2-4 fine-tuned"
    network: str = "lwl"                                 # 'lwl' (LWTLNet) or 'lwl_box' (LWTLBoxNet)
    net: Dict[str, Any] = field(default_factory=lambda: dict(LWL_KWARGS))
    mrcnn_weights: Optional[str] = None                  # Mask R-CNN backbone weights (stage 1)
    init_checkpoint: Optional[str] = "latest:lwl/stage1"  # a trained network to start from
    init_modules: Optional[List[str]] = None             # copy only these submodules (None: the whole network)
    datasets: List[Any] = field(default_factory=lambda: [["youtubevos_jjtrain", 6], ["davis_train", 1]])
    val_datasets: List[Any] = field(default_factory=lambda: [["youtubevos_jjvalid", 1]])
    skip_missing_sequences: bool = False                 # True: use the split's sequences present on disk
    num_train_frames: int = 1
    num_test_frames: int = 3
    max_gap: int = 100
    search_area_factor: float = 5.0
    output_size: List[int] = field(default_factory=lambda: [832, 480])  # (width, height)
    crop_mode: str = "inside_major"
    max_scale_change: Optional[float] = None
    train_center_jitter: float = 3.0
    train_scale_jitter: float = 0.25
    test_center_jitter: List[float] = field(default_factory=lambda: [5.5, 4.5])
    test_scale_jitter: float = 0.5
    affine: bool = True
    brightness: float = 0.2
    grayscale_probability: float = 0.05
    flip_probability: float = 0.5
    batch_size: int = 20
    num_workers: int = 8
    num_epochs: int = 80
    iterations_per_epoch: int = 1000
    val_iterations: int = 100
    val_interval: int = 5
    lr_groups: Dict[str, float] = field(default_factory=lambda: dict(STAGE2_LR))
    lr_milestones: List[int] = field(default_factory=lambda: [25, 75])  # in epochs
    lr_gamma: float = 0.2
    actor: str = "lwl"                                   # 'lwl' or 'box'
    loss_weight: float = 100.0
    num_refinement_iter: int = 2
    predict_with_refined_filter: bool = True
    disable_all_bn: bool = True


def build_net(settings: Settings, cfg: LWLConfig) -> nn.Module:
    """The network, initialised from Mask R-CNN weights and/or a trained checkpoint, frozen outside ``lr_groups``."""
    if cfg.network not in NETWORKS:
        raise SettingsError(f"network must be one of {sorted(NETWORKS)}, got {cfg.network!r}")
    net = NETWORKS[cfg.network](**cfg.net)
    if cfg.mrcnn_weights:
        load_mrcnn_backbone(net.feature_extractor, resolve_file(settings, cfg.mrcnn_weights, "mrcnn_weights"))
    if cfg.init_checkpoint:
        load_init_network(resolve_file(settings, cfg.init_checkpoint, "init_checkpoint"), net, cfg.init_modules)
    net.train()  # the backbone's frozen layers lose requires_grad here
    groups = param_groups(net, cfg.lr_groups)
    listed = {id(p) for g in groups for p in g["params"]}
    frozen = [p for p in net.parameters() if id(p) not in listed and p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    if frozen:
        logger.info("%d parameter tensors outside lr_groups are frozen", len(frozen))
    return net


def param_groups(net: nn.Module, lr_groups: Dict[str, float]) -> List[Dict[str, Any]]:
    """Optimiser groups ``{'params', 'lr', 'name'}`` of the submodules named in ``lr_groups`` (no overlap)."""
    groups, seen = [], set()
    for name, lr in lr_groups.items():
        try:
            module = net.get_submodule(name)
        except AttributeError as e:
            raise SettingsError(f"lr_groups names {name!r}, which {type(net).__name__} does not have") from e
        params = list(module.parameters())
        if any(id(p) in seen for p in params):
            raise SettingsError(f"lr_groups: {name!r} overlaps an earlier group")
        seen.update(id(p) for p in params)
        groups.append({"params": params, "lr": float(lr), "name": name})
    if not groups:
        raise SettingsError("lr_groups is empty: nothing to train")
    return groups


def build_processing(cfg: LWLConfig, training: bool) -> LWLProcessing:
    """Crops, jitter and transforms; validation uses mean subtraction only (no affine, no brightness)."""
    if len(cfg.output_size) != 2:
        raise SettingsError(f"output_size must be [width, height], got {cfg.output_size}")
    crop = CropParams(cfg.search_area_factor, tuple(cfg.output_size), cfg.crop_mode, cfg.max_scale_change)
    jitter = {"train": JitterParams(cfg.train_center_jitter, cfg.train_scale_jitter),
              "test": JitterParams(tuple(cfg.test_center_jitter), cfg.test_scale_jitter)}
    frame = lwl_frame_transform(affine=cfg.affine and training, brightness=cfg.brightness if training else 0.0)
    return LWLProcessing(crop, jitter, lwl_joint_transform(cfg.grayscale_probability, cfg.flip_probability), frame)


def build_loaders(settings: Settings, cfg: LWLConfig) -> List[LTRLoader]:
    """Training loader, plus a validation loader every ``val_interval`` epochs when ``val_datasets`` is set."""
    specs = [("train", cfg.datasets, cfg.iterations_per_epoch, True)]
    if cfg.val_datasets:
        specs.append(("val", cfg.val_datasets, cfg.val_iterations, False))
    loaders = []
    for name, entries, iterations, training in specs:
        datasets, weights = dataset_table.build_mixture(settings.env, entries, cfg.skip_missing_sequences)
        sampler = LWLSampler(datasets, weights, settings.batch_size * iterations, cfg.max_gap, cfg.num_train_frames,
                             cfg.num_test_frames, build_processing(cfg, training))
        loaders.append(LTRLoader(name, sampler, training=training, batch_size=settings.batch_size,
                                 **settings.loader_workers(), stack_dim=1, drop_last=True,
                                 epoch_interval=1 if training else cfg.val_interval))
    return loaders


def build_actor(net: nn.Module, cfg: LWLConfig):
    """:class:`LWLActor` or :class:`LWLBoxActor`."""
    if cfg.actor == "lwl":
        return LWLActor(net, loss_weight=cfg.loss_weight, num_refinement_iter=cfg.num_refinement_iter,
                        predict_with_refined_filter=cfg.predict_with_refined_filter,
                        disable_all_bn=cfg.disable_all_bn)
    if cfg.actor == "box":
        if cfg.network != "lwl_box":
            raise SettingsError(f"actor 'box' trains the box encoder of network 'lwl_box', got {cfg.network!r}")
        return LWLBoxActor(net, loss_weight=cfg.loss_weight, disable_all_bn=cfg.disable_all_bn)
    raise SettingsError(f"actor must be one of {ACTORS}, got {cfg.actor!r}")


def train(settings: Settings, config: LWLConfig) -> LTRTrainer:
    """Train with ``config`` (after command-line overrides); returns the trainer."""
    cfg = resolve_config(settings, config)
    settings.description = cfg.description
    logger.info("Datasets:\n%s", dataset_table.describe(cfg.datasets + cfg.val_datasets))
    dataset_table.check_paths(settings.env, cfg.datasets + cfg.val_datasets)  # settings errors first,
    net = build_net(settings, cfg)  # then weights: a wrong path fails before any data is read
    loaders = build_loaders(settings, cfg)
    actor = build_actor(net, cfg)
    optimizer = build_adam(param_groups(net, cfg.lr_groups))
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(cfg.lr_milestones),
                                                     gamma=cfg.lr_gamma)
    trainer = LTRTrainer(actor, loaders, optimizer, settings, lr_scheduler=scheduler, lr_step="epoch")
    trainer.train(settings.num_epochs)
    return trainer
