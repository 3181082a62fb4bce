"""``ltr-train box2mask synthetic_ambiguous_learner10``: ``synthetic_ambiguous`` with 10 steepest-descent iterations
per aggregation pass in training instead of the network's 3 (inference uses 15): the filter fitted on the T frames
is closer to the least-squares solution, so what it gains from the other frames reaches the decoder during training.
One of the fixes tried in docs/evidence_ambiguous.md; same data and needs as ``synthetic_ambiguous``.
"""
from dataclasses import replace

from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import train
from ltr.train_settings.box2mask.synthetic_ambiguous import SYNTHETIC_AMBIGUOUS
from ltr.trainers import LTRTrainer

#: the videos this setting is meant for (``box2mask.synthetic.GENERATORS``)
GENERATOR = "ambiguous"

SYNTHETIC_AMBIGUOUS_LEARNER10 = replace(SYNTHETIC_AMBIGUOUS, description="10 learner iterations per pass in "
                                        "training (recipe: 3)", learner_iterations=10)
CONFIG = SYNTHETIC_AMBIGUOUS_LEARNER10


def run(settings: Settings) -> LTRTrainer:
    """Train the small STANet with 10 learner iterations on the ambiguous synthetic videos."""
    return train(settings, SYNTHETIC_AMBIGUOUS_LEARNER10)
