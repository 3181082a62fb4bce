"""LWL-Ours (paper Sec. 4.3): ``ltr-train lwl pseudo`` -- fine-tune LWL on VOS data plus pseudo-masked tracking data.

Starts from the LWL trained with a fixed backbone (stage 1; by default the newest checkpoint in
``<checkpoint_dir>/lwl/stage1``, ``--set init_checkpoint=PATH`` otherwise) and trains the complete model (backbone
layers 2-4 included, as stage 2) for 120k iterations (120 epochs of 1000 x 20) on YouTube-VOS 'jjtrain', DAVIS 2017
train, and GOT-10k / LaSOT train with masks written by ``box2mask annotate``.
Needs ``youtubevos_dir``, ``davis_dir``, ``got10k_dir``, ``lasot_dir`` and ``pseudo_mask_dir`` (the annotate
output). The paper gives neither the dataset mixture nor the schedule: the weights 6 : 1 : 6 : 2 (YouTube-VOS :
DAVIS : GOT-10k : LaSOT) and the x0.2 steps after epochs 38 and 113 (stage 2's milestones scaled to 120 epochs) are
our choice. Writes ``<checkpoint_dir>/lwl/pseudo/``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.lwl.base import LWLConfig, train
from ltr.trainers import LTRTrainer

PSEUDO = replace(
    LWLConfig(), description="LWL-Ours: LWL fine-tuned on YouTube-VOS, DAVIS and pseudo-masked GOT-10k / LaSOT",
    init_checkpoint="latest:lwl/stage1",
    datasets=[["youtubevos_jjtrain", 6], ["davis_train", 1], ["got10k_pseudo", 6], ["lasot_pseudo", 2]],
    num_epochs=120, lr_milestones=[38, 113])


def run(settings: Settings) -> LTRTrainer:
    """Train LWL-Ours."""
    return train(settings, PSEUDO)
