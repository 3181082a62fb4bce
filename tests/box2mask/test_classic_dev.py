"""The no-weights default must beat single-frame GrabCut: on real DAVIS frames (davis2016-dev, shared read-only
data next to the repository) and on generated distractor videos."""
from pathlib import Path

import numpy as np
import pytest

from box2mask.evaluation import evaluate_dataset, summarize
from box2mask.methods import build_method
from box2mask.predictor import Box2MaskPredictor
from box2mask.synthetic import make_videos
from pytracking.analysis.vos_metrics import region_similarity

DEV = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "davis2016-dev"


@pytest.mark.slow
@pytest.mark.skipif(not DEV.is_dir(), reason=f"davis2016-dev not found at {DEV}")
def test_classic_beats_single_frame_grabcut_on_davis_dev():
    # Every 4th frame is scored (the other frames still serve as window context): about 2 minutes on 2 cores.
    grabcut = summarize(evaluate_dataset(DEV, build_method("grabcut"), frame_step=4, progress=False))
    classic = summarize(evaluate_dataset(DEV, build_method("classic"), frame_step=4, progress=False))
    assert classic["J_mean"] > grabcut["J_mean"] + 0.02, (classic, grabcut)
    assert classic["F_mean"] > grabcut["F_mean"], (classic, grabcut)


def test_multi_frame_beats_single_frame_on_distractor_videos():
    videos = make_videos(3, seed=200, num_frames=20, size=(160, 120), num_distractors=2, distractor_motion="mixed")
    scores = {"grabcut": [], "classic T=1": [], "classic": []}
    for v in videos:
        for label, method in (("grabcut", build_method("grabcut")),
                              ("classic T=1", build_method("classic", num_frames=1)),
                              ("classic", build_method("classic"))):
            masks = Box2MaskPredictor(method).predict(list(v.frames), v.boxes)
            scores[label] += [region_similarity(v.masks[i], masks[i]) for i in range(len(v))]
    mean = {k: float(np.mean(s)) for k, s in scores.items()}
    assert mean["classic"] > mean["grabcut"] + 0.02, mean
    assert mean["classic"] > mean["classic T=1"], mean
