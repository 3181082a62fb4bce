"""Failure gallery of ``box2mask evaluate``: the frames with the lowest J, worst first, drawn into one PNG."""
from __future__ import annotations

import numpy as np

from box2mask.boxes import box_mask
from box2mask.classic.base import SingleFrameMethod
from box2mask.evaluation import evaluate_dataset
from box2mask.gallery import FailureGallery, frame_j
from box2mask.synthetic import make_videos, write_davis_layout
from ltr.data.image_io import read_image


def test_gallery_keeps_the_lowest_j_frames(tmp_path):
    videos = make_videos(2, seed=5, num_frames=8, size=(96, 72))
    root = write_davis_layout(tmp_path / "davis", videos)
    bad = {(videos[0].name, 2): 0.5, (videos[1].name, 5): 0.25, (videos[1].name, 6): 0.7}

    class Method(SingleFrameMethod):
        name = "fails-on"

        def predict_video(self, video, boxes, valid, targets):
            truth = {v.name: v for v in videos}[video.name].masks
            for t in targets:
                x, y, w, h = boxes[t]
                keep = bad.get((video.name, t), 1.0)       # the true mask, cut to the left part of its box
                yield t, truth[t] * box_mask(np.array([x, y, w * keep, h]), video[t].shape[:2])

        def predict_frame(self, image, box):  # unused
            raise NotImplementedError

    gallery = FailureGallery(size=3, tile_width=96)
    evaluate_dataset(root, Method(), progress=False, gallery=gallery)
    picked = [(e.sequence, e.frame) for e in gallery.entries]
    assert picked == [(videos[1].name, 5), (videos[0].name, 2), (videos[1].name, 6)]   # lowest J first
    js = [e.j for e in gallery.entries]
    assert js == sorted(js) and js[-1] < 1.0
    png = gallery.write(tmp_path / "gallery.png")
    image = read_image(png)
    assert image.shape[0] == 3 * 72 and image.shape[1] == 3 * 96                       # 3 rows x (frame, GT, pred)


def test_frame_j_over_objects():
    gt = np.zeros((4, 4), np.uint8)
    gt[:2] = 1
    pred = gt.copy()
    assert frame_j(gt, pred) == 1.0
    pred[:2, :2] = 2                                      # half of object 1 labelled as a new object 2
    assert frame_j(gt, pred) == (0.5 + 0.0) / 2
    assert frame_j(np.zeros((2, 2)), np.zeros((2, 2))) is None
