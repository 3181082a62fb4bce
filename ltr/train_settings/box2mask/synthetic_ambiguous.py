"""``ltr-train box2mask synthetic_ambiguous``: the small STANet of ``synthetic`` trained on videos where one frame
cannot tell the target (``box2mask.synthetic.make_ambiguous_video``; docs/evidence_ambiguous.md).

Same network and recipe as ``synthetic`` (width-16 ResNet-18 STANet from scratch, 128x96 'replicate' crops of 3x
the box, T = 3 frames per sample within 40 frames, 3 learner iterations, loss of Eq. 4, 5000 iterations of batch 4);
only the data differ. ``benchmarks/synthetic_ablation.py --setting synthetic_ambiguous`` writes the videos, trains
and evaluates it. Needs ``davis_dir`` (env ``B2M_DAVIS_DIR``) as ``synthetic``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.synthetic import SYNTHETIC
from ltr.trainers import LTRTrainer

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "ambiguous"

SYNTHETIC_AMBIGUOUS = replace(SYNTHETIC, description="the paper's network, recipe of the `synthetic` setting")
CONFIG = SYNTHETIC_AMBIGUOUS


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet on the ambiguous synthetic videos."""
    return train(settings, SYNTHETIC_AMBIGUOUS)
