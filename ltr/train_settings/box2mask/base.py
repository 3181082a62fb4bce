"""Shared Box2Mask (STANet) training recipe; the settings in this folder are :class:`Box2MaskConfig` variants.

Recipe (paper Sec. 3.4, defaults of :class:`Box2MaskConfig`): sub-sequences of T = 3 frames within 100 frames,
sequences drawn without replacement per epoch from YouTube-VOS 2019 train and DAVIS 2017 train with probabilities
6 : 1; per frame a crop of 5x the tight box of the ground-truth mask (never larger than the image) resized to
832x480; horizontal flips only. STANet with a ResNet-50 initialised from Mask R-CNN weights and kept fixed; loss of
Eq. 4 (first-pass + refined Lovasz); Adam, learning rate 1e-2 divided by 5 after 30k and 60k iterations, 80k
iterations of batch 4 (80 epochs of 1000 iterations).

Every config field can be overridden on the command line, ``ltr-train box2mask default --set lr=5e-3`` (see
:func:`ltr.train_settings.setting_utils.resolve_config`); ``batch_size`` and ``num_workers`` are the usual
``Settings`` fields.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Type

import torch

from ltr.actors.box2mask import Box2MaskActor
from ltr.admin.loading import load_mrcnn_backbone
from ltr.admin.settings import Settings, SettingsError
from ltr.data.processing_base import CropParams
from ltr.data.processing_box2mask import Box2MaskProcessing
from ltr.data.sampler_base import EpochLTRLoader
from ltr.data.sampler_box2mask import Box2MaskSampler
from ltr.models.lwl import sta_net
from ltr.train_settings import datasets as dataset_table
from ltr.train_settings.setting_utils import DEFAULT_MRCNN_WEIGHTS, epochs_for, resolve_config, resolve_file
from ltr.trainers import LTRTrainer, build_adam

logger = logging.getLogger(__name__)

#: STANet as released with RTS (``sta.pth.tar``, docs/reference-notes.md, "Released networks"), with the whole backbone fixed (paper Sec. 3.4).
STANET_KWARGS: Dict[str, Any] = dict(
    filter_size=3, num_filters=16, optim_iter=5, out_feature_dim=512, label_encoder_dims=[16, 32, 64, 128],
    use_bn_in_label_enc=False, clf_feat_blocks=0, final_conv=True, backbone_type="mrcnn",
    frozen_backbone_layers="all")


@dataclass
class Box2MaskConfig:
    """Everything a Box2Mask train setting chooses (defaults: the paper's recipe)."""

    description: str = "Box2Mask (STANet), paper Sec. 3.4: YouTube-VOS + DAVIS, 80k iterations"
    net: Dict[str, Any] = field(default_factory=lambda: dict(STANET_KWARGS))
    mrcnn_weights: Optional[str] = DEFAULT_MRCNN_WEIGHTS  # None: no pretrained backbone
    datasets: List[Any] = field(default_factory=lambda: [["youtubevos_train", 6], ["davis_train", 1]])
    val_datasets: List[Any] = field(default_factory=list)  # e.g. [["youtubevos_yt300", 1]]
    skip_missing_sequences: bool = False          # True: train on the split's sequences present on disk
    num_frames: int = 3
    max_window: int = 100
    search_area_factor: float = 5.0
    output_size: List[int] = field(default_factory=lambda: [832, 480])  # (width, height)
    crop_mode: str = "inside"
    flip_probability: float = 0.5
    batch_size: int = 4
    num_workers: int = 8
    iterations: int = 80000
    iterations_per_epoch: int = 1000
    val_iterations: int = 100                     # per validation pass
    val_interval: int = 5                         # epochs between validation passes
    lr: float = 1e-2
    lr_milestones: List[int] = field(default_factory=lambda: [30000, 60000])  # in iterations
    lr_gamma: float = 0.2
    learner_iterations: Optional[int] = None      # None: the network's optim_iter (5)
    loss_weight: float = 1.0


def build_net(settings: Settings, cfg: Box2MaskConfig) -> torch.nn.Module:
    """STANet from ``cfg.net``, backbone loaded from ``cfg.mrcnn_weights`` when given."""
    net = sta_net.steepest_descent_resnet50(**cfg.net)
    if cfg.mrcnn_weights:
        if cfg.net.get("backbone_type") != "mrcnn":
            raise SettingsError(f"mrcnn_weights needs net backbone_type='mrcnn', got {cfg.net.get('backbone_type')!r}"
                                f" (--set mrcnn_weights=None for no pretrained backbone)")
        load_mrcnn_backbone(net.feature_extractor, resolve_file(settings, cfg.mrcnn_weights, "mrcnn_weights"))
    # STANet computes the weight head of its single-frame box encoder and discards it (quirk Q4 in docs/reference-notes.md): those
    # parameters never get a gradient, so they are frozen (DistributedDataParallel requires every trained
    # parameter to take part in the loss)
    for p in net.label_encoder.samp_w_pred.parameters():
        p.requires_grad_(False)
    net.train()  # applies the backbone's frozen layers (requires_grad off) before the optimiser is built
    # the input convention of this training (read by box2mask's STANet method once checkpoints carry it; the
    # weak-supervision driver writes it into the exported network file)
    net.info = {"input_format": "bgr255_mrcnn"}
    return net


def build_loaders(settings: Settings, cfg: Box2MaskConfig) -> List[EpochLTRLoader]:
    """The training loader (and a validation loader when ``cfg.val_datasets`` is set)."""
    if len(cfg.output_size) != 2:
        raise SettingsError(f"output_size must be [width, height], got {cfg.output_size}")
    processing = Box2MaskProcessing(CropParams(cfg.search_area_factor, tuple(cfg.output_size), cfg.crop_mode),
                                    flip_probability=cfg.flip_probability)
    datasets, weights = dataset_table.build_mixture(settings.env, cfg.datasets, cfg.skip_missing_sequences)
    train = Box2MaskSampler(datasets, weights, settings.batch_size * cfg.iterations_per_epoch, cfg.num_frames,
                            cfg.max_window, processing)
    loaders = [EpochLTRLoader("train", train, training=True, batch_size=settings.batch_size,
                              **settings.loader_workers(), stack_dim=1, shuffle=False, drop_last=True)]
    if cfg.val_datasets:
        val_sets, val_weights = dataset_table.build_mixture(settings.env, cfg.val_datasets,
                                                               cfg.skip_missing_sequences)
        val_processing = Box2MaskProcessing(processing.crop, flip_probability=0.0)
        val = Box2MaskSampler(val_sets, val_weights, settings.batch_size * cfg.val_iterations, cfg.num_frames,
                              cfg.max_window, val_processing)
        loaders.append(EpochLTRLoader("val", val, training=False, batch_size=settings.batch_size,
                                      **settings.loader_workers(), stack_dim=1, shuffle=False,
                                      drop_last=True, epoch_interval=cfg.val_interval))
    return loaders


def train(settings: Settings, config: Box2MaskConfig, actor_class: Type[Box2MaskActor] = Box2MaskActor) -> LTRTrainer:
    """Train STANet with ``config`` (after command-line overrides) through an ``actor_class`` actor (a
    :class:`Box2MaskActor` or a subclass taking the same arguments); returns the trainer."""
    cfg = resolve_config(settings, config)
    settings.description = cfg.description
    settings.num_epochs = epochs_for(cfg.iterations, cfg.iterations_per_epoch)
    logger.info("Datasets:\n%s", dataset_table.describe(cfg.datasets + cfg.val_datasets))
    dataset_table.check_paths(settings.env, cfg.datasets + cfg.val_datasets)  # settings errors first,
    net = build_net(settings, cfg)  # then weights: a wrong path fails before any data is read
    loaders = build_loaders(settings, cfg)
    actor = actor_class(net, loss_weight=cfg.loss_weight, num_iter=cfg.learner_iterations)
    optimizer = build_adam(net, lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=list(cfg.lr_milestones),
                                                     gamma=cfg.lr_gamma)
    trainer = LTRTrainer(actor, loaders, optimizer, settings, lr_scheduler=scheduler, lr_step="iteration")
    trainer.train(settings.num_epochs)
    return trainer
