"""box2mask annotate: dataset layouts, frame selection, resume after a kill, shards, the command."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from box2mask.annotate import annotate_dataset
from box2mask.cli import main as box2mask_main
from box2mask.methods import build_method
from ltr.data.image_io import read_mask, write_image


def _frames(folder: Path, n: int, names=lambda i: f"{i + 1:08d}.jpg", size=(40, 56)):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(len(str(folder)))
    for i in range(n):
        write_image(folder / names(i), (rng.random((*size, 3)) * 255).astype(np.uint8))


def make_got10k(root: Path, n_seq=3, n=6, absent=(2,)):
    split = root / "train"
    names = [f"GOT-10k_Train_{i + 1:06d}" for i in range(n_seq)]
    split.mkdir(parents=True)
    (split / "list.txt").write_text("\n".join(names) + "\n")
    for name in names:
        d = split / name
        _frames(d, n)
        boxes = [[5 + i, 6, 20, 15] if i not in absent else [float("nan")] * 4 for i in range(n)]
        (d / "groundtruth.txt").write_text("\n".join(",".join(str(v) for v in b) for b in boxes) + "\n")
        (d / "absence.label").write_text("\n".join("1" if i in absent else "0" for i in range(n)) + "\n")
        (d / "cover.label").write_text("\n".join("0" if i in absent else "8" for i in range(n)) + "\n")
        (d / "cut_by_image.label").write_text("\n".join("0" for _ in range(n)) + "\n")
    return names


def make_lasot(root: Path, n=23):
    d = root / "airplane" / "airplane-1"
    _frames(d / "img", n)
    (d / "groundtruth.txt").write_text("\n".join(f"{3 + i % 5},4,20,15" for i in range(n)) + "\n")
    occ = ["1" if i == 10 else "0" for i in range(n)]
    (d / "full_occlusion.txt").write_text(",".join(occ) + "\n")
    (d / "out_of_view.txt").write_text(",".join("1" if i == 15 else "0" for i in range(n)) + "\n")
    (root / "training_set.txt").write_text("airplane-1\n")
    return d


def test_got10k_every_frame_but_absent_ones(tmp_path):
    names = make_got10k(tmp_path / "got")
    out = tmp_path / "masks"
    summary = annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, progress=False)
    assert summary.done == names and not summary.failed
    for name in names:
        pngs = sorted(p.name for p in (out / name).glob("*.png"))
        assert pngs == [f"{i + 1:08d}.png" for i in range(6) if i != 2]
        m = read_mask(out / name / "00000002.png")
        assert m.dtype == np.uint8 and set(np.unique(m)) == {0, 1}
        assert m[6:21, 6:26].all() and m.sum() == 20 * 15  # box of frame 1 = [6, 6, 20, 15]
        assert (out / name / ".done").is_file()
    cfg = json.loads((out / "annotate_config.json").read_text())
    assert cfg["dataset"] == "got10k"
    # the training side reads exactly these masks back
    from ltr.dataset.pseudo_mask import pseudo_mask_dataset

    ds = pseudo_mask_dataset("got10k", out, tmp_path / "got", split="all")
    assert ds.get_num_sequences() == 3
    info = ds.get_sequence_info(0)
    assert len(info["bbox"]) == 5 and info["bbox"][1].tolist() == [6.0, 6.0, 20.0, 15.0]
    _, anno, _ = ds.get_frames(0, [1])
    assert anno["mask"][0].sum().item() == 20 * 15


def test_lasot_every_5th_frame_skipping_occluded(tmp_path):
    make_lasot(tmp_path / "lasot")
    out = tmp_path / "masks"
    annotate_dataset(build_method("box"), "lasot", tmp_path / "lasot", out, split="all", progress=False,
                     lasot_max_frames=3)
    got = sorted(p.stem for p in (out / "airplane-1").glob("*.png"))
    # every 5th frame (0, 5, 10, 15, 20), frame 10 occluded and 15 out of view, at most 3 frames
    assert got == ["00000001", "00000006", "00000021"]


class _Crashing:
    """A MaskMethod that dies (like a killed process) after ``n`` masks."""

    name = "crashing"

    def __init__(self, n):
        self.n = n
        self.inner = build_method("box")

    def predict_video(self, video, boxes, valid, targets):
        for k, item in enumerate(self.inner.predict_video(video, boxes, valid, targets)):
            if k == self.n:
                raise KeyboardInterrupt
            yield item


def test_resume_after_kill_writes_only_the_missing_masks(tmp_path):
    names = make_got10k(tmp_path / "got", n_seq=2)
    out = tmp_path / "masks"
    with pytest.raises(KeyboardInterrupt):
        annotate_dataset(_Crashing(3), "got10k", tmp_path / "got", out, progress=False)
    assert len(list((out / names[0]).glob("*.png"))) == 3 and not (out / names[0] / ".done").exists()
    assert not list(out.rglob("*.tmp"))  # nothing half-written
    before = {p: p.stat().st_mtime_ns for p in (out / names[0]).glob("*.png")}
    summary = annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, progress=False)
    assert summary.frames_written == 2 + 5 and summary.done == names
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())  # existing masks were not recomputed
    again = annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, progress=False)
    assert again.skipped == names and again.frames_written == 0


def test_shards_partition_the_sequences(tmp_path):
    names = make_got10k(tmp_path / "got", n_seq=5, n=3, absent=())
    out = tmp_path / "masks"
    done = []
    for i in range(2):
        done += annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, shard_index=i, shard_count=2,
                                 progress=False).done
    assert sorted(done) == names and len(done) == len(set(done))


def test_other_settings_in_the_same_folder_are_refused(tmp_path):
    make_got10k(tmp_path / "got", n_seq=1)
    out = tmp_path / "masks"
    annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, config={"method": "box"}, progress=False)
    with pytest.raises(ValueError, match="other settings .method: .box. there, .classic. now"):
        annotate_dataset(build_method("box"), "got10k", tmp_path / "got", out, config={"method": "classic"},
                         progress=False)


def test_command_folder_layout_and_bad_sequence(tmp_path, capsys):
    root = tmp_path / "videos"
    _frames(root / "good", 4, names=lambda i: f"{i:05d}.jpg")
    (root / "good" / "groundtruth.txt").write_text("1,2,10,10\n2,2,10,10\nnan,nan,nan,nan\n3,3,10,10\n")
    _frames(root / "short", 3, names=lambda i: f"{i:05d}.jpg")
    (root / "short" / "groundtruth.txt").write_text("1,2,10,10\n")  # fewer boxes than frames
    code = box2mask_main(["annotate", "--dataset", "folder", "--root", str(root), "--out", str(tmp_path / "m"),
                          "--method", "box", "--no-progress"])
    assert code == 1
    text = capsys.readouterr().out
    assert "FAILED short" in text and "groundtruth.txt" in text
    assert sorted(p.name for p in (tmp_path / "m" / "good").glob("*.png")) == ["00000.png", "00001.png", "00003.png"]


def test_trackingnet_names_carry_the_split(tmp_path):
    root = tmp_path / "tn"
    for i, name in enumerate(["seqA", "seqB"]):
        _frames(root / "TRAIN_0" / "frames" / name, 3, names=lambda k: f"{k}.jpg")
        (root / "TRAIN_0" / "anno").mkdir(parents=True, exist_ok=True)
        (root / "TRAIN_0" / "anno" / f"{name}.txt").write_text("1,2,10,10\n2,2,10,10\n3,3,10,10\n")
    summary = annotate_dataset(build_method("box"), "trackingnet", root, tmp_path / "m", progress=False)
    assert summary.done == ["TRAIN_0/seqA", "TRAIN_0/seqB"]
    assert sorted(p.name for p in (tmp_path / "m" / "TRAIN_0" / "seqA").glob("*.png")) == ["0.png", "1.png", "2.png"]


def test_davis_objects_get_their_own_folders_and_read_back_as_pseudo_masks(tmp_path):
    from ltr.data.image_io import write_indexed_png
    from ltr.dataset.pseudo_mask import pseudo_mask_dataset

    root = tmp_path / "davis"
    labels = np.zeros((40, 56), np.uint8)
    labels[5:15, 5:20] = 1
    labels[20:30, 30:50] = 2
    for i in range(3):
        write_image(root / "JPEGImages" / "480p" / "v" / f"{i:05d}.jpg", np.full((40, 56, 3), 90, np.uint8))
        lab = labels.copy()
        if i == 2:
            lab[lab == 2] = 0  # object 2 leaves
        write_indexed_png(root / "Annotations" / "480p" / "v" / f"{i:05d}.png", lab)
    (root / "ImageSets" / "2017").mkdir(parents=True)
    (root / "ImageSets" / "2017" / "train.txt").write_text("v\n")
    out = tmp_path / "m"
    summary = annotate_dataset(build_method("box"), "davis", root, out, progress=False)
    assert summary.done == ["v/1", "v/2"]
    assert sorted(p.name for p in (out / "v" / "2").glob("*.png")) == ["00000.png", "00001.png"]
    ds = pseudo_mask_dataset("davis", out, root, split="train")
    frames, anno, _ = ds.get_frames(1, [0])
    assert anno["mask"][0].sum().item() == 10 * 20 and anno["mask"][0][25, 40] == 1


def test_torchrun_rank_takes_its_own_gpu():
    from box2mask.commands.annotate import rank_device

    assert rank_device(None, {"LOCAL_RANK": "3"}) == "cuda:3"
    assert rank_device("cuda", {"LOCAL_RANK": "1"}) == "cuda:1"          # a bare 'cuda' too
    assert rank_device("cuda:0", {"LOCAL_RANK": "1"}) == "cuda:0"        # an explicit choice is kept
    assert rank_device("cpu", {"LOCAL_RANK": "1"}) == "cpu"
    assert rank_device("cuda", {}) == "cuda" and rank_device(None, {}) is None
