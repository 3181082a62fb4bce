"""Does mining several frames beat one frame where one frame is ambiguous? The paper's Tables 1-2 at laptop scale.

Synthetic videos (:mod:`box2mask.synthetic`) put distractors inside the target's box in many frames (the paper's
Fig. 1 case): from one frame a box cannot tell target from distractor, across frames it can, because only the target
stays inside the box. Two generators: 'distractor' (the original benchmark; single frames still carry cues: the
target is the bigger object touching all four box sides) and 'ambiguous' (no single-frame cue: the distractors are
drawn like the target and lie exactly on its box for a few frames). Small STANets (``ltr-train box2mask <setting>``)
are trained on CPU on one seeded set of videos and evaluated on a separate seeded set (other seeds) with box2mask's
evaluation (:mod:`box2mask.evaluation`: boxes from the GT masks, DAVIS J per object): J for T = 1, 3, 5, 7 window
frames with and without the refinement pass, a probe of which decoder input each network uses, and the methods
without learned weights for reference (classic T = 1 / T = 5, GrabCut on a crop and on the whole frame, the filled
box). Every frame is also scored on its own and classed *ambiguous* or *clear* (:func:`synthetic_data.frame_facts`).

    python -m benchmarks.synthetic_ablation --workspace DIR                               # original benchmark
    python -m benchmarks.synthetic_ablation --workspace DIR --setting synthetic_ambiguous ...   # one frame ambiguous

With several ``--setting`` values the first is the main network (full table, plot) and every one gets a line in a
comparison table (J vs T on ambiguous frames, probe, training time). Writes ``--doc`` and ``--plot`` (defaults:
``docs/evidence.md`` / ``docs/evidence_ambiguous.md`` by generator); the workspace keeps the data, checkpoints and
per-sequence results, so a rerun reuses every finished step (an interrupted training resumes from its last epoch).
Text between the ``<!-- notes -->`` markers of an existing document is kept.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import torch

from box2mask.evaluation import evaluate_sequence, list_sequences, load_sequence
from box2mask.methods import build_method
from box2mask.synthetic import GENERATORS
from ltr.admin.fileio import atomic_write_text
from ltr.run_training import run_training

from benchmarks.synthetic_data import (AMBIGUOUS_FRACTION, box_region, digest_of, frame_facts, jaccard,  # noqa: F401
                                       prepare_split, videos)
from benchmarks.synthetic_probe import colour_separation, probe_network
from benchmarks.synthetic_render import ceilings, render
from benchmarks.synthetic_report import checks, machine, plot, plot_training

logger = logging.getLogger("synthetic_ablation")

REPO = Path(__file__).resolve().parents[1]
SETTINGS_PACKAGE = "ltr.train_settings.box2mask"
PROBE_VERSION = 3  # bump when the probes change: cached probe files are recomputed


def setting_module(name: str) -> Any:
    """``ltr.train_settings.box2mask.<name>`` (a synthetic setting: it defines ``CONFIG`` and ``GENERATOR``)."""
    module = importlib.import_module(f"{SETTINGS_PACKAGE}.{name}")
    if not hasattr(module, "CONFIG"):
        raise SystemExit(f"error: train setting box2mask/{name} is not a synthetic benchmark setting (no CONFIG)")
    return module


def synthetic_settings() -> List[str]:
    """Names of the train settings this benchmark can run (``ltr/train_settings/box2mask/synthetic*.py``)."""
    folder = REPO / "ltr" / "train_settings" / "box2mask"
    return sorted(p.stem for p in folder.glob("synthetic*.py"))


@dataclass
class Config:
    """Everything the experiment chooses (the command-line options)."""

    workspace: str
    train_videos: int = 200
    test_videos: int = 24
    train_seed: int = 0
    test_seed: int = 100000
    frames: int = 40
    size: Tuple[int, int] = (200, 150)            # (width, height) of the videos
    distractors: int = 3
    iterations: Optional[int] = None              # training iterations (None: each setting's own)
    iterations_per_epoch: Optional[int] = None    # (None: each setting's own)
    batch: Optional[int] = None                   # (None: each setting's own)
    crop: Tuple[int, int] = (128, 96)             # (width, height) network input, training and inference
    num_frames_list: List[int] = field(default_factory=lambda: [1, 3, 5, 7])
    interval: int = 5
    learner_iterations: int = 15                  # steepest-descent steps at inference (paper App. C)
    threads: int = 2
    references: bool = True                       # also evaluate classic / grabcut / box
    settings: List[str] = field(default_factory=lambda: ["synthetic"])  # ltr/train_settings/box2mask/<name>.py
    generator: str = "distractor"                 # box2mask.synthetic.GENERATORS
    doc: str = str(REPO / "docs" / "evidence.md")
    plot: str = str(REPO / "docs" / "evidence_j_vs_t.png")

    @property
    def setting(self) -> str:
        """The main network's train setting."""
        return self.settings[0]

    def video_options(self) -> Dict:
        """Options of the generator (the motion cycles through MOTIONS per video)."""
        if self.generator == "distractor":
            return dict(size=tuple(self.size), num_frames=self.frames, target_scale=0.3,
                        num_distractors=self.distractors, distractor_motion="mixed", travel=0.5)
        return dict(size=tuple(self.size), num_frames=self.frames, target_scale=0.3, travel=0.5)  # one distractor


