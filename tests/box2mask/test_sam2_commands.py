"""``box2mask predict | annotate | evaluate --method sam2`` and ``evaluate --methods`` with a random-weight SAM 2.1
tiny checkpoint in the official format (the package's own config; small input size for speed)."""
from __future__ import annotations

import json
import sys

import cv2
import numpy as np
import pandas as pd
import pytest

from box2mask.cli import main as box2mask_main
from ltr.data.image_io import read_mask, write_image
from pytracking.libs.sam2_box import box_region
from tests import sam2_fixtures as fx

SAM2 = ["--method", "sam2", "--image-size", str(fx.IMAGE_SIZE)]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    fx.require_sam2()
    return fx.session_checkpoint(tmp_path_factory)


def write_sequence(folder, n=4, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    boxes = fx.moving_boxes(n)
    for i, frame in enumerate(fx.textured_frames(n, seed=seed)):
        write_image(folder / f"{i:05d}.png", frame)
    return boxes


def test_predict_writes_masks_inside_the_boxes_and_records_the_config(tmp_path, checkpoint):
    boxes = write_sequence(tmp_path / "img")
    boxes[2] = np.nan                                            # absent in frame 2
    np.savetxt(tmp_path / "gt.txt", boxes, delimiter=",", fmt="%g")
    out = tmp_path / "masks"
    assert box2mask_main(["predict", "--frames", str(tmp_path / "img"), "--boxes", str(tmp_path / "gt.txt"),
                          "--out", str(out), "--checkpoint", str(checkpoint), "--config", "sam2.1_hiera_t", *SAM2,
                          "--quiet"]) == 0
    for i in range(4):
        mask = read_mask(out / f"{i:05d}.png")
        if i == 2:
            assert not mask.any()
            continue
        x0, y0, x1, y1 = box_region(boxes[i], *mask.shape)
        assert mask.any() and mask.sum() == mask[y0:y1, x0:x1].sum()
    config = json.loads((out / "predict_config.json").read_text())
    assert config["method"] == "sam2" and config["config"] == "sam2.1_hiera_t"
    assert config["image_size"] == fx.IMAGE_SIZE and config["checkpoint"] == str(checkpoint)


def test_annotate_folder_dataset_with_sam2(tmp_path, checkpoint):
    boxes = write_sequence(tmp_path / "videos" / "clip", n=3, seed=4)
    np.savetxt(tmp_path / "videos" / "clip" / "groundtruth.txt", boxes, delimiter=",", fmt="%g")
    out = tmp_path / "pseudo"
    assert box2mask_main(["annotate", "--dataset", "folder", "--root", str(tmp_path / "videos"), "--out", str(out),
                          "--checkpoint", str(checkpoint), *SAM2, "--no-memory", "--no-progress"]) == 0
    pngs = sorted((out / "clip").glob("*.png"))
    assert [p.name for p in pngs] == ["00000.png", "00001.png", "00002.png"]
    for i, p in enumerate(pngs):
        mask = read_mask(p)
        x0, y0, x1, y1 = box_region(boxes[i], *mask.shape)
        assert mask.any() and mask.sum() == mask[y0:y1, x0:x1].sum()


@pytest.fixture
def davis(tmp_path):
    root = tmp_path / "DAVIS"
    for name, shift in (("walk", 0), ("run", 6)):
        (root / "Annotations" / "480p" / name).mkdir(parents=True)
        for i, frame in enumerate(fx.textured_frames(3, seed=shift)):
            write_image(root / "JPEGImages" / "480p" / name / f"{i:05d}.jpg", frame)
            label = np.zeros((48, 64), np.uint8)
            cv2.ellipse(label, (22 + 2 * i + shift, 22), (10, 8), 0, 0, 360, 255, -1)
            cv2.imwrite(str(root / "Annotations" / "480p" / name / f"{i:05d}.png"), label)
    return root


def test_evaluate_several_methods_in_one_table(davis, tmp_path, checkpoint, capsys):
    out = tmp_path / "cmp"
    assert box2mask_main(["evaluate", "--data", str(davis), "--methods", "box,grabcut,sam2", "--checkpoint",
                          f"sam2={checkpoint}", "--image-size", str(fx.IMAGE_SIZE), "--num-frames", "3",
                          "--out", str(out)]) == 0
    table = pd.read_csv(out / "methods.csv")
    assert table.method.tolist() == ["box", "grabcut", "sam2"]
    assert table.J_mean.between(0, 1).all() and table.F_mean.between(0, 1).all()
    assert (table.object_frames == 6).all() and (table.seconds_per_frame > 0).all()
    assert (out / "methods.png").stat().st_size > 1000
    assert "seconds_per_frame" in capsys.readouterr().out
    # the same numbers as one method on its own
    assert box2mask_main(["evaluate", "--data", str(davis), "--method", "box", "--out", str(tmp_path / "box")]) == 0
    alone = pd.read_csv(tmp_path / "box" / "results.csv")
    assert table.J_mean[0] == pytest.approx(alone.J_mean.iloc[-1], abs=1e-4)
    settings = json.loads((out / "settings.json").read_text())
    assert settings["method_options"]["sam2"]["checkpoint"] == str(checkpoint)
    assert "num_frames" not in settings["method_options"]["grabcut"]       # only methods that take an option get it


def test_evaluate_methods_checkpoint_rules(davis, tmp_path, capsys):
    base = ["evaluate", "--data", str(davis), "--out", str(tmp_path / "o")]
    assert box2mask_main(base + ["--methods", "box,stanet,sam2", "--checkpoint", "sta.pth.tar"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "stanet=PATH,sam2=PATH" in err
    assert box2mask_main(base + ["--methods", "box,sam2"]) == 1
    assert "['sam2'] in --methods need a checkpoint" in capsys.readouterr().err
    assert box2mask_main(base + ["--methods", "box,nosuch"]) == 1
    assert "Unknown box2mask method 'nosuch'" in capsys.readouterr().err


def test_command_line_errors_are_one_line(tmp_path, checkpoint, capsys, monkeypatch):
    boxes = write_sequence(tmp_path / "img", n=2)
    np.savetxt(tmp_path / "gt.txt", boxes, delimiter=",", fmt="%g")
    base = ["predict", "--frames", str(tmp_path / "img"), "--boxes", str(tmp_path / "gt.txt"), *SAM2]
    bad = tmp_path / "sam2.1_hiera_small.pt"
    bad.write_bytes(checkpoint.read_bytes())                    # tiny weights under the small file name
    cases = [(["--checkpoint", str(bad)], "does not match config 'sam2.1_hiera_s'"),
             (["--checkpoint", str(tmp_path / "none.pt"), "--config", "sam2.1_hiera_t"],
              "SAM 2 checkpoint (--checkpoint) not found"),
             (["--checkpoint", str(checkpoint), "--config", "sam2.1_hiera_x"], "Unknown SAM 2 config"),
             ([], "Method 'sam2' needs a SAM 2 checkpoint")]
    for k, (extra, expected) in enumerate(cases):
        assert box2mask_main(base + ["--out", str(tmp_path / f"o{k}"), *extra]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and expected in err[0], err
    for name in [m for m in sys.modules if m == "sam2" or m.startswith("sam2.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "sam2", None)              # the extra is not installed
    assert box2mask_main(base + ["--out", str(tmp_path / "o9"), "--checkpoint", str(checkpoint)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: SAM 2 is not installed") and "pip install" in err[0]
    assert "unexpected" not in err[0]
