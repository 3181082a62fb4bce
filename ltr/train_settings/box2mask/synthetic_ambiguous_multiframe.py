"""``ltr-train box2mask synthetic_ambiguous_multiframe``: ``synthetic_ambiguous`` with the paper's "MultiFrame" network
(Table 2): the decoder gets zeros in place of the single-frame box encoding m_t, so every mask has to come through the
spatio-temporal aggregation s_t. Same data, recipe and needs as ``synthetic_ambiguous``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.synthetic_ambiguous import SYNTHETIC_AMBIGUOUS
from ltr.trainers import LTRTrainer

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "ambiguous"

SYNTHETIC_AMBIGUOUS_MULTIFRAME = replace(SYNTHETIC_AMBIGUOUS, description="MultiFrame network (no single-frame "
                                         "encoding m_t in the decoder)",
                                         net=dict(SYNTHETIC_AMBIGUOUS.net, single_frame_encoding=False))
CONFIG = SYNTHETIC_AMBIGUOUS_MULTIFRAME


def run(settings: Settings) -> LTRTrainer:
    """Train the small MultiFrame STANet on the ambiguous synthetic videos."""
    return train(settings, SYNTHETIC_AMBIGUOUS_MULTIFRAME)
