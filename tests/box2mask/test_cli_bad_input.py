"""Bad input through the real ``box2mask`` entry point: the right result, or one ``error: ...`` line and a non-zero
exit -- never a silent wrong mask, never a traceback (unless ``--debug``)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from box2mask.cli import main as box2mask_main
from ltr.data.image_io import read_image, read_mask, write_image

W, H = 48, 36


def run(capsys, *argv) -> tuple:
    """(exit status, stderr lines) of ``box2mask ARGV``."""
    capsys.readouterr()
    code = box2mask_main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip().splitlines()


def one_error_line(lines, *parts: str) -> str:
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and not any("Traceback" in line for line in lines), lines
    for part in parts:
        assert part in errors[0], errors[0]
    return errors[0]


def square_frame(box, size=(W, H)) -> np.ndarray:
    img = np.full((size[1], size[0], 3), 30, np.uint8)
    x, y, w, h = box
    img[y:y + h, x:x + w] = 220
    return img


def write_sequence(folder: Path, boxes, names=None, size=(W, H)) -> Path:
    for i, box in enumerate(boxes):
        write_image(folder / (names(i) if names else f"{i:05d}.jpg"), square_frame(box, size))
    gt = folder.parent / f"{folder.name}_gt.txt"
    gt.write_text("".join(",".join(map(str, b)) + "\n" for b in boxes))
    return gt


def mask_box(path: Path):
    m = read_mask(path)
    ys, xs = np.nonzero(m)
    return [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)]


# ------------------------------------------------------------------------------------------------------- predict
def test_trackingnet_names_pair_boxes_with_the_right_frames(tmp_path, capsys):
    boxes = [[2 + 3 * i, 4, 8, 8] for i in range(12)]
    gt = write_sequence(tmp_path / "frames", boxes, names=lambda i: f"{i}.jpg")
    code, _ = run(capsys, "predict", "--frames", tmp_path / "frames", "--boxes", gt, "--out", tmp_path / "m",
                  "--method", "box", "--quiet")
    assert code == 0
    for i in (2, 10, 11):
        assert mask_box(tmp_path / "m" / f"{i}.png") == boxes[i]


def test_truncated_frame_is_one_error_line_and_no_mask(tmp_path, capsys):
    gt = write_sequence(tmp_path / "frames", [[5, 5, 10, 10]] * 4)
    frame = tmp_path / "frames" / "00002.jpg"
    Image.fromarray((np.random.default_rng(0).random((H, W, 3)) * 255).astype(np.uint8)).save(frame, quality=90)
    frame.write_bytes(frame.read_bytes()[:int(frame.stat().st_size * 0.8)])
    code, lines = run(capsys, "predict", "--frames", tmp_path / "frames", "--boxes", gt, "--out", tmp_path / "m",
                      "--method", "box", "--quiet")
    assert code == 1
    one_error_line(lines, "frame 2", "00002.jpg", "Truncated or corrupt")
    assert not list((tmp_path / "m").glob("*.png"))


def test_exif_rotated_frames_are_used_upright(tmp_path, capsys):
    """Phone frames stored 48x36 with orientation 6 are 36x48 upright; boxes are given on the upright image."""
    box = [6, 20, 10, 12]
    exif = Image.Exif()
    exif[0x0112] = 6
    (tmp_path / "frames").mkdir()
    for i in range(3):
        upright = square_frame(box, size=(H, W))
        stored = np.ascontiguousarray(np.rot90(upright, 1))
        Image.fromarray(stored).save(tmp_path / "frames" / f"{i:05d}.jpg", exif=exif, quality=95)
    (tmp_path / "gt.txt").write_text("6,20,10,12\n" * 3)
    code, lines = run(capsys, "predict", "--frames", tmp_path / "frames", "--boxes", tmp_path / "gt.txt", "--out",
                      tmp_path / "m", "--method", "box", "--quiet")
    assert code == 0, lines
    mask = read_mask(tmp_path / "m" / "00001.png")
    image = read_image(tmp_path / "frames" / "00001.jpg")
    assert mask.shape == (W, H) and mask_box(tmp_path / "m" / "00001.png") == box
    assert image[mask > 0].mean() > 200 and image[mask == 0].mean() < 40   # the mask lies on the object


def test_duplicate_frame_files_are_refused(tmp_path, capsys):
    gt = write_sequence(tmp_path / "frames", [[5, 5, 10, 10]] * 9)
    write_image(tmp_path / "frames" / "00005.png", square_frame([5, 5, 10, 10]))
    code, lines = run(capsys, "predict", "--frames", tmp_path / "frames", "--boxes", gt, "--out", tmp_path / "m",
                      "--method", "box", "--quiet")
    assert code == 1
    one_error_line(lines, "00005.jpg and 00005.png")
    assert not (tmp_path / "m").exists()


def test_other_settings_in_one_out_are_refused_unless_overwrite(tmp_path, capsys):
    gt = write_sequence(tmp_path / "frames", [[5, 5, 20, 16]] * 3)
    base = ["predict", "--frames", tmp_path / "frames", "--out", tmp_path / "m", "--quiet"]
    assert run(capsys, *base, "--boxes", gt, "--method", "box")[0] == 0
    code, lines = run(capsys, *base, "--boxes", gt, "--method", "grabcut")
    assert code == 1
    one_error_line(lines, "holds results of other settings", "'box' there, 'grabcut' now", "--overwrite")
    assert read_mask(tmp_path / "m" / "00000.png").sum() == 20 * 16            # untouched
    other = tmp_path / "other.txt"
    other.write_text("6,6,10,10\n" * 3)
    code, lines = run(capsys, *base, "--boxes", other, "--method", "box")      # another box file: also refused
    assert code == 1 and "boxes_sha1" in one_error_line(lines)
    assert run(capsys, *base, "--boxes", other, "--method", "box", "--overwrite")[0] == 0
    assert mask_box(tmp_path / "m" / "00002.png") == [6, 6, 10, 10]
    assert run(capsys, *base, "--boxes", other, "--method", "box")[0] == 0      # same settings: resume


@pytest.mark.parametrize("content,parts", [
    (b"5,5,10,10\n5,5,\xff10,10\n5,5,10,10\n", ["bad.txt, line 2", "not UTF-8"]),
    (b"5,5,10,10\n5,5,10\n5,5,10,10\n", ["bad.txt, line 2", "expected 4 values"]),
    (b"5,5,10,10\n5,5,10,10\n", ["bad.txt has 2 boxes for 3 frames"]),
])
def test_box_file_errors_are_one_line(tmp_path, capsys, content, parts):
    write_sequence(tmp_path / "frames", [[5, 5, 10, 10]] * 3)
    (tmp_path / "bad.txt").write_bytes(content)
    code, lines = run(capsys, "predict", "--frames", tmp_path / "frames", "--boxes", tmp_path / "bad.txt", "--out",
                      tmp_path / "m", "--method", "box", "--quiet")
    assert code == 1
    one_error_line(lines, *parts)


def test_missing_input_bad_option_and_debug(tmp_path, capsys, monkeypatch):
    code, lines = run(capsys, "predict", "--frames", tmp_path / "none", "--boxes", tmp_path / "b.txt", "--out",
                      tmp_path / "m")
    assert code == 1
    one_error_line(lines, "Frame folder not found", "none")
    code, lines = run(capsys, "predict", "--frames", tmp_path)
    assert code == 2
    assert lines == ["error: box2mask predict: the following arguments are required: --boxes, --out "
                     "(see box2mask predict --help)"]
    code, lines = run(capsys, "predict", "--method", "nope", "--frames", "x", "--boxes", "y", "--out", "z")
    assert code == 2 and len(lines) == 1 and "invalid choice: 'nope'" in lines[0]
    with pytest.raises(OSError, match="Frame folder not found"):   # --debug: the exception comes through
        box2mask_main(["predict", "--frames", str(tmp_path / "none"), "--boxes", "b", "--out", "m", "--debug"])
    monkeypatch.setenv("B2M_DEBUG", "1")
    with pytest.raises(OSError, match="Frame folder not found"):
        box2mask_main(["predict", "--frames", str(tmp_path / "none"), "--boxes", "b", "--out", "m"])


# ------------------------------------------------------------------------------------------------------ evaluate
def _davis_anti_aliased(root: Path, n: int = 3) -> list:
    """A DAVIS-layout sequence whose ground-truth PNGs are anti-aliased greyscale discs."""
    annotations = root / "Annotations" / "480p" / "blob"
    annotations.mkdir(parents=True)
    masks = []
    for i in range(n):
        grey = np.zeros((H, W), np.uint8)
        cv2.circle(grey, (18 + 3 * i, 17), 9, 255, -1, lineType=cv2.LINE_AA)
        img = np.full((H, W, 3), 30, np.uint8)
        img[grey >= 128] = 220
        write_image(root / "JPEGImages" / "480p" / "blob" / f"{i:05d}.jpg", img)
        Image.fromarray(grey).save(annotations / f"{i:05d}.png")
        masks.append(grey >= 128)
    return masks


def test_evaluate_anti_aliased_ground_truth(tmp_path, capsys):
    masks = _davis_anti_aliased(tmp_path / "davis")
    code, lines = run(capsys, "evaluate", "--data", tmp_path / "davis", "--method", "box", "--out", tmp_path / "e")
    assert code == 1
    one_error_line(lines, "blob/00000.png has", "grey levels (0, ", "--mask-threshold")
    code, lines = run(capsys, "evaluate", "--data", tmp_path / "davis", "--method", "box", "--out", tmp_path / "e2",
                      "--mask-threshold", "128")
    assert code == 0, lines
    table = (tmp_path / "e2" / "results.csv").read_text().splitlines()
    assert len(table) == 3                      # header, one object, mean: one object, not one per grey level
    # the filled tight box scores J = mask area / box area on each thresholded ground-truth mask
    expected = np.mean([m.sum() / (np.ptp(np.nonzero(m)[0]) + 1) / (np.ptp(np.nonzero(m)[1]) + 1) for m in masks])
    assert float(table[1].split(",")[2]) == pytest.approx(expected, abs=1e-4)


# ------------------------------------------------------------------------------------------------------ annotate
def _otb_sequence(folder: Path, boxes) -> None:
    for i, box in enumerate(boxes):
        write_image(folder / "img" / f"{i + 1:04d}.jpg", square_frame(box))
    # OTB: 1-based x, y, tab-separated
    (folder / "groundtruth_rect.txt").write_text("".join(f"{b[0] + 1}\t{b[1] + 1}\t{b[2]}\t{b[3]}\n" for b in boxes))


def test_annotate_otb_sequence_folder_and_root(tmp_path, capsys):
    boxes = [[4 + i, 6, 10, 8] for i in range(3)]
    _otb_sequence(tmp_path / "Crossing", boxes)
    code, lines = run(capsys, "annotate", "--dataset", "folder", "--root", tmp_path / "Crossing", "--out",
                      tmp_path / "m", "--method", "box", "--no-progress")
    assert code == 0, lines
    assert sorted(p.name for p in (tmp_path / "m" / "Crossing").glob("*.png")) == ["0001.png", "0002.png", "0003.png"]
    assert mask_box(tmp_path / "m" / "Crossing" / "0003.png") == boxes[2]     # 1-based boxes made 0-based
    _otb_sequence(tmp_path / "otb" / "Walk", boxes)
    code, _ = run(capsys, "annotate", "--dataset", "folder", "--root", tmp_path / "otb", "--out", tmp_path / "m2",
                  "--method", "box", "--no-progress")
    assert code == 0 and (tmp_path / "m2" / "Walk" / ".done").is_file()


def test_annotate_root_without_sequences_is_an_error(tmp_path, capsys):
    (tmp_path / "videos" / "a").mkdir(parents=True)
    write_image(tmp_path / "videos" / "a" / "00000.jpg", square_frame([1, 1, 4, 4]))
    code, lines = run(capsys, "annotate", "--dataset", "folder", "--root", tmp_path / "videos", "--out",
                      tmp_path / "m", "--method", "box", "--no-progress")
    assert code == 1
    one_error_line(lines, "No sequences found in", "groundtruth.txt", "groundtruth_rect.txt")
    assert not (tmp_path / "m").exists()
