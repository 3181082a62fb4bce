"""Toy video segmentation: learn to segment a bright, moving rectangle in noisy 16x16 frames.

A complete, small train setting in the house style (``ltr-train examples toy``): a sampling dataset with
``samples_per_epoch`` in 'sequence' layout (frames, ...), a network built by a ``@model_constructor`` factory with a
frozen backbone whose batch norm stays in eval mode, an actor, Adam with per-group learning rates, a MultiStepLR
schedule, and the generic :class:`~ltr.trainers.LTRTrainer`. A few epochs on CPU take seconds and reach an IoU
well above the all-foreground baseline.

Hyper-parameters (``--set name=value``): sampling ('random': draws from the global RNGs like the real samplers;
'indexed': sample i is a fixed function of i), samples_per_epoch, frames, dropout, optimizer ('adam' | 'sgd'), lr,
milestones, lr_step ('epoch' | 'iteration'), shuffle, val_interval (0 = no validation loader).
"""
from __future__ import annotations

import random
from typing import Any, Dict, Tuple

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset

from ltr.actors.base_actor import BaseActor, Stats
from ltr.admin.model_constructor import model_constructor
from ltr.admin.settings import Settings
from ltr.data.loader import LTRLoader
from ltr.trainers import LTRTrainer, build_adam, trainable_param_groups

IMAGE_SIZE = 16


class ToySequences(Dataset):
    """Sequences of ``frames`` noisy frames with a rectangle drifting by up to 2 px per frame.

    Item: ``{'images': (T, 1, H, W) float32, 'masks': (T, 1, H, W) float32 in {0, 1}, 'boxes': (T, 4) [x, y, w, h]}``.
    """

    def __init__(self, samples_per_epoch: int, frames: int = 2, sampling: str = "random", index_offset: int = 0):
        if sampling not in ("random", "indexed"):
            raise ValueError(f"sampling must be 'random' or 'indexed', got {sampling!r}")
        self.samples_per_epoch, self.frames = int(samples_per_epoch), int(frames)
        self.sampling, self.index_offset = sampling, int(index_offset)

    def __len__(self) -> int:
        return self.samples_per_epoch

    def _rngs(self, index: int) -> Tuple[Any, Any, torch.Generator]:
        if self.sampling == "indexed":
            seed = self.index_offset + index
            return random.Random(seed), np.random.default_rng(seed), torch.Generator().manual_seed(seed)
        return random, np.random, torch.default_generator  # like the real samplers: global, per-worker seeded

    def __getitem__(self, index: int) -> Dict[str, torch.Tensor]:
        py, npr, gen = self._rngs(index)
        h, w = py.randint(3, 8), py.randint(3, 8)
        x, y = py.randint(2, IMAGE_SIZE - w - 2), py.randint(2, IMAGE_SIZE - h - 2)
        contrast = 0.6 + 0.8 * float(torch.rand((), generator=gen))
        images, masks, boxes = [], [], []
        for _ in range(self.frames):
            mask = np.zeros((IMAGE_SIZE, IMAGE_SIZE), np.float32)
            mask[y:y + h, x:x + w] = 1.0
            noise = npr.normal(0.0, 0.35, size=(IMAGE_SIZE, IMAGE_SIZE)).astype(np.float32)
            images.append(torch.from_numpy(noise + contrast * mask)[None])
            masks.append(torch.from_numpy(mask)[None])
            boxes.append(torch.tensor([x, y, w, h], dtype=torch.float32))
            x = min(max(x + py.randint(-2, 2), 0), IMAGE_SIZE - w)
            y = min(max(y + py.randint(-2, 2), 0), IMAGE_SIZE - h)
        return {"images": torch.stack(images), "masks": torch.stack(masks), "boxes": torch.stack(boxes)}