# -------------------------------------------------------------------------------------------------- training
def train(cfg: Config, setting: Optional[str] = None) -> Tuple[Path, Dict]:
    """Train (or resume, or reuse) the small STANet of ``setting`` (default: the main one); returns the final
    checkpoint and the training record (wall time of every session, load, threads, per-epoch statistics)."""
    setting = setting or cfg.setting
    conf = setting_module(setting).CONFIG
    iterations = cfg.iterations or conf.iterations
    per_epoch = cfg.iterations_per_epoch or conf.iterations_per_epoch
    batch = cfg.batch or conf.batch_size
    ckpt_root = Path(cfg.workspace) / "checkpoints"
    epochs = -(-iterations // per_epoch)
    final = ckpt_root / "box2mask" / setting / f"STANet_ep{epochs:04d}.pth.tar"
    record_path = ckpt_root / ("record.json" if setting == "synthetic" else f"record_{setting}.json")
    record = json.loads(record_path.read_text()) if record_path.is_file() else {"seconds": 0.0, "sessions": []}
    record.setdefault("cpu_seconds", 0.0)
    hparams = dict(iterations=iterations, iterations_per_epoch=per_epoch, output_size=list(cfg.crop))
    if not final.is_file():
        overrides = dict(device="cpu", num_workers=0, batch_size=batch, progress_bar=False,
                         use_tensorboard=False, checkpoint_dir=str(ckpt_root), keep_last_checkpoints=2)
        start, cpu, load = time.perf_counter(), time.process_time(), os.getloadavg()
        previous = os.environ.get("B2M_DAVIS_DIR")
        os.environ["B2M_DAVIS_DIR"] = str(Path(cfg.workspace) / "data" / "train")  # the setting's davis_dir
        try:
            run_training("box2mask", setting, resume=True, overrides=overrides, hparams=hparams)
        finally:
            if previous is None:
                os.environ.pop("B2M_DAVIS_DIR", None)
            else:
                os.environ["B2M_DAVIS_DIR"] = previous
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        record["seconds"] += seconds
        record["cpu_seconds"] += cpu  # this process's CPU time: what the training cost, whatever else ran
        record["sessions"].append({"seconds": seconds, "cpu_seconds": cpu, "load_before": load,
                                   "load_after": os.getloadavg(), "threads": torch.get_num_threads()})
        atomic_write_text(record_path, json.dumps(record, indent=1) + "\n")
    if not final.is_file():
        raise RuntimeError(f"Training finished without writing {final}")
    state = torch.load(final, map_location="cpu", weights_only=True)
    history = state["stats"]["history"]
    record["hparams"], record["seed"], record["batch"] = hparams, state["settings"].get("seed"), batch
    record["last_epoch"] = history[-1]["train"]
    record["first_epoch"] = history[0]["train"] if history[0].get("train") else None
    record["curves"] = [h.get("train", {}) for h in history]
    # the epochs' own timing (samples / samples per second): counts every session, also interrupted ones
    record["epoch_seconds"] = float(sum(per_epoch * batch / c["Time/samples_per_s"] for c in record["curves"]
                                        if c.get("Time/samples_per_s")))
    return final, record


# ------------------------------------------------------------------------------------------------ evaluation
@dataclass
class Row:
    """One evaluated method setting."""

    key: str
    method: str
    options: Dict
    label: str
    num_frames: Optional[int] = None
    refine: Optional[bool] = None
    setting: Optional[str] = None                 # train setting of a STANet row


def stanet_rows(cfg: Config, setting: str, checkpoint: Path, main: bool) -> List[Row]:
    """The STANet grid (T x refinement) of one trained network; the main network's keys have no prefix."""
    net_cfg = setting_module(setting).CONFIG
    stanet = dict(checkpoint=str(checkpoint), interval=cfg.interval, iterations=cfg.learner_iterations,
                  sample_scale=net_cfg.search_area_factor, input_size=(cfg.crop[1], cfg.crop[0]), device="cpu")
    prefix = "" if main else f"{setting}/"
    out = []
    for t in cfg.num_frames_list:
        for refine in (False, True):
            name = "refined" if refine else "first pass"
            out.append(Row(f"{prefix}stanet_T{t}_{'refined' if refine else 'first'}", "stanet",
                           dict(stanet, num_frames=t, refine=refine), f"STANet, {name}", t, refine, setting))
    return out


def reference_rows() -> List[Row]:
    """The methods without learned weights (the classic default is T = 5, delta = 5; its T = 1 variant measures the
    multi-frame gain without learning; box2mask's no-weights default is GrabCut on a 1.5x crop)."""
    return [Row("classic_T1", "classic", {"num_frames": 1}, "classic (no weights), single frame", 1),
            Row("classic_default", "classic", {}, "classic (no weights), T = 5", 5),
            Row("grabcut_crop", "grabcut", {"sample_scale": 1.5}, "GrabCut, 1.5x crop (box2mask default)", 1),
            Row("grabcut_frame", "grabcut", {"sample_scale": 0}, "GrabCut, whole frame", 1),
            Row("box", "box", {}, "filled box")]


def evaluate_row(cfg: Config, row: Row, manifest: Dict) -> Tuple[pd.DataFrame, pd.DataFrame]:
    """Per-object DAVIS scores and per-frame J of ``row`` on the test set; finished sequences are reused."""
    root = Path(cfg.workspace) / "data" / "test"
    out_dir = Path(cfg.workspace) / "eval" / row.key
    settings = {"method": row.method, "options": {k: list(v) if isinstance(v, tuple) else v
                                                  for k, v in row.options.items()}, "data": manifest["sha256"]}
    settings_path = out_dir / "settings.json"
    if settings_path.is_file() and json.loads(settings_path.read_text()) != settings:
        raise SystemExit(f"error: {out_dir} holds results of another setting; use a new --workspace")
    atomic_write_text(settings_path, json.dumps(settings, indent=1, sort_keys=True) + "\n")
    method = None
    tables, frames = [], []
    for name in list_sequences(root):
        obj_csv, frame_csv = out_dir / f"{name}.csv", out_dir / f"{name}.frames.csv"
        if not (obj_csv.is_file() and frame_csv.is_file()):
            method = method or build_method(row.method, **row.options)
            seq = load_sequence(root, name)
            start = time.perf_counter()
            table, merged = evaluate_sequence(method, seq)
            table["seconds"] = time.perf_counter() - start
            facts = manifest["facts"][name]
            per_frame = pd.DataFrame({
                "sequence": name, "frame": sorted(merged),
                "J": [jaccard(seq.labels[t] == 1, merged[t] == 1) for t in sorted(merged)],
                "ambiguous": [facts["ambiguous"][t] for t in sorted(merged)]})
            atomic_write_text(frame_csv, per_frame.to_csv(index=False))
            atomic_write_text(obj_csv, table.to_csv(index=False))  # written last: marks the sequence as done
            logger.info("%s %s: J %.3f (%.1f s)", row.key, name, table["J_mean"].mean(), table["seconds"].iloc[0])
        tables.append(pd.read_csv(obj_csv, dtype={"sequence": str}))
        frames.append(pd.read_csv(frame_csv, dtype={"sequence": str}))
    return pd.concat(tables, ignore_index=True), pd.concat(frames, ignore_index=True)


def summarize_row(row: Row, table: pd.DataFrame, per_frame: pd.DataFrame) -> Dict:
    """The table line of one setting (J, F: DAVIS means over the objects; J split by ambiguous/clear frames)."""
    amb = per_frame["ambiguous"].astype(bool)
    return {"key": row.key, "family": row.method, "method": row.label, "T": row.num_frames, "refine": row.refine,
            "setting": row.setting,
            "J": float(table["J_mean"].mean()), "F": float(table["F_mean"].mean()),
            "J_ambiguous": float(per_frame.loc[amb, "J"].mean()) if amb.any() else float("nan"),
            "J_clear": float(per_frame.loc[~amb, "J"].mean()) if (~amb).any() else float("nan"),
            "J_frames": float(per_frame["J"].mean()),
            "seconds": float(table.drop_duplicates("sequence")["seconds"].sum())}


def probe(cfg: Config, setting: str, checkpoint: Path, manifest: Dict) -> Dict:
    """:func:`synthetic_probe.probe_network` of one trained network (plus, on data with twins, the colour-feature
    reference :func:`synthetic_probe.colour_separation`), cached in ``<workspace>/probe_<setting>.json``."""
    path = Path(cfg.workspace) / f"probe_{setting}.json"
    cached = json.loads(path.read_text()) if path.is_file() else {}
    key = f"{setting}/{checkpoint.name}/{manifest['sha256'][:16]}/v{PROBE_VERSION}"
    if cached.get("checkpoint") != key:
        scale = setting_module(setting).CONFIG.search_area_factor
        vids = videos(cfg, "test")
        cached = dict(probe_network(cfg, checkpoint, manifest, vids, scale), checkpoint=key)
        cached.update(colour_separation(cfg, Path(cfg.workspace) / "data" / "test", vids, scale))
        atomic_write_text(path, json.dumps(cached, indent=1) + "\n")
    return cached


def parse_args(argv: Optional[Sequence[str]]) -> Config:
    """Command line -> :class:`Config`."""
    d = Config(workspace="")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workspace", required=True, help="folder for data, checkpoints and per-sequence results")
    p.add_argument("--train-videos", type=int, default=d.train_videos)
    p.add_argument("--test-videos", type=int, default=d.test_videos)
    p.add_argument("--train-seed", type=int, default=d.train_seed)
    p.add_argument("--test-seed", type=int, default=d.test_seed)
    p.add_argument("--frames", type=int, default=d.frames, help="frames per video")
    p.add_argument("--size", type=int, nargs=2, default=list(d.size), metavar=("W", "H"), help="video size")
    p.add_argument("--distractors", type=int, default=d.distractors)
    p.add_argument("--iterations", type=int, default=None, help="training iterations (default: the setting's)")
    p.add_argument("--iterations-per-epoch", type=int, default=None, help="(default: the setting's)")
    p.add_argument("--batch", type=int, default=None, help="training batch size (default: the setting's)")
    p.add_argument("--crop", type=int, nargs=2, default=list(d.crop), metavar=("W", "H"), help="network input")
    p.add_argument("--num-frames-list", type=int, nargs="+", default=d.num_frames_list, help="values of T")
    p.add_argument("--interval", type=int, default=d.interval, help="delta between window frames")
    p.add_argument("--learner-iterations", type=int, default=d.learner_iterations)
    p.add_argument("--threads", type=int, default=d.threads, help="torch / OpenCV threads")
    p.add_argument("--no-references", action="store_true", help="skip the classic / grabcut / box rows")
    p.add_argument("--setting", nargs="+", default=d.settings, choices=synthetic_settings(), metavar="SETTING",
                   help="box2mask train setting(s) of the small STANet; the first is the main network "
                        f"({', '.join(synthetic_settings())})")
    p.add_argument("--generator", choices=sorted(GENERATORS), default=None,
                   help="synthetic videos (default: the one the settings are meant for)")
    p.add_argument("--doc", default=None, help="Markdown report to write (default by generator)")
    p.add_argument("--plot", default=None, help="J vs T plot to write (default by generator)")
    a = p.parse_args(argv)
    if a.test_seed < a.train_seed + a.train_videos and a.train_seed < a.test_seed + a.test_videos:
        p.error("the train and test seed ranges overlap")
    meant = {getattr(setting_module(name), "GENERATOR", "distractor") for name in a.setting}
    if a.generator is None and len(meant) > 1:
        p.error(f"the settings are meant for different generators ({sorted(meant)}); choose one with --generator")
    generator = a.generator or meant.pop()
    stem = "evidence" if generator == "distractor" else f"evidence_{generator}"
    return Config(workspace=a.workspace, train_videos=a.train_videos, test_videos=a.test_videos,
                  train_seed=a.train_seed, test_seed=a.test_seed, frames=a.frames, size=tuple(a.size),
                  distractors=a.distractors, iterations=a.iterations, iterations_per_epoch=a.iterations_per_epoch,
                  batch=a.batch, crop=tuple(a.crop), num_frames_list=list(a.num_frames_list), interval=a.interval,
                  learner_iterations=a.learner_iterations, threads=a.threads, references=not a.no_references,
                  settings=list(dict.fromkeys(a.setting)), generator=generator,
                  doc=a.doc or str(REPO / "docs" / f"{stem}.md"),
                  plot=a.plot or str(REPO / "docs" / f"{stem}_j_vs_t.png"))


def main(argv: Optional[Sequence[str]] = None) -> pd.DataFrame:
    """Run every step (reusing finished ones), write the report and the plots; returns the summary table."""
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_args(argv)
    torch.set_num_threads(cfg.threads)
    import cv2
    cv2.setNumThreads(cfg.threads)
    Path(cfg.workspace).mkdir(parents=True, exist_ok=True)
    manifests = {split: prepare_split(cfg, split) for split in ("train", "test")}
    networks: Dict[str, Dict] = {}
    for setting in cfg.settings:  # train every network first: the evaluation runs once all weights exist
        checkpoint, record = train(cfg, setting)
        networks[setting] = {"checkpoint": checkpoint, "record": record}
    all_rows = [row for i, setting in enumerate(cfg.settings)
                for row in stanet_rows(cfg, setting, networks[setting]["checkpoint"], main=i == 0)]
    all_rows += reference_rows() if cfg.references else []
    summary_rows, tables, frames = [], {}, {}
    for row in all_rows:
        table, per_frame = evaluate_row(cfg, row, manifests["test"])
        tables[row.key], frames[row.key] = table, per_frame
        summary_rows.append(summarize_row(row, table, per_frame))
        logger.info("%s: J %.4f", row.key, summary_rows[-1]["J"])
    summary = pd.DataFrame(summary_rows)
    atomic_write_text(Path(cfg.workspace) / "summary.csv", summary.to_csv(index=False, float_format="%.5f"))
    for setting, net in networks.items():
        net["probe"] = probe(cfg, setting, net["checkpoint"], manifests["test"])
        net["config"] = setting_module(setting).CONFIG
    info = dict(machine(), date=datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"))
    timings = {"data": sum(m.get("seconds", 0.0) for m in manifests.values()),
               "eval": float(summary["seconds"].sum())}
    oracles = ceilings(manifests["test"])  # filled box, (a) all objects in the box, (b) one that fits the box, ...
    plot(summary, Path(cfg.plot), ceilings={"single-frame ceiling (a): all in box": oracles[1][1:3],
                                            "single-frame ceiling (b): one that fits": oracles[2][1:3]})
    training_plot = Path(cfg.plot).with_name(Path(cfg.plot).name.replace("j_vs_t", "training"))
    if training_plot == Path(cfg.plot):
        training_plot = Path(cfg.plot).with_suffix(".training.png")
    plot_training(networks, training_plot)
    text = render(cfg, argv, manifests, networks, summary, checks(summary, tables, cfg.settings, frames), tables,
                  frames, timings, info, training_plot)
    Path(cfg.doc).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(cfg.doc), text)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return summary


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    main()
