"""LWL box-init: ``ltr-train lwl boxinit`` -- learn the box encoder that turns the first box into a mask.

Starts from a trained LWL (backbone, target model, decoder and label encoder copied; by default the newest checkpoint
in ``<checkpoint_dir>/lwl/stage2``, or ``--set init_checkpoint=lwl_stage2.pth`` for the released network found in
``network_path``) and trains only the box encoder: loss 10 x Lovasz of the box-initialised mask of the train frame,
Adam lr 1e-3 x0.2 every 20 epochs, 50 epochs of 1000 x 8 samples, no random affine.
Needs ``youtubevos_dir`` (YouTube-VOS 2019 'jjtrain'). The reference also mixes in COCO 1:1; the project has no
COCO training dataset, so this setting uses YouTube-VOS only. Writes ``<checkpoint_dir>/lwl/boxinit/``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import LWL_KWARGS, LWLConfig, train
from ltr.trainers import LTRTrainer

BOXINIT = replace(
    LWLConfig(), description="LWL box-init: box encoder on a trained LWL, YouTube-VOS",
    network="lwl_box", net=dict(LWL_KWARGS, box_label_encoder_dims=[64, 64], final_bn=False),
    init_checkpoint="latest:lwl/stage2",
    init_modules=["feature_extractor", "target_model", "decoder", "label_encoder"],
    datasets=[["youtubevos_jjtrain", 1]], num_test_frames=1, affine=False,
    batch_size=8, num_workers=4, num_epochs=50, lr_groups={"box_label_encoder": 1e-3}, lr_milestones=[20, 40],
    actor="box", loss_weight=10.0)


def run(settings: Settings) -> LTRTrainer:
    """Train the box encoder."""
    return train(settings, BOXINIT)
