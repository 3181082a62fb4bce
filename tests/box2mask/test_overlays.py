"""Overlays where data is produced: ``box2mask predict --overlay`` and ``box2mask annotate --overlay`` (masks read
back from the written PNGs, tinted; the box drawn; every N-th frame; a contact sheet)."""
from __future__ import annotations

import cv2
import numpy as np

from box2mask.annotate import annotate_dataset
from box2mask.methods import build_method
from box2mask.synthetic import make_video
from ltr.admin.cli import run_cli
from ltr.data.image_io import read_image, read_mask, write_image
from pytracking.utils.visualization import object_colour
from tests.box2mask.test_annotate import make_got10k


def _frames(path):
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, f = cap.read()
        if not ok:
            return out, cap.get(cv2.CAP_PROP_FPS)
        out.append(cv2.cvtColor(f, cv2.COLOR_BGR2RGB))


def test_predict_overlay_video_and_sheet(tmp_path):
    v = make_video(11, size=(96, 72), num_frames=9)
    img = tmp_path / "img"
    for i in range(9):
        write_image(img / f"{i}.png", v.frames[i])               # lossless frames
    gt = tmp_path / "gt.txt"
    gt.write_text("".join(",".join(f"{c:g}" for c in b) + "\n" for b in v.boxes))
    out = tmp_path / "masks"
    assert run_cli("box2mask", "t", ["box2mask.commands.predict"],
                   ["predict", "--frames", str(img), "--boxes", str(gt), "--out", str(out), "--method", "box",
                    "--overlay", "--overlay-every", "2", "--quiet"]) == 0
    frames, fps = _frames(out / "overlay" / "overlay.mp4")
    assert len(frames) == 5 and frames[0].shape == (72, 96, 3)   # frames 0, 2, 4, 6, 8
    assert fps == 12.5                                           # 25 frames/s / every 2
    mask = read_mask(out / "4.png") > 0
    inner = np.zeros_like(mask)
    x, y, w, h = v.boxes[4].astype(int)
    inner[y + 3:y + h - 3, x + 3:x + w - 3] = True                # away from the drawn box outline (mp4 is lossy)
    tinted = 0.5 * v.frames[4].astype(np.float32) + 0.5 * object_colour(1)
    assert np.abs(frames[2][inner].astype(np.float32) - tinted[inner]).mean() < 12
    assert np.abs(frames[2][inner].astype(np.float32) - v.frames[4][inner]).mean() > 25
    sheet = read_image(out / "overlay" / "sheet.png")
    assert sheet.shape[0] % 72 == 0 and sheet.shape[1] == 4 * 96
    assert sorted(p.name for p in out.glob("*.png")) == sorted(f"{i}.png" for i in range(9))  # masks untouched


def test_annotate_overlays_per_sequence(tmp_path):
    names = make_got10k(tmp_path / "got", n_seq=2, n=6)
    out = tmp_path / "pseudo"
    annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, progress=False, overlay_every=1)
    for name in names:
        frames, _ = _frames(out / "overlays" / f"{name}.mp4")
        assert len(frames) == 6
        assert (out / "overlays" / f"{name}.png").is_file()
        assert not list((out / name).glob("*.mp4"))                 # the mask folder holds masks only
    (out / "overlays" / f"{names[0]}.mp4").unlink()
    again = annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, progress=False, overlay_every=3)
    assert again.skipped == sorted(names)                            # nothing recomputed ...
    frames, _ = _frames(out / "overlays" / f"{names[0]}.mp4")         # ... but the missing overlay is rewritten
    assert len(frames) == 2