class ToySegNet(nn.Module):
    """Backbone (conv + batch norm, optionally frozen) -> head (conv + group norm + dropout) -> 1x1 classifier."""

    def __init__(self, channels: int = 8, dropout: float = 0.1, freeze_backbone: bool = True):
        super().__init__()
        self.freeze_backbone = freeze_backbone
        self.backbone = nn.Sequential(nn.Conv2d(1, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU())
        self.head = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.GroupNorm(2, channels), nn.ReLU(),
                                  nn.Dropout2d(dropout))
        self.classifier = nn.Conv2d(channels, 1, 1)
        if freeze_backbone:
            for p in self.backbone.parameters():
                p.requires_grad_(False)

    def train(self, mode: bool = True) -> "ToySegNet":
        """A frozen backbone keeps its batch norm in eval mode (running statistics untouched)."""
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        return self

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 1, H, W) images -> (N, 1, H, W) foreground logits."""
        return self.classifier(self.head(self.backbone(images)))


@model_constructor
def toy_segnet(channels: int = 8, dropout: float = 0.1, freeze_backbone: bool = True) -> ToySegNet:
    """Factory of :class:`ToySegNet` (recorded in ``net.constructor``)."""
    return ToySegNet(channels=channels, dropout=dropout, freeze_backbone=freeze_backbone)


class ToySegActor(BaseActor):
    """Loss = objective(logits, masks) over all frames of all sequences; IoU of logits > 0."""

    def __call__(self, data: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, Stats]:
        images, masks = data["images"], data["masks"]  # (T, B, 1, H, W)
        logits = self.net(images.reshape(-1, *images.shape[-3:]))
        target = masks.reshape(-1, *masks.shape[-3:])
        loss = self.objective(logits.float(), target)
        pred = logits.detach() > 0
        fg = target > 0.5
        iou = (pred & fg).sum() / (pred | fg).sum().clamp(min=1)
        return loss, {"Loss/total": loss.detach(), "IoU": iou}


def run(settings: Settings) -> LTRTrainer:
    """Train the toy network; returns the trainer (its ``net`` holds the final weights)."""
    settings.description = "Toy segmentation of a moving rectangle (tests and demonstration)"
    settings.batch_size = 8
    settings.num_epochs = 4
    settings.print_interval = 4
    sampling = settings.hparam("sampling", "random")
    samples = settings.hparam("samples_per_epoch", 64)
    frames = settings.hparam("frames", 2)
    lr = settings.hparam("lr", 1e-2)
    optimizer_name = settings.hparam("optimizer", "adam")
    milestones = settings.hparam("milestones", [3])
    lr_step = settings.hparam("lr_step", "epoch")
    val_interval = settings.hparam("val_interval", 2)

    train_data = ToySequences(samples, frames=frames, sampling=sampling)
    loaders = [LTRLoader("train", train_data, training=True, batch_size=settings.batch_size,
                         shuffle=settings.hparam("shuffle", True), **settings.loader_workers(), stack_dim=1,
                         drop_last=True)]
    if val_interval:
        val_data = ToySequences(32, frames=frames, sampling="indexed", index_offset=10 ** 6)
        loaders.append(LTRLoader("val", val_data, training=False, batch_size=settings.batch_size,
                                 **settings.loader_workers(), stack_dim=1, epoch_interval=val_interval))

    net = toy_segnet(channels=8, dropout=settings.hparam("dropout", 0.1))
    actor = ToySegActor(net, nn.BCEWithLogitsLoss())
    groups = [{"params": net.backbone.parameters(), "lr": lr},  # frozen: filtered out, the group stays empty
              {"params": net.head.parameters(), "lr": lr},
              {"params": net.classifier.parameters(), "lr": 0.5 * lr}]
    if optimizer_name == "adam":
        optimizer = build_adam(groups)
    elif optimizer_name == "sgd":
        optimizer = torch.optim.SGD(trainable_param_groups(groups), lr=lr, momentum=0.9)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer_name!r}")
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.2)

    trainer = LTRTrainer(actor, loaders, optimizer, settings, lr_scheduler=scheduler, lr_step=lr_step)
    trainer.train(settings.num_epochs)
    return trainer
