"""The Markdown report of :mod:`benchmarks.synthetic_ablation` (``docs/evidence.md``, ``docs/evidence_ambiguous.md``):
setup, single-frame ceilings, the J vs T table, checks, the decoder-input probe, the comparison of several trained
networks, the hand-written notes (kept between runs) and how to reproduce."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

import numpy as np
import pandas as pd

from box2mask.synthetic import MOTIONS

from benchmarks.synthetic_data import AMBIGUOUS_FRACTION
from benchmarks.synthetic_report import ambiguous_frames, paired_difference, stanet_key, verdict

if TYPE_CHECKING:  # the report only reads a few fields of the experiment's configuration
    from benchmarks.synthetic_ablation import Config

PAPER = ("The paper (Tables 1-2) finds that segmenting a box from several frames beats one frame (+2.5 J on DAVIS 2017"
         " val from 1 to 9 frames; +2.6 J MultiFrame vs SingleImage) and that the refinement pass adds +1.1 J. The "
         "claimed mechanism: appearance that stays inside the box over the video is the object, appearance also seen "
         "outside the box in other frames is not.")


def fmt(v: Any) -> str:
    """A fraction as a percentage with one decimal ('-' for missing values)."""
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{100 * v:.1f}"


def notes(doc: Path) -> str:
    """The hand-written notes block of an existing report (a placeholder for a new one)."""
    default = ("<!-- notes -->\n(Interpretation written by hand; kept when the script regenerates this file.)\n"
               "<!-- /notes -->")
    if not doc.is_file():
        return default
    text = doc.read_text()
    a, b = text.find("<!-- notes -->"), text.find("<!-- /notes -->")
    return text[a:b + len("<!-- /notes -->")] if 0 <= a < b else default


def test_facts(manifest: Dict) -> Dict[str, np.ndarray]:
    """The per-frame facts of every test frame, concatenated over the videos."""
    keys = next(iter(manifest["facts"].values())).keys()
    return {k: np.concatenate([np.asarray(manifest["facts"][n][k], dtype=float) for n in manifest["names"]])
            for k in keys}


def ceilings(manifest: Dict) -> List[tuple]:
    """(label, J all, J ambiguous, J clear) of the single-frame oracles on the test frames (frame means)."""
    f = test_facts(manifest)
    amb = f["ambiguous"] > 0
    rows = [("filled box", "J_box"),
            ("(a) every object pixel inside the box (blind to which object is the target)", "J_blind"),
            ("(b) one of the objects that fit the box as well as the target (its twins), chosen at random: the best "
             "a single frame allows", "J_fit"),
            ("one of the objects in the box, chosen at random", "J_random")]
    out = []
    for label, key in rows:
        if key in f:
            v = f[key]
            out.append((label, float(v.mean()), float(v[amb].mean()) if amb.any() else float("nan"),
                        float(v[~amb].mean()) if (~amb).any() else float("nan")))
    return out


def video_lines(cfg: Config, manifests: Dict[str, Dict]) -> List[str]:
    """Setup bullets on the videos, the splits and how ambiguous the test frames are."""
    opts, test, n_train = cfg.video_options(), manifests["test"], manifests["train"]["count"]
    f = test_facts(test)
    amb = f["ambiguous"] > 0
    if cfg.generator == "distractor":
        videos = (f"* **Videos** (`box2mask.synthetic.make_video`): {opts['size'][0]}x{opts['size'][1]}, "
                  f"{opts['num_frames']} frames, a moving textured target (target_scale {opts['target_scale']}, "
                  f"travel {opts['travel']}, motion cycling {', '.join(MOTIONS)}) and {opts['num_distractors']} "
                  f"distractors of the same texture family ({opts['distractor_motion']}: static or moving on their "
                  "own), each placed in the target's box in some frames.")
        ambiguity = (f"* **How ambiguous is the test set**: {100 * amb.mean():.0f} % of the {len(amb)} test frames are "
                     f"*ambiguous* (distractor pixels inside the target's box cover >= {100 * AMBIGUOUS_FRACTION:.0f} %"
                     " of the target's area); single-frame oracles, each segmenting perfectly:")
    else:
        front = test.get("target_in_front", 0)
        videos = (f"* **Videos** (`box2mask.synthetic.make_ambiguous_video`): {opts['size'][0]}x{opts['size'][1]}, "
                  f"{opts['num_frames']} frames, two objects drawn from the same distributions (one box size per "
                  f"video, target_scale {opts['target_scale']}; bent-bar shapes; stripe textures with hues half the "
                  "colour circle apart; random depth order); one of them, at random, is the target and moves (travel "
                  f"{opts['travel']}, motion cycling {', '.join(MOTIONS)}). The other, the distractor, swings across "
                  "the target's box along a random line and rests exactly on the box for 4-8 frames at each crossing "
                  "(touching all four sides, crossing the target). One frame of such a rest cannot tell which of the "
                  "two is the target; only the target stays in the box in every frame. (One distractor only: with "
                  "several, each mirrored to cross the target, the target would be the bar whose orientation differs "
                  "from the others in view.) Test videos whose target had to be drawn in front (the distractor hid "
                  f"half of it): {front}.")
        ambiguity = (f"* **How ambiguous is the test set**: {100 * amb.mean():.0f} % of the {len(amb)} test frames are "
                     "*ambiguous*: the distractor lies inside the target's box (>= 98 % of its visible pixels), "
                     "covers >= 25 % of the target's area and reaches exactly all four sides of the box, so "
                     "neither 'touches all four sides', nor 'lies inside the box', nor shape, size or texture tells "
                     f"the target ({100 * (f['intruded'] > 0).mean():.0f} % of the frames have distractor pixels "
                     f"covering >= {100 * AMBIGUOUS_FRACTION:.0f} % of the target's area inside the box). "
                     "Single-frame oracles, each segmenting perfectly:")
    lines = [videos,
             f"* **Train set**: {n_train} videos, seeds {cfg.train_seed}..{cfg.train_seed + n_train - 1}. **Test "
             f"set**: {test['count']} videos, seeds {cfg.test_seed}..{cfg.test_seed + test['count'] - 1} (disjoint). "
             f"Data digest (SHA-256 of the generated arrays): train `{manifests['train']['sha256'][:16]}`, test "
             f"`{test['sha256'][:16]}`.", ambiguity, "",
             "  | single-frame oracle (J in %, frame means) | all frames | ambiguous frames | clear frames |",
             "  |---|---|---|---|"]
    lines += [f"  | {label} | {fmt(a)} | {fmt(b)} | {fmt(c)} |" for label, a, b, c in ceilings(test)]
    lines += ["", "  Choosing the object with the ground truth would score 100 in every frame (the target is always "
              "one of the objects in its box), so (b) -- the choice a single frame can make -- is the single-frame "
              "ceiling of a method that segments one object; (a) is the ceiling of one that segments everything "
              "in the box."]
    return lines


def network_line(setting: str, config: Any, cfg: Config, record: Dict) -> str:
    """Setup bullet of one trained network."""
    multiframe = ("" if config.net.get("single_frame_encoding", True) else
                  " in the paper's MultiFrame variant (the decoder gets zeros in place of the single-frame encoding "
                  "m_t)")
    learner = config.learner_iterations or config.net.get("optim_iter")
    return (f"* **Network** (`ltr-train box2mask {setting}`: {config.description}): STANet{multiframe} with a "
            f"width-16 ResNet-18 backbone trained from scratch, {cfg.crop[0]}x{cfg.crop[1]} crops of "
            f"{config.search_area_factor:g}x the box ('{config.crop_mode}' crops), T = {config.num_frames} frames per "
            f"sample within {config.max_window} frames, {learner} learner iterations per pass, loss of Eq. 4 "
            f"(weight {config.loss_weight:g}), {record['hparams']['iterations']} iterations of batch "
            f"{record['batch']}, Adam lr "
            f"{config.lr:g} / {1 / config.lr_gamma:g} at {list(config.lr_milestones)}, training seed "
            f"{record.get('seed')}. Last training epoch: J first pass {fmt(record['last_epoch'].get('J/first'))}, "
            f"refined {fmt(record['last_epoch'].get('J/refined'))} (on training crops); training wall time "
            f"{record['seconds']:.0f} s, CPU time {record.get('cpu_seconds', 0):.0f} s.")


def comparison(networks: Dict[str, Dict], summary: pd.DataFrame, tables: Dict[str, pd.DataFrame],
               frames: Dict[str, pd.DataFrame], settings: Sequence[str], hi: int) -> List[str]:
    """One line per trained network: what it changes, its training time, J on ambiguous frames at T = 1 and T = hi,
    the paired gain on ambiguous frames, and the probe on ambiguous windows."""
    by_key = summary.set_index("key")
    main = settings[0]
    lines = [f"| network | changes | training s (wall / CPU) | J amb. T=1 first / refined | J amb. T={hi} first / refined | "
             f"T={hi} - T=1, amb., refined (+- SE) | same, first pass | J all T={hi} refined | "
             "probe, amb. windows: s=0 / m=0 / s from T=1 (% flipped) | s_t ranks target above twin, T=1 / "
             f"T={hi} (%) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for setting in settings:
        net = networks[setting]
        k = {(t, r): stanet_key(setting, main, t, r) for t in (1, hi) for r in (False, True)}
        diffs = []
        for refined in (True, False):
            mean, se = paired_difference(ambiguous_frames(frames[k[(hi, refined)]]),
                                         ambiguous_frames(frames[k[(1, refined)]]), "J")
            diffs.append(f"{100 * mean:+.1f} +- {100 * se:.1f}")
        p = net["probe"]
        lines.append(
            f"| `{setting}` | {net['config'].description} | {net['record']['seconds']:.0f} / "
            f"{net['record'].get('cpu_seconds', 0):.0f} | "
            f"{fmt(by_key.loc[k[(1, False)], 'J_ambiguous'])} / {fmt(by_key.loc[k[(1, True)], 'J_ambiguous'])} | "
            f"{fmt(by_key.loc[k[(hi, False)], 'J_ambiguous'])} / {fmt(by_key.loc[k[(hi, True)], 'J_ambiguous'])} | "
            f"{diffs[0]} | {diffs[1]} | {fmt(by_key.loc[k[(hi, True)], 'J'])} | "
            f"{100 * p.get('s_zeroed_ambiguous', np.nan):.1f} / {100 * p.get('m_zeroed_ambiguous', np.nan):.1f} / "
            f"{100 * p.get('s_from_T1_ambiguous', np.nan):.1f} | {fmt(p.get('rank_s_T1'))} / "
            f"{fmt(p.get(f'rank_s_T{hi}'))} |")
    return lines


def probe_lines(probe: Dict, cfg: Config, setting: str) -> List[str]:
    """The decoder-input probe of one network, and (on data with twins) whether s_t tells target from twin."""
    amb = probe.get("windows_ambiguous")
    tail = (f" (on the {amb} windows whose target frame is ambiguous: {100 * probe['s_zeroed_ambiguous']:.2f} %, "
            f"{100 * probe['m_zeroed_ambiguous']:.2f} %, {100 * probe['s_from_T1_ambiguous']:.2f} %)"
            if amb else "")
    lines = [f"STANet's decoder reads cat[m_t, s_t]: m_t from the single-frame box encoder, s_t from the multi-frame "
             f"aggregation. Network `{setting}`, on {probe['windows']} test windows (T = {probe['num_frames']}, "
             f"delta = {cfg.interval}), the share of pixels inside the target's box whose first-pass mask flips when",
             "", f"* s_t is set to zero: {100 * probe['s_zeroed']:.2f} %",
             f"* m_t is set to zero: {100 * probe['m_zeroed']:.2f} %",
             f"* s_t is aggregated from the target frame alone (T = 1): {100 * probe['s_from_T1']:.2f} %", "",
             f"in the order above{tail}. Mean |s_t| / mean |m_t| = {probe['s_over_m']:.3f}."]
    if probe.get("twin_frames"):
        t = probe["num_frames"]
        lines += ["", f"Can the aggregation tell the target from its twin? On the {probe['twin_frames']} test frames "
                  "with a twin on the box (and cells of each at the learner's stride 16), the share of frames in "
                  "which the target's cells score above the twin's (ties count half; 50 % = chance):", "",
                  "| score of a 16x16 cell | T = 1 | T = " + str(t) + " |", "|---|---|---|",
                  f"| the network's s_t (projected on its box label) | {fmt(probe['rank_s_T1'])} | "
                  f"{fmt(probe[f'rank_s_T{t}'])} |",
                  f"| ridge filter on the network's learner features x, fitted to the box | "
                  f"{fmt(probe['rank_x_ridge_T1'])} | {fmt(probe[f'rank_x_ridge_T{t}'])} |",
                  f"| ridge filter on hand-made colour features (no learning), fitted to the box | "
                  f"{fmt(probe.get('colour_ridge_T1'))} | {fmt(probe.get(f'colour_ridge_T{t}'))} |", "",
                  "(`benchmarks/synthetic_probe.py`.)"]
    return lines


def render(cfg: Config, argv: Sequence[str], manifests: Dict[str, Dict], networks: Dict[str, Dict],
           summary: pd.DataFrame, checks: List[str], tables: Dict[str, pd.DataFrame],
           frames: Dict[str, pd.DataFrame], timings: Dict[str, float], info: Dict[str, str],
           training_plot: Path) -> str:
    """The Markdown report."""
    main = cfg.setting
    doc_dir = Path(cfg.doc).parent
    title = ("# Evidence: mining several frames where one frame is ambiguous (synthetic distractor benchmark)"
             if cfg.generator == "distractor" else
             "# Evidence: a synthetic benchmark where one frame cannot tell the target")
    lines = [title, "",
             f"*Generated by `benchmarks/synthetic_ablation.py` on {info['date']}; everything outside the notes block "
             "is rewritten by the script.*", "",
             PAPER + " This experiment tests that mechanism at laptop scale, on videos built so that a single frame "
             "is ambiguous, with the project's own network, training and evaluation code.", "", "## Setup", ""]
    lines += video_lines(cfg, manifests)
    lines += [network_line(main, networks[main]["config"], cfg, networks[main]["record"])]
    if len(cfg.settings) > 1:
        lines.append(f"* **Other networks** ({', '.join(f'`{s}`' for s in cfg.settings[1:])}): the same data and "
                     "evaluation; see [Networks compared](#networks-compared).")
    lines += [f"* **Evaluation** (`box2mask.evaluation.evaluate_sequence`, the code of `box2mask evaluate`): boxes "
              "from the GT masks, every frame a target, DAVIS J / F per object. STANet: window of T frames spaced "
              f"delta = {cfg.interval} ({len(cfg.num_frames_list)} values of T), {cfg.learner_iterations} "
              f"steepest-descent iterations, sample scale {networks[main]['config'].search_area_factor:g}, input "
              f"{cfg.crop[0]}x{cfg.crop[1]}; 'first pass' = masks before the refinement pass (`refine=False`).", "",
              "## Results", "",
              "J and F in %, means over the test videos; 'ambiguous' / 'clear': per-frame J over the ambiguous / "
              f"other frames. STANet rows: network `{main}`.", "",
              "| method | T | J | J ambiguous frames | J clear frames | F | seconds |", "|---|---|---|---|---|---|---|"]
    shown = summary[(summary["family"] != "stanet") | (summary["setting"] == main)]
    for _, r in shown.iterrows():
        t = "-" if pd.isna(r["T"]) else str(int(r["T"]))
        lines.append(f"| {r['method']} | {t} | {fmt(r['J'])} | {fmt(r['J_ambiguous'])} | {fmt(r['J_clear'])} | "
                     f"{fmt(r['F'])} | {r['seconds']:.0f} |")
    lines += ["", f"![J vs T]({os.path.relpath(cfg.plot, doc_dir)})", "",
              "## Checks (expected: T = 5 clearly above T = 1, refinement not worse)", ""]
    lines += [f"* {c}" for c in checks]
    lines += ["", "## Which decoder input does the trained network use?", ""]
    lines += probe_lines(networks[main]["probe"], cfg, main)
    ts = sorted(int(t) for t in summary.loc[summary["family"] == "stanet", "T"].unique())
    hi = 5 if 5 in ts else ts[-1]
    if len(cfg.settings) > 1:
        lines += ["", "## Networks compared", "",
                  "The same data and evaluation for every network; J in % on the ambiguous frames; the gain is the "
                  "paired difference over the test videos of the per-video mean J on ambiguous frames (mean +- "
                  "standard error).", ""]
        lines += comparison(networks, summary, tables, frames, cfg.settings, hi)
        for setting in cfg.settings[1:]:
            mean, se = paired_difference(tables[stanet_key(setting, main, hi, True)],
                                         tables[stanet_key(setting, main, 1, True)])
            lines.append(f"\n`{setting}`: all frames, refined, T = {hi} vs T = 1: {100 * mean:+.2f} +- "
                         f"{100 * se:.2f} J ({verdict(mean, se)}).")
    lines += ["", f"Training curves (J on the training crops per epoch): "
              f"![training curves]({os.path.relpath(training_plot, doc_dir)})"]
    lines += ["", "## Interpretation", "", notes(Path(cfg.doc)), "", "## Reproduce", "", "```",
              "python -m " + " ".join(["benchmarks.synthetic_ablation"] + list(argv)), "```", "",
              "The workspace keeps data, checkpoints and per-sequence results; rerunning the command reuses every "
              "finished step. The training step alone is `B2M_DAVIS_DIR=<workspace>/data/train ltr-train box2mask "
              f"{main} --set checkpoint_dir=<workspace>/checkpoints --set output_size={list(cfg.crop)}`. The "
              "reference rows are also `box2mask evaluate --data <workspace>/data/test --method classic|grabcut|box "
              "--out DIR`; the STANet rows need the network input size and `refine=False`, which the script passes "
              "through the Python API (`build_method('stanet', input_size=..., refine=...)`).", "",
              f"* Machine: {info['cpu']}; {info['os']}; Python {info['python']}, torch {info['torch']}; "
              f"{cfg.threads} torch thread(s); commit {info['commit']}."]
    for setting in cfg.settings:
        record = networks[setting]["record"]
        sessions = record.get("sessions", [])
        load = ", ".join(f"{s['load_before'][0]:.1f} / {s['load_after'][0]:.1f}" for s in sessions) or "not recorded"
        lines.append(f"* Training `{setting}`: {record['seconds']:.0f} s wall time, {record.get('cpu_seconds', 0):.0f} s "
                     f"CPU time of the training process, in {len(sessions)} session(s) (the epochs' own timing adds "
                     f"up to {record.get('epoch_seconds', 0):.0f} s); load average (1 min) before / after each "
                     f"session: {load} (other jobs shared the cores).")
    lines += [f"* Wall time: data {timings['data']:.0f} s, evaluation {timings['eval']:.0f} s (sum of the "
              "per-sequence prediction times; reused steps count their original time).", ""]
    return "\n".join(lines)
