"""The synthetic distractor benchmark (benchmarks/synthetic_ablation.py) end to end at miniature size: data in the
DAVIS layout, a few training iterations of the small STANet, the evaluation grid, the report and the plot; reuse of
finished steps; the per-frame bookkeeping against hand-computed values."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks import synthetic_ablation as sa
from benchmarks import synthetic_report
from box2mask.synthetic import SyntheticVideo

MINI = ["--train-videos", "3", "--test-videos", "2", "--frames", "8", "--size", "64", "48", "--iterations", "2",
        "--iterations-per-epoch", "1", "--batch", "2", "--crop", "48", "32", "--num-frames-list", "1", "3",
        "--interval", "2", "--threads", "1"]


def mini_args(tmp_path):
    return ["--workspace", str(tmp_path / "ws"), "--doc", str(tmp_path / "docs" / "evidence.md"),
            "--plot", str(tmp_path / "docs" / "plot.png")] + MINI


def box_jaccard_by_hand(video: SyntheticVideo) -> float:
    """Mean J of the filled (integer, tight) box against the target mask, with plain numpy."""
    values = []
    for mask, (x, y, w, h) in zip(video.masks.astype(bool), video.boxes.astype(int)):
        filled = np.zeros_like(mask)
        filled[y:y + h, x:x + w] = True
        values.append((mask & filled).sum() / (mask | filled).sum())
    return float(np.mean(values))


def test_miniature_pipeline_end_to_end_and_reuse(tmp_path):
    args = mini_args(tmp_path)
    summary = sa.main(args)
    ws = tmp_path / "ws"
    keys = ["stanet_T1_first", "stanet_T1_refined", "stanet_T3_first", "stanet_T3_refined", "classic_T1",
            "classic_default", "grabcut", "box"]
    assert list(summary["key"]) == keys
    assert summary[["J", "F", "J_ambiguous", "J_clear"]].apply(lambda c: c.between(0, 1)).all().all()

    # data: two disjoint seeded sets in the DAVIS layout, lists written for the training split and the evaluation
    train_list = (ws / "data" / "train" / "ImageSets" / "2016" / "train.txt").read_text().split()
    test_list = (ws / "data" / "test" / "ImageSets" / "2016" / "val.txt").read_text().split()
    assert train_list == ["train000000", "train000001", "train000002"]
    assert test_list == ["test100000", "test100001"]
    assert len(list((ws / "data" / "test" / "JPEGImages" / "480p" / "test100000").glob("*.jpg"))) == 8

    # training ran the synthetic setting for the asked iterations at the asked crop size, and kept net_info
    checkpoint = ws / "checkpoints" / "box2mask" / "synthetic" / "STANet_ep0002.pth.tar"
    import torch
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert state["stats"]["iteration"] == 2 and state["settings"]["hparams"]["output_size"] == [48, 32]
    assert state["net_info"] == {"input_format": "bgr255_mrcnn"}

    # the filled-box row (through box2mask's evaluation) equals the box J computed by hand on the test videos
    cfg = sa.parse_args(args)
    test_videos = sa.videos(cfg, "test")
    by_hand = np.mean([box_jaccard_by_hand(v) for v in test_videos])
    assert summary.set_index("key").loc["box", "J"] == pytest.approx(by_hand, abs=1e-9)

    # per-frame J files agree with the DAVIS per-object J of every sequence (one object: the same mean)
    for key in keys:
        for name in test_list:
            frames = pd.read_csv(ws / "eval" / key / f"{name}.frames.csv")
            table = pd.read_csv(ws / "eval" / key / f"{name}.csv")
            assert len(frames) == 8 and frames["J"].mean() == pytest.approx(table["J_mean"].iloc[0], abs=1e-9)

    # the report holds the table rows with the summary's numbers, the checks and the plot link; the plot is a PNG
    doc = (tmp_path / "docs" / "evidence.md").read_text()
    first = summary.set_index("key").loc["stanet_T3_first"]
    assert f"| STANet, first pass | 3 | {100 * first['J']:.1f} | {100 * first['J_ambiguous']:.1f} |" in doc
    assert "T = 3 vs T = 1" in doc and "Refinement at T = 3" in doc and "![J vs T](plot.png)" in doc
    assert "Classic (no weights), T = 5 vs T = 1" in doc
    assert "--iterations 2" in doc and "seeds 100000..100001" in doc
    assert (tmp_path / "docs" / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the decoder-input probe: shares in [0, 1]; with a one-frame window s_t *is* the single-frame aggregation
    probe = json.loads((ws / "probe.json").read_text())
    assert probe["checkpoint"] == "synthetic/" + checkpoint.name and probe["windows"] == 2 * 2  # every 5th of 8 frames, 2 videos
    assert all(0.0 <= probe[k] <= 1.0 for k in ("s_zeroed", "m_zeroed", "s_from_T1"))
    assert "s_t is set to zero: " in doc
    manifest = json.loads((ws / "data" / "test" / "manifest.json").read_text())
    assert sa.probe_paths(cfg, checkpoint, manifest, num_frames=1)["s_from_T1"] == 0.0

    # a rerun reuses data, checkpoint and results, and keeps the hand-written notes
    notes = "<!-- notes -->\nMy interpretation.\n<!-- /notes -->"
    (tmp_path / "docs" / "evidence.md").write_text(doc.replace(synthetic_report._notes(tmp_path / "nowhere.md"), notes))
    reused = [checkpoint, ws / "data" / "test" / "manifest.json", ws / "probe.json",
              ws / "eval" / "stanet_T3_refined" / "test100001.csv"]
    stamps = {p: p.stat().st_mtime_ns for p in reused}
    again = sa.main(args)
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    pd.testing.assert_frame_equal(again, summary)
    assert notes in (tmp_path / "docs" / "evidence.md").read_text()

    # a workspace whose data no longer matches what the generator makes is refused, not silently reused
    manifest_path = ws / "data" / "test" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(dict(manifest, sha256="0" * 64)))
    with pytest.raises(SystemExit, match="generator changed"):
        sa.main(args)
    # and so is a different data configuration in the same workspace
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SystemExit, match="another data configuration"):
        sa.main([a if a != "8" else "9" for a in args])


def test_frame_facts_by_hand():
    """A 20x20 target box with a 10x10 target square and a distractor partly inside the box."""
    n, h, w = 2, 40, 40
    masks = np.zeros((n, h, w), np.uint8)
    masks[:, 10:30, 10:20] = 1                 # target: 200 px, box x 10..19, y 10..29 (plus a corner below)
    masks[:, 29, 10:30] = 1                    # widen the box to x 10..29 with a one-row foot: 210 px in all
    distractors = np.zeros((1, n, h, w), np.uint8)
    distractors[0, 0, 12:18, 22:34] = 1        # frame 0: 6 rows x 8 columns (x 22..29) inside the box = 48 px
    distractors[0, 1, 12:14, 22:24] = 1        # frame 1: 4 px inside the box
    boxes = np.array([[10, 10, 20, 20]] * n, dtype=float)
    video = SyntheticVideo("hand", np.zeros((n, h, w, 3), np.uint8), masks, boxes, distractors)
    facts = sa.frame_facts(video)
    assert facts["ambiguous"] == [True, False]  # 48 / 210 >= 5 %, 4 / 210 < 5 %
    assert facts["J_box"] == pytest.approx([210 / 400, 210 / 400])
    assert facts["J_blind"] == pytest.approx([210 / 258, 210 / 214])


def test_overlapping_seed_ranges_are_refused(tmp_path):
    with pytest.raises(SystemExit):
        sa.parse_args(["--workspace", str(tmp_path), "--train-videos", "10", "--test-seed", "5"])


def test_multiframe_setting_trains_the_multiframe_network(tmp_path):
    args = mini_args(tmp_path) + ["--setting", "synthetic_multiframe", "--no-references"]
    summary = sa.main(args)
    assert list(summary["key"]) == ["stanet_T1_first", "stanet_T1_refined", "stanet_T3_first", "stanet_T3_refined"]
    from ltr.admin.loading import load_network
    checkpoint = tmp_path / "ws" / "checkpoints" / "box2mask" / "synthetic_multiframe" / "STANet_ep0002.pth.tar"
    assert load_network(checkpoint).single_frame_encoding is False  # what box2mask evaluate rebuilds
    doc = (tmp_path / "docs" / "evidence.md").read_text()
    assert "ltr-train box2mask synthetic_multiframe" in doc and "MultiFrame variant" in doc
