"""A small Box2Mask for CPU experiments and tests: ``ltr-train box2mask tiny``.

Same recipe as ``default`` (T = 3 frames in a window, crops around the tight mask boxes, flips only, loss of Eq. 4,
Adam with two step decays), scaled down: a width-16 ResNet-18 STANet (1.4 M parameters) trained from scratch,
backbone included (no pretrained weights exist at this size), 128x96 crops of 3x the box, 2000 iterations of
batch 4. Needs ``davis_dir`` pointing at any DAVIS-layout folder -- e.g. synthetic videos written by
``box2mask.synthetic.write_davis_layout`` (the default split is ``ImageSets/2016/val.txt``; change it with
``--set datasets='[["davis", 1, {"version": "2017", "split": "train"}]]'``).
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import Box2MaskConfig, train
from ltr.trainers import LTRTrainer

TINY_NET = dict(filter_size=3, num_filters=8, optim_iter=3, out_feature_dim=32, label_encoder_dims=[8, 16, 16, 32],
                use_bn_in_label_enc=False, clf_feat_blocks=0, final_conv=True, backbone_type="resnet18",
                backbone_width=16, decoder_mdim=16, frozen_backbone_layers=[])

TINY = replace(Box2MaskConfig(), description="Box2Mask, small CPU variant (ResNet-18/16 STANet, 128x96 crops)",
               net=TINY_NET, mrcnn_weights=None, datasets=[["davis", 1, {"version": "2016", "split": "val"}]],
               max_window=24, search_area_factor=3.0, output_size=[128, 96], batch_size=4, num_workers=1,
               iterations=2000, iterations_per_epoch=100, lr=3e-3, lr_milestones=[1200, 1600])


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet."""
    return train(settings, TINY)
