"""The LWL tracker against the reference on REAL frames (``tracker_lwl_real_seed4.pt``): 8 DAVIS frames each of
motorbike split into two objects (small targets, crops inside the image, odd crop sizes, the multi-object merge) and
rollerblade (a large target: the inside_major shrink, a scale clipped every frame). Tolerances of the vector's
README: labels <= 0.1 % differing pixels per frame, probabilities within 1e-3, boxes within 0.01 px."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from lwl_fixtures import shared_file, tracker_vector
from pytracking.evaluation.multi_object_wrapper import MultiObjectWrapper
from pytracking.tracker.lwl import LWL

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_runs():
    from pytracking.features.net_wrappers import NetWithBackbone
    from pytracking.parameter.lwl.lwl_ytvos import parameters

    _, net = tracker_vector()
    d = torch.load(shared_file("ref", "vectors", "tracker_lwl_real_seed4.pt"), map_location="cpu", weights_only=True)
    runs = {}
    for key, seq in d["sequences"].items():
        params = parameters()
        params.override(use_gpu=False)
        params.net = NetWithBackbone(net=net, device="cpu")
        tracker = MultiObjectWrapper(LWL, params)
        folder = shared_file("data", "davis2016-dev", "JPEGImages", "480p", seq["sequence"])
        files = sorted(folder.glob("*.jpg"))[:seq["num_frames"]]
        labels = seq["init_label"].numpy()
        ids = [str(i) for i in np.unique(labels) if i != 0]
        boxes = {}
        for i in ids:
            ys, xs = np.nonzero(labels == int(i))
            boxes[i] = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
        info = {"init_mask": labels, "init_bbox": boxes, "init_object_ids": ids, "object_ids": ids,
                "sequence_object_ids": ids}
        outs = []
        for t, f in enumerate(files):
            frame = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
            outs.append(tracker.initialize(frame, info) if t == 0 else
                        tracker.track(frame, {"previous_output": outs[-1]}))
        runs[key] = (seq, ids, outs)
    return runs


def _cases():
    return [(k, t) for k in ("motorbike:2", "rollerblade") for t in range(8)]


@pytest.mark.parametrize("key, t", _cases())
def test_real_frames_match_reference(real_runs, key, t):
    seq, ids, outs = real_runs[key]
    out, ref = outs[t], seq["outputs"][t]
    differing = (np.asarray(out["segmentation"]) != ref["segmentation"].numpy()).mean()
    assert differing <= 0.001, f"{key} frame {t}: {differing:.3%} of the label pixels differ"
    for i in ids:
        box = np.asarray(out["target_bbox"][i], dtype=np.float64)
        err = np.abs(box - ref["target_bbox"][i].numpy()).max()
        assert err <= 0.01, f"{key} frame {t} object {i}: box off by {err:.4g} px"
        if t > 0:
            p = torch.as_tensor(out["segmentation_raw"][i]).double()[::2, ::2]
            err = (p - ref["segmentation_raw_sub"][i].double()).abs().max().item()
            assert err <= 1e-3, f"{key} frame {t} object {i}: probabilities off by {err:.3g}"
