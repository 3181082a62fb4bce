"""``box2mask demo``: runs without downloads, writes masks and the overlay strip, prints J of both methods."""
import re

import numpy as np

from box2mask.commands.demo import demo_video
from ltr.admin.cli import run_cli
from ltr.data.image_io import read_image, read_mask


def test_demo_video_has_the_distractor_case():
    v = demo_video()
    inside = []
    for i in range(len(v)):
        x, y, w, h = v.boxes[i].astype(int)
        inside.append(v.distractor_masks[0, i, y:y + h, x:x + w].sum())
    assert max(inside) > 50 and min(inside) == 0


def test_demo_command(tmp_path, capsys):
    out = tmp_path / "demo"
    assert run_cli("box2mask", "test", ["box2mask.commands.demo"], ["demo", "--out", str(out),
                                                                     "--num-frames", "12"]) == 0
    text = capsys.readouterr().out
    pattern = r"(default: crop grabcut|single-frame classic \(T=1\)|multi-frame classic)\s+J (\d\.\d+)"
    scores = dict(re.findall(pattern, text))
    assert set(scores) == {"default: crop grabcut", "single-frame classic (T=1)", "multi-frame classic"}
    assert all(0.5 < float(j) <= 1.0 for j in scores.values())
    strip = read_image(out / "overlay.png")
    assert strip.shape == (3 * 192, 6 * 256, 3)
    for name in ("grabcut", "classic_T1", "classic"):
        masks = sorted((out / "masks" / name).glob("*.png"))
        assert len(masks) == 12
        assert read_mask(masks[0]).shape == (192, 256) and read_mask(masks[0]).max() == 1
    assert np.isfinite(float(scores["multi-frame classic"]))
