"""``box2mask evaluate`` on tiny DAVIS-2016 (binary 0/255) and DAVIS-2017 (palette, two objects) fixtures."""
import json

import cv2
import numpy as np
import pandas as pd
import pytest

from box2mask.evaluation import DatasetError, evaluate_sequence, list_sequences, load_sequence, object_boxes
from box2mask.methods import build_method
from box2mask.run_config import SettingsMismatchError
from box2mask.synthetic import make_video
from ltr.admin.cli import run_cli
from ltr.data.image_io import read_image, write_image, write_indexed_png

MODULES = ["box2mask.commands.evaluate"]


def evaluate(*argv):
    return run_cli("box2mask", "test", MODULES, ["evaluate", *map(str, argv)])


def box_method_j(gt_masks):
    """J of the filled tight box: mask area / box area (1.0 where the object is absent: both empty)."""
    out = []
    for m in gt_masks:
        ys, xs = np.nonzero(m)
        if len(ys) == 0:
            out.append(1.0)
            continue
        out.append(len(ys) / ((ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)))
    return float(np.mean(out))


@pytest.fixture
def davis2016(tmp_path):
    root = tmp_path / "DAVIS2016"
    expected = {}
    for k, name in enumerate(["bear", "cows"]):
        v = make_video(20 + k, size=(64, 48), num_frames=6)
        (root / "Annotations" / "480p" / name).mkdir(parents=True)
        for i in range(6):
            write_image(root / "JPEGImages" / "480p" / name / f"{i:05d}.jpg", v.frames[i])
            cv2.imwrite(str(root / "Annotations" / "480p" / name / f"{i:05d}.png"), v.masks[i] * 255)
        expected[name] = box_method_j(v.masks)
    (root / "ImageSets" / "2016").mkdir(parents=True)
    (root / "ImageSets" / "2016" / "val.txt").write_text("bear\ncows\n")
    return root, expected


@pytest.fixture
def davis2017(tmp_path):
    root = tmp_path / "DAVIS2017"
    rng = np.random.default_rng(0)
    labels = []
    for i in range(5):
        lab = np.zeros((48, 64), np.uint8)
        cv2.ellipse(lab, (14 + i, 24), (8, 12), 0, 0, 360, 1, -1)         # object 1, left
        if i < 4:                                                       # object 2 leaves in the last frame
            cv2.circle(lab, (48 - i, 20), 7, 2, -1)
        labels.append(lab)
        img = rng.integers(0, 60, (48, 64, 3), dtype=np.uint8)
        img[lab == 1] = (220, 40, 40)
        img[lab == 2] = (40, 220, 40)
        write_image(root / "JPEGImages" / "480p" / "duo" / f"{i:05d}.jpg", img)
        write_indexed_png(root / "Annotations" / "480p" / "duo" / f"{i:05d}.png", lab)
    (root / "ImageSets" / "2017").mkdir(parents=True)
    (root / "ImageSets" / "2017" / "val.txt").write_text("duo\n")
    expected = {1: box_method_j([lab == 1 for lab in labels]), 2: box_method_j([lab == 2 for lab in labels])}
    return root, expected


def test_davis2016_box_method_matches_hand_computed_j(davis2016, tmp_path, capsys):
    root, expected = davis2016
    out = tmp_path / "out"
    assert evaluate("--data", root, "--method", "box", "--out", out) == 0
    table = pd.read_csv(out / "results.csv", dtype={"sequence": str, "object": str})
    assert table["sequence"].tolist() == ["bear", "cows", "mean"]
    for name, j in expected.items():
        row = table[table.sequence == name].iloc[0]
        assert row.J_mean == pytest.approx(j, abs=1e-4)
        assert 0.0 <= row.F_mean <= 1.0 and row.n_frames == 6
    assert table.iloc[-1].J_mean == pytest.approx(np.mean(list(expected.values())), abs=1e-4)
    assert (out / "results.png").stat().st_size > 1000
    assert json.loads((out / "settings.json").read_text())["method"] == "box"
    text = capsys.readouterr().out
    assert "box: J" in text and "gallery.png" in text
    gallery = read_image(out / "gallery.png")              # 12 worst of the 12 frames, one row each
    assert gallery.shape[0] == 12 * 48 and gallery.shape[1] == 3 * 64
    assert not list(root.rglob("*.csv")) and not list(root.rglob("*.tmp"))  # nothing written into the data


def test_davis2017_two_objects_and_absent_object(davis2017, tmp_path):
    root, expected = davis2017
    out = tmp_path / "out17"
    assert evaluate("--data", root, "--method", "box", "--out", out) == 0
    table = pd.read_csv(out / "results.csv", dtype={"sequence": str, "object": str})
    rows = table[table.sequence == "duo"]
    assert rows.object.tolist() == ["1", "2"]
    for obj, j in expected.items():
        assert rows[rows.object == str(obj)].iloc[0].J_mean == pytest.approx(j, abs=1e-4)


def test_boxes_from_labels_and_absent_frames(davis2017):
    root, _ = davis2017
    seq = load_sequence(root, "duo")
    assert seq.object_ids == [1, 2]
    boxes, absent = object_boxes(seq.labels, 2)
    assert absent.tolist() == [False, False, False, False, True] and np.isnan(boxes[4]).all()
    assert boxes[0].tolist() == [41.0, 13.0, 15.0, 15.0]   # circle centre (48, 20), radius 7


