"""The synthetic benchmarks (benchmarks/synthetic_ablation.py) end to end at miniature size: data in the DAVIS
layout, a few training iterations of the small STANet(s), the evaluation grid, the report and the plots; reuse of
finished steps; the per-frame bookkeeping and the single-frame oracles against hand-computed values; the variant
where one frame cannot tell the target ('ambiguous' generator) with two networks compared."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from benchmarks import synthetic_ablation as sa
from benchmarks import synthetic_probe, synthetic_render
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
            "classic_default", "grabcut_crop", "grabcut_frame", "box"]
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
    probe = json.loads((ws / "probe_synthetic.json").read_text())
    assert probe["checkpoint"].startswith("synthetic/" + checkpoint.name)
    assert probe["windows"] == 2 * 2  # every 5th of 8 frames, 2 videos
    assert all(0.0 <= probe[k] <= 1.0 for k in ("s_zeroed", "m_zeroed", "s_from_T1"))
    assert "s_t is set to zero: " in doc
    manifest = json.loads((ws / "data" / "test" / "manifest.json").read_text())
    assert synthetic_probe.probe_network(cfg, checkpoint, manifest, [], 3.0, num_frames=1)["s_from_T1"] == 0.0

    # a rerun reuses data, checkpoint and results, and keeps the hand-written notes
    notes = "<!-- notes -->\nMy interpretation.\n<!-- /notes -->"
    (tmp_path / "docs" / "evidence.md").write_text(doc.replace(synthetic_render.notes(tmp_path / "nowhere.md"), notes))
    reused = [checkpoint, ws / "data" / "test" / "manifest.json", ws / "probe_synthetic.json",
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


AMBIGUOUS_MINI = ["--train-videos", "3", "--test-videos", "2", "--frames", "20", "--size", "96", "72",
                  "--iterations", "2", "--iterations-per-epoch", "1", "--batch", "2", "--crop", "96", "64",
                  "--num-frames-list", "1", "3", "--interval", "3", "--threads", "1",
                  "--setting", "synthetic_ambiguous", "synthetic_ambiguous_multiframe"]


def test_ambiguous_benchmark_miniature(tmp_path):
    """The benchmark where one frame cannot tell the target: data from the 'ambiguous' generator (its default doc
    name), single-frame ceilings that follow from the per-frame facts, two trained networks with all their rows, the
    comparison table, the probe on ambiguous windows and both plots."""
    doc_path, plot_path = tmp_path / "docs" / "evidence_ambiguous.md", tmp_path / "docs" / "amb_j_vs_t.png"
    args = ["--workspace", str(tmp_path / "ws"), "--doc", str(doc_path), "--plot", str(plot_path)] + AMBIGUOUS_MINI
    cfg = sa.parse_args(args)
    assert cfg.generator == "ambiguous" and cfg.settings == ["synthetic_ambiguous", "synthetic_ambiguous_multiframe"]
    summary = sa.main(args)
    stanet = [f"{p}stanet_T{t}_{r}" for p in ("", "synthetic_ambiguous_multiframe/") for t in (1, 3)
              for r in ("first", "refined")]
    assert list(summary["key"]) == stanet + ["classic_T1", "classic_default", "grabcut_crop", "grabcut_frame", "box"]
    assert summary[["J", "J_ambiguous", "J_clear"]].apply(lambda c: c.between(0, 1)).all().all()

    # the test frames: some ambiguous (a twin on the box), some clear; the oracles behave as constructed
    manifest = json.loads((tmp_path / "ws" / "data" / "test" / "manifest.json").read_text())
    assert manifest["generator"] == "ambiguous"
    facts = {k: np.concatenate([manifest["facts"][n][k] for n in manifest["names"]]) for k in
             ("ambiguous", "twins", "J_fit", "J_random", "J_blind")}
    amb = facts["ambiguous"].astype(bool)
    assert amb.any() and (~amb).any()
    assert np.array_equal(amb, facts["twins"] >= 1)
    assert np.allclose(facts["J_fit"], 1.0 / (1 + facts["twins"]))  # a twin never shares a pixel with the target
    assert (facts["J_fit"] >= facts["J_random"] - 1e-12).all()      # (b) >= a random pick among the objects
    assert (facts["J_fit"][~amb] == 1.0).all() and (facts["J_fit"][amb] <= 0.5).all()
    assert (facts["J_blind"][amb] < 1.0).all()

    doc = doc_path.read_text()
    assert doc.startswith("# Evidence: a synthetic benchmark where one frame cannot tell the target")
    assert "make_ambiguous_video" in doc and "ltr-train box2mask synthetic_ambiguous" in doc
    b_all, b_amb = facts["J_fit"].mean(), facts["J_fit"][amb].mean()
    assert f"the best a single frame allows | {100 * b_all:.1f} | {100 * b_amb:.1f} | 100.0 |" in doc
    main = summary.set_index("key").loc["stanet_T3_refined"]
    assert f"| STANet, refined | 3 | {100 * main['J']:.1f} | {100 * main['J_ambiguous']:.1f} |" in doc
    assert "## Networks compared" in doc and "| `synthetic_ambiguous_multiframe` | MultiFrame network" in doc
    assert "GrabCut, 1.5x crop (box2mask default)" in doc and "ambiguous frames" in doc
    assert "| ridge filter on hand-made colour features (no learning), fitted to the box |" in doc
    for name in ("probe_synthetic_ambiguous.json", "probe_synthetic_ambiguous_multiframe.json"):
        probe = json.loads((tmp_path / "ws" / name).read_text())
        assert probe["windows_ambiguous"] >= 1 and 0.0 <= probe["s_from_T1_ambiguous"] <= 1.0
        assert probe["twin_frames"] >= 1 and all(0.0 <= probe[k] <= 1.0 for k in ("rank_s_T1", "rank_s_T5",
                                                                                 "rank_x_ridge_T5", "colour_ridge_T5"))
    multiframe = json.loads((tmp_path / "ws" / "probe_synthetic_ambiguous_multiframe.json").read_text())
    assert multiframe["m_zeroed"] == 0.0  # the MultiFrame decoder never reads m_t
    for png in (plot_path, tmp_path / "docs" / "amb_training.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_frame_facts_of_a_twin_by_hand():
    """A twin with the target's exact box (frame 0) makes the frame ambiguous: oracle (b) picks one of two objects
    (J 1/2), the blind oracle takes both; a distractor sticking out of the box (frame 1) is no twin but still one of
    the objects in the box for the random pick."""
    n, h, w = 2, 30, 30
    masks = np.zeros((n, h, w), np.uint8)
    d = np.zeros((1, n, h, w), np.uint8)
    for i in range(10):
        masks[:, 10 + i, 10 + i] = 1           # target: the box's main diagonal, 10 px, box x 10..19, y 10..19
        d[0, 0, 10 + i, 19 - i] = 1            # frame 0: the anti-diagonal, 10 px, spanning the box: a twin
    d[0, 1, 12, 13:25] = 1                     # frame 1: a bar from x 13 to 24: 7 px inside, 5 outside
    boxes = np.array([[10, 10, 10, 10]] * n, dtype=float)
    video = SyntheticVideo("hand", np.zeros((n, h, w, 3), np.uint8), masks, boxes, d)
    facts = sa.frame_facts(video, "ambiguous")
    assert facts["twins"] == [1, 0] and facts["ambiguous"] == [True, False] and facts["intruded"] == [True, True]
    assert facts["J_fit"] == pytest.approx([0.5, 1.0])
    assert facts["J_random"] == pytest.approx([0.5, 0.5])
    assert facts["J_blind"] == pytest.approx([10 / 20, 10 / 17])
    assert sa.frame_facts(video, "distractor")["ambiguous"] == [True, True]


def test_probe_rank_counts_ties_as_chance():
    assert synthetic_probe.above(2.0, 1.0) == 1.0 and synthetic_probe.above(1.0, 2.0) == 0.0
    assert synthetic_probe.above(0.0, 0.0) == 0.5  # a constant s_t ranks at chance, not "never above"


def test_choices_count_videos_and_the_chosen_bar(tmp_path):
    from benchmarks import synthetic_choices
    args = ["--workspace", str(tmp_path), "--test-videos", "3", "--frames", "6", "--size", "96", "72",
            "--setting", "synthetic_ambiguous"]
    vids = sa.videos(sa.parse_args(args), "test")
    folder = tmp_path / "eval" / "stanet_T1_first"
    folder.mkdir(parents=True)
    # video 0: the target on its ambiguous frames (a clear frame scoring 0 does not count); 1: the distractor;
    # 2: half of it (unclear)
    for v, j in zip(vids, (0.9, 0.1, 0.5)):
        pd.DataFrame({"sequence": v.name, "frame": range(3), "J": [j, j, 0.0],
                      "ambiguous": [True, True, False]}).to_csv(folder / f"{v.name}.frames.csv", index=False)
    table = synthetic_choices.main(args + ["--keys", "stanet_T1_first"])
    row = table.iloc[0]
    assert (row["right"], row["wrong"], row["unclear"], row["clear"]) == (1, 1, 1, 2)
    chosen = [vids[0].info["target"], 1 - vids[1].info["target"]]
    assert row["first_half_hue"] == sum(v.info["hues"][c] < 0.5 for v, c in zip(vids, chosen))
    assert row["in_front"] == sum(v.info["depth_order"][-1] == c for v, c in zip(vids, chosen))
    assert row["p_right_by_chance"] == pytest.approx(0.75)       # P(X >= 1), X ~ B(2, 1/2)
    assert synthetic_choices.binomial_tail(17, 24) == pytest.approx(536155 / 2 ** 24)
