"""``box2mask predict``: PNG per frame named like the frames, absent frames empty, resume, errors."""
import numpy as np
import pytest
from PIL import Image

from box2mask.boxfile import BoxFileError
from box2mask.synthetic import make_video
from box2mask.video import BoxError
from ltr.admin.cli import run_cli
from ltr.data.image_io import read_mask, write_image, write_indexed_png

MODULES = ["box2mask.commands.predict"]


def predict(*argv):
    return run_cli("box2mask", "test", MODULES, ["predict", *map(str, argv)])


@pytest.fixture
def sequence(tmp_path):
    v = make_video(11, size=(64, 48), num_frames=6)
    img = tmp_path / "seq" / "img"
    for i in range(6):
        write_image(img / f"frame_{i:03d}.jpg", v.frames[i])
    lines = [",".join(f"{c:g}" for c in b) for b in v.boxes]
    lines[2] = "nan,nan,nan,nan"                    # absent frame
    lines[4] = lines[4].replace(",", " ")           # whitespace-separated line
    gt = tmp_path / "seq" / "groundtruth.txt"
    gt.write_text("\n".join(lines) + "\n")
    return v, img, gt


def test_box_method_writes_named_pngs(sequence, tmp_path):
    v, img, gt = sequence
    out = tmp_path / "masks"
    assert predict("--frames", img, "--boxes", gt, "--out", out, "--method", "box", "--quiet") == 0
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == [f"frame_{i:03d}.png" for i in range(6)]
    assert sorted(p.name for p in out.iterdir()) == names + ["predict_config.json"]
    for i in range(6):
        with Image.open(out / names[i]) as im:
            assert im.mode == "P"
        mask = read_mask(out / names[i])
        if i == 2:
            assert not mask.any()
            continue
        x, y, w, h = v.boxes[i].astype(int)
        expected = np.zeros((48, 64), np.uint8)
        expected[y:y + h, x:x + w] = 1
        assert np.array_equal(mask, expected)


def test_resume_skips_existing_unless_overwrite(sequence, tmp_path):
    _, img, gt = sequence
    out = tmp_path / "masks"
    assert predict("--frames", img, "--boxes", gt, "--out", out, "--method", "box", "--quiet") == 0
    marker = np.full((48, 64), 3, np.uint8)
    write_indexed_png(out / "frame_001.png", marker)     # an existing result is kept...
    (out / "frame_004.png").unlink()                     # ...a missing one is recomputed
    assert predict("--frames", img, "--boxes", gt, "--out", out, "--method", "box", "--quiet") == 0
    assert np.array_equal(read_mask(out / "frame_001.png"), marker)
    assert read_mask(out / "frame_004.png").max() == 1
    assert predict("--frames", img, "--boxes", gt, "--out", out, "--method", "box", "--overwrite",
                   "--quiet") == 0
    assert read_mask(out / "frame_001.png").max() == 1
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_absent_file_and_default_method(sequence, tmp_path):
    v, img, gt = sequence
    flags = tmp_path / "absent.label"
    flags.write_text("0\n0\n0\n1\n0\n0\n")
    out = tmp_path / "default"
    assert predict("--frames", img, "--boxes", gt, "--absent", flags, "--out", out, "--quiet") == 0   # crop GrabCut
    assert not read_mask(out / "frame_002.png").any() and not read_mask(out / "frame_003.png").any()
    mask = read_mask(out / "frame_000.png")
    inter = np.logical_and(mask, v.masks[0]).sum()
    assert inter / np.logical_or(mask, v.masks[0]).sum() > 0.8   # the default segments the target well


def test_errors(sequence, tmp_path):
    _, img, gt = sequence
    short = tmp_path / "short.txt"
    short.write_text("\n".join(gt.read_text().splitlines()[:4]) + "\n")
    with pytest.raises(BoxError, match="short.txt has 4 boxes for 6 frames"):
        predict("--frames", img, "--boxes", short, "--out", tmp_path / "o")
    bad = tmp_path / "bad.txt"
    bad.write_text("1,2,3,4\n1,2\n")
    with pytest.raises(BoxFileError, match="bad.txt, line 2"):
        predict("--frames", img, "--boxes", bad, "--out", tmp_path / "o")
    zero = tmp_path / "zero.txt"
    zero.write_text("\n".join(["1,1,5,5"] * 3 + ["1,1,0,5"] + ["1,1,5,5"] * 2) + "\n")
    with pytest.raises(ValueError, match="'img': box of frame 3 .* zero or negative"):
        predict("--frames", img, "--boxes", zero, "--out", tmp_path / "o", "--method", "box",
                "--on-bad-box", "error")
    assert predict("--frames", img, "--boxes", zero, "--out", tmp_path / "o2", "--method", "box", "--quiet") == 0
    assert not read_mask(tmp_path / "o2" / "frame_003.png").any()    # skipped with a warning


def test_a_failed_method_build_does_not_lock_the_output_folder(sequence, tmp_path):
    _, img, gt = sequence
    out = tmp_path / "masks"
    with pytest.raises(Exception, match="missing.pth"):
        predict("--frames", img, "--boxes", gt, "--out", out, "--method", "stanet", "--checkpoint",
                tmp_path / "missing.pth", "--quiet")
    assert not (out / "predict_config.json").exists()
    assert predict("--frames", img, "--boxes", gt, "--out", out, "--method", "box", "--quiet") == 0   # no --overwrite