def test_classic_and_grabcut_run_on_the_fixture(davis2017, tmp_path):
    root, expected = davis2017
    for method in ("grabcut", "classic"):
        out = tmp_path / method
        assert evaluate("--data", root, "--method", method, "--num-frames" if method == "classic" else "--iterations",
                        3, "--out", out) == 0
        table = pd.read_csv(out / "results.csv", dtype={"sequence": str, "object": str})
        # the objects are uniformly coloured on a dark background: both methods beat the filled box clearly
        for obj, j in expected.items():
            assert table[table.object == str(obj)].iloc[0].J_mean > max(j, 0.8)


def test_ablation_table(davis2016, tmp_path):
    root, _ = davis2016
    out = tmp_path / "abl"
    assert evaluate("--data", root, "--sequences", "bear", "--method", "classic", "--ablation", "--num-frames", "1,3",
                    "--interval", 2, "--frame-step", 2, "--out", out) == 0
    table = pd.read_csv(out / "ablation.csv")
    assert table.num_frames.tolist() == [1, 3] and table.interval.tolist() == [2, 2]
    assert table.J_mean.between(0, 1).all()
    assert (out / "ablation.png").is_file()
    assert (out / "per_sequence" / "num_frames=3_interval=2" / "bear.csv").is_file()


def test_resume_and_setting_guard(davis2016, tmp_path):
    root, expected = davis2016
    out = tmp_path / "resume"
    assert evaluate("--data", root, "--method", "box", "--out", out) == 0
    # Break the data: a resumed run must not read it again, it uses the finished per-sequence results.
    for p in (root / "JPEGImages" / "480p" / "bear").iterdir():
        p.write_bytes(b"broken")
    assert evaluate("--data", root, "--method", "box", "--out", out) == 0
    table = pd.read_csv(out / "results.csv", dtype={"sequence": str})
    assert table[table.sequence == "bear"].iloc[0].J_mean == pytest.approx(expected["bear"], abs=1e-4)
    with pytest.raises(SettingsMismatchError, match="holds results of other settings .method: 'box' there, 'grabcut'"):
        evaluate("--data", root, "--method", "grabcut", "--out", out)


def test_command_line_errors(davis2016, tmp_path):
    root, _ = davis2016
    with pytest.raises(SystemExit, match="only allowed with --ablation"):
        evaluate("--data", root, "--num-frames", "1,3", "--out", tmp_path / "x")
    with pytest.raises(SystemExit, match="--interval expects int"):
        evaluate("--data", root, "--interval", "five", "--out", tmp_path / "y")
    with pytest.raises(DatasetError, match=r"Sequence\(s\) \['nope'\] not found"):
        evaluate("--data", root, "--sequences", "nope", "--out", tmp_path / "z")
    with pytest.raises(TypeError, match="Method 'box' takes no option"):
        evaluate("--data", root, "--method", "box", "--num-frames", 3, "--out", tmp_path / "w")
    with pytest.raises(ValueError, match="'stanet' needs a network checkpoint"):
        evaluate("--data", root, "--method", "stanet", "--out", tmp_path / "v")


def test_sequence_list_fallbacks(davis2016):
    root, _ = davis2016
    assert list_sequences(root) == ["bear", "cows"]
    (root / "ImageSets" / "2016" / "val.txt").unlink()
    (root / "sequences.txt").write_text("cows\n")
    assert list_sequences(root) == ["cows"]
    (root / "sequences.txt").unlink()
    assert list_sequences(root) == ["bear", "cows"]   # every folder
    with pytest.raises(DatasetError, match="no JPEGImages/480p"):
        list_sequences(root / "Annotations")


def test_missing_annotation_named(davis2016):
    root, _ = davis2016
    (root / "Annotations" / "480p" / "cows" / "00003.png").unlink()
    with pytest.raises(DatasetError, match=r"Sequence 'cows': frame 3 has no annotation"):
        load_sequence(root, "cows")


def test_empty_ground_truth(davis2016, tmp_path):
    root, _ = davis2016
    # An empty GT mask in one frame: the object is absent there, gets no box, and an empty prediction scores 1.
    cv2.imwrite(str(root / "Annotations" / "480p" / "bear" / "00002.png"), np.zeros((48, 64), np.uint8))
    seq = load_sequence(root, "bear")
    boxes, absent = object_boxes(seq.labels, 1)
    assert absent.tolist() == [False, False, True, False, False, False]
    table, merged = evaluate_sequence(build_method("box"), seq)
    assert not merged[2].any()
    # Every mask empty: the sequence has no object, which is reported rather than silently scored.
    for p in (root / "Annotations" / "480p" / "cows").iterdir():
        cv2.imwrite(str(p), np.zeros((48, 64), np.uint8))
    with pytest.raises(DatasetError, match="Sequence 'cows': no object in any annotation"):
        evaluate("--data", root, "--method", "box", "--out", tmp_path / "o")


def test_overlapping_objects_go_to_the_smaller_box():
    from box2mask.evaluation import DavisSequence
    from box2mask.video import VideoFrames
    lab = np.zeros((30, 40), np.uint8)
    lab[5:25, 5:35] = 1          # big object, box 30x20
    lab[10:15, 10:20] = 2        # small object in front of it, box 10x5
    seq = DavisSequence("overlap", VideoFrames([np.zeros((30, 40, 3), np.uint8)] * 2), [lab, lab])
    table, merged = evaluate_sequence(build_method("box"), seq)
    assert np.array_equal(merged[0], lab)   # the filled boxes reproduce the label map exactly
    assert table.J_mean.tolist() == [1.0, 1.0]
