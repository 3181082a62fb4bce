"""The small STANet of ``tiny`` trained for the synthetic distractor benchmark: ``ltr-train box2mask synthetic``.

Same network (width-16 ResNet-18 STANet trained from scratch) and recipe as ``tiny`` (T = 3 frames per sample, 128x96
crops of 3x the box, horizontal flips, loss of Eq. 4, Adam with two step decays); what changes for the benchmark of
``benchmarks/synthetic_ablation.py``:

* crops in ``'replicate'`` mode (centred on the box, padded by edge replication where they leave the image), the
  geometry ``box2mask``'s STANet method uses at inference, instead of ``'inside'`` (shifted/shrunk into the image):
  the synthetic frames are small, so the crops often leave the image and the two modes would differ;
* the 3 training frames are drawn from a window of 40 frames (the whole synthetic video), so they usually show the
  distractors both inside and outside the target's box;
* 5000 iterations of batch 4 (50 epochs of 100), learning rate 3e-3 divided by 5 after 3000 and 4000 iterations;
  about 30 minutes on 2 CPU cores.

Needs ``davis_dir`` (env ``B2M_DAVIS_DIR``) pointing at a DAVIS-layout folder whose ``ImageSets/2016/train.txt``
lists the training videos (``box2mask.synthetic.write_davis_layout(root, videos, split='train')``).
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.tiny import TINY
from ltr.trainers import LTRTrainer

SYNTHETIC = replace(TINY, description="Box2Mask, small CPU variant for the synthetic distractor benchmark",
                    datasets=[["davis", 1, {"version": "2016", "split": "train"}]], crop_mode="replicate",
                    max_window=40, iterations=5000, iterations_per_epoch=100, lr=3e-3, lr_milestones=[3000, 4000])

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "distractor"
CONFIG = SYNTHETIC


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet on synthetic videos."""
    return train(settings, SYNTHETIC)
