"""``ltr-train box2mask synthetic_ambiguous_t5``: ``synthetic_ambiguous`` with longer training windows: T = 5 frames
per sample (recipe: 3) drawn within 21 frames (recipe: the whole 40-frame video), the span of the evaluation's
window (T = 5, delta = 5), so a frame where a distractor lies on the box usually comes with frames where the same
distractor is beside it; 3000 iterations of batch 4 (the same number of frames as 5000 iterations at T = 3), learning
rate divided by 5 after 1800 and 2400 iterations. One of the fixes tried in docs/evidence_ambiguous.md.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.synthetic_ambiguous import SYNTHETIC_AMBIGUOUS
from ltr.trainers import LTRTrainer

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "ambiguous"

SYNTHETIC_AMBIGUOUS_T5 = replace(SYNTHETIC_AMBIGUOUS, description="T = 5 frames per sample within 21 frames "
                                 "(recipe: 3 within 40), 3000 iterations", num_frames=5, max_window=21,
                                 iterations=3000, lr_milestones=[1800, 2400])
CONFIG = SYNTHETIC_AMBIGUOUS_T5


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet on 5-frame samples of the ambiguous synthetic videos."""
    return train(settings, SYNTHETIC_AMBIGUOUS_T5)
