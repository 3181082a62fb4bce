"""``ltr-train box2mask synthetic_multiframe``: the ``synthetic`` setting with the paper's "MultiFrame" network (Table 2).

The decoder gets zeros in place of the single-frame box encoding m_t, so every mask has to come through the
spatio-temporal aggregation s_t. ``benchmarks/synthetic_ablation.py --setting synthetic_multiframe`` uses it to test
whether aggregating more frames helps once the network cannot fall back on one frame (docs/evidence.md). Same data,
recipe and needs as ``synthetic``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.synthetic import SYNTHETIC
from ltr.trainers import LTRTrainer

SYNTHETIC_MULTIFRAME = replace(SYNTHETIC, description="Box2Mask, small CPU variant, MultiFrame (no single-frame "
                               "encoding in the decoder), synthetic distractor benchmark",
                               net=dict(SYNTHETIC.net, single_frame_encoding=False))

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "distractor"
CONFIG = SYNTHETIC_MULTIFRAME


def run(settings: Settings) -> LTRTrainer:
    """Train the small MultiFrame STANet on synthetic videos."""
    return train(settings, SYNTHETIC_MULTIFRAME)
