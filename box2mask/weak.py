"""The Sec. 4.2 experiment in one command: Box2Mask on set A -> pseudo masks for set B -> LWL on A + pseudo B.

    box2mask weak --workspace DIR [--device cuda] [--workers 8]

The driver lives in ``box2mask`` (the top layer) because it chains both sides: the trainings of ``ltr`` (the settings
``ltr/train_settings/weak/*``, run as child processes) and ``box2mask annotate`` (run in this process).

Steps, each resumable (rerun the same command after an interruption; finished steps are skipped):

1. ``box2mask``: ``ltr-train weak box2mask_a --resume`` (checkpoints in ``DIR/checkpoints/weak/box2mask_a``);
2. ``export``: its newest checkpoint -> ``DIR/weak/box2mask_a.pth``, a network file that records the input
   convention of our training (``input_format='bgr255_mrcnn'``, BGR minus the Mask R-CNN mean), which the STANet
   method of ``box2mask`` reads (official checkpoints are run on raw RGB instead);
3. ``boxes``: set B (YouTube-VOS split ``weak_b``) as a folder layout ``DIR/weak/set_b_boxes/<video>__<object>/``:
   links to its frames plus ``groundtruth.txt`` with the tight boxes of its masks ('nan' where the object is
   absent) -- the only annotation of B the experiment uses;
4. ``annotate``: ``box2mask annotate --dataset folder --root DIR/weak/set_b_boxes --out DIR/weak/set_b_masks
   --method stanet --checkpoint DIR/weak/box2mask_a.pth --sample-scale 5`` (the training crop factor; plus
   ``--annotate-arg`` options);
5. ``link``: ``DIR/pseudo_masks/youtubevos_weak_b/<video>/<object>`` -> the annotated folders, the layout of the
   ``youtubevos_weak_b_pseudo`` training dataset;
6. ``lwl``: ``ltr-train weak lwl_a_pseudo_b --resume`` with ``pseudo_mask_dir=DIR/pseudo_masks``.

Dataset paths (``youtubevos_dir``) and the Mask R-CNN weights (``network_path``) come from the usual local settings.
``--preset tiny`` trains small networks at a small size (CPU demonstrations and tests).
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from ltr.admin.environment import env_settings
from ltr.admin.fileio import atomic_write_text
from ltr.admin.loading import load_network, save_network
from ltr.train_settings import datasets as dataset_table
from ltr.train_settings.box2mask.tiny import TINY_NET
from ltr.trainers import list_checkpoints

logger = logging.getLogger(__name__)

STEPS = ("box2mask", "export", "boxes", "annotate", "link", "lwl")
SEPARATOR = "__"  # <video>/<object> -> folder name <video>__<object>
INPUT_FORMAT = "bgr255_mrcnn"

_TINY_LWL_NET = {**TINY_NET, "label_encoder_dims": [8, 16, 16]}  # the mask encoder of LWL has 3 widths
#: Hyper-parameters of ``--preset tiny`` (small networks, small crops, short runs).
TINY_PRESET: Dict[str, Dict[str, object]] = {
    "box2mask": {"net": TINY_NET, "mrcnn_weights": None, "output_size": [128, 96], "search_area_factor": 3.0,
                 "max_window": 24, "iterations": 400, "iterations_per_epoch": 100, "lr": 3e-3,
                 "lr_milestones": [300], "batch_size": 4},
    "lwl": {"net": _TINY_LWL_NET, "mrcnn_weights": None, "output_size": [128, 96], "search_area_factor": 3.0,
            "num_epochs": 4, "iterations_per_epoch": 100, "val_iterations": 10, "val_interval": 2,
            "lr_groups": {"target_model": 1e-3, "decoder": 1e-3, "label_encoder": 1e-3, "feature_extractor": 1e-3},
            "lr_milestones": [3], "batch_size": 4},
}


class StepError(RuntimeError):
    """A step of the chain failed (the message names it and how to continue)."""


# --------------------------------------------------------------------------------------------------- helpers
def assignments(values: Dict[str, object]) -> List[str]:
    """``--set NAME=VALUE`` arguments of ltr-train for hyper-parameter values."""
    out = []
    for name, value in values.items():
        out += ["--set", f"{name}={value!r}"]
    return out


def run_command(cmd: Sequence[str], step: str, env: Optional[Dict[str, str]] = None) -> None:
    """Run a child process; a non-zero exit raises :class:`StepError` naming the step."""
    logger.info("[%s] %s", step, " ".join(cmd))
    result = subprocess.run(list(cmd), env=env)
    if result.returncode != 0:
        raise StepError(f"Step '{step}' failed (exit code {result.returncode}); fix the cause and rerun the same "
                        f"command to continue")


def run_annotate(argv: Sequence[str]) -> None:
    """``box2mask annotate ARGV`` in this process; a non-zero exit raises :class:`StepError`."""
    from box2mask.cli import main as box2mask_main

    logger.info("[annotate] box2mask %s", " ".join(argv))
    code = box2mask_main(list(argv))
    if code != 0:
        raise StepError(f"Step 'annotate' failed (exit code {code}); fix the cause and rerun the same command to "
                        f"continue")


def newest_checkpoint(folder: Path) -> Path:
    """The newest epoch checkpoint in ``folder``."""
    found = sorted(item for name in {p.name.split("_ep")[0] for p in folder.glob("*_ep*.pth.tar")}
                   for item in list_checkpoints(folder, name))
    if not found:
        raise StepError(f"No checkpoint in {folder}")
    return found[-1][1]


def export_network(checkpoint: Path, out: Path) -> Path:
    """Write the network of a training checkpoint as a network file recording our input convention (skipped when
    ``out`` is newer than ``checkpoint``)."""
    if out.is_file() and out.stat().st_mtime >= checkpoint.stat().st_mtime:
        logger.info("[export] %s is up to date", out)
        return out
    net = load_network(checkpoint)
    save_network(net, out, info={"input_format": INPUT_FORMAT, "source": str(checkpoint)})
    logger.info("[export] %s -> %s", checkpoint, out)
    return out


def _link_or_copy(target: Path, link: Path) -> None:
    try:
        os.symlink(target, link)
    except OSError:
        shutil.copy2(target, link)


def write_box_folders(dataset, out: Path) -> List[str]:
    """Each sequence of ``dataset`` as ``out/<video>__<object>/`` with frame links and ``groundtruth.txt`` (boxes
    of the valid frames, 'nan' elsewhere). Existing complete folders are kept. Returns the folder names."""
    names = []
    for seq_id in range(dataset.get_num_sequences()):
        name = dataset.get_sequence_name(seq_id).replace("/", SEPARATOR)
        if name in names:
            raise StepError(f"Two sequences map to the folder name {name!r}")
        names.append(name)
        folder = out / name
        if (folder / "groundtruth.txt").is_file():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        info = dataset.get_sequence_info(seq_id)
        for path in dataset.get_frame_paths(seq_id):
            link = folder / path.name
            if not link.exists():
                _link_or_copy(Path(path).resolve(), link)
        rows = [",".join(f"{v:g}" for v in box.tolist()) if bool(valid) else "nan,nan,nan,nan"
                for box, valid in zip(info["bbox"], info["valid"])]
        atomic_write_text(folder / "groundtruth.txt", "\n".join(rows) + "\n")  # last: marks the folder complete
    return names


def link_masks(masks: Path, names: Iterable[str], out: Path) -> int:
    """``out/<video>/<object>`` -> ``masks/<video>__<object>`` for every annotated (``.done``) folder; returns how
    many links exist. A folder that was not annotated completely raises."""
    count = 0
    for name in names:
        source = masks / name
        if not (source / ".done").is_file():
            raise StepError(f"{source} is not completely annotated (no .done); rerun to finish the annotation")
        video, _, obj = name.rpartition(SEPARATOR)
        link = out / video / obj
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(source.resolve(), link, target_is_directory=True)
            except OSError:
                shutil.copytree(source, link)
        count += 1
    return count


# ----------------------------------------------------------------------------------------------------- the chain
def train_command(setting: str, workspace: Path, args: argparse.Namespace, hparams: Dict[str, object],
                  extra: Sequence[str]) -> List[str]:
    """``python -m ltr.run_training weak SETTING --resume ...`` with the workspace's output folders."""
    cmd = [sys.executable, "-m", "ltr.run_training", "weak", setting, "--resume",
           "--set", f"checkpoint_dir={str(workspace / 'checkpoints')!r}",
           "--set", f"tensorboard_dir={str(workspace / 'tensorboard')!r}"]
    for flag, value in (("--device", args.device), ("--workers", args.workers), ("--seed", args.seed)):
        if value is not None:
            cmd += [flag, str(value)]
    if args.skip_missing:
        hparams = {**hparams, "skip_missing_sequences": True}
    return cmd + assignments(hparams) + list(extra)


def run_chain(args: argparse.Namespace) -> Path:
    """Run the steps (see the module docstring); returns the folder of the LWL checkpoints."""
    ws = Path(args.workspace).expanduser().resolve()
    weak = ws / "weak"
    preset = TINY_PRESET if args.preset == "tiny" else {"box2mask": {}, "lwl": {}}
    steps = STEPS[:STEPS.index(args.until) + 1]
    network = weak / "box2mask_a.pth"
    boxes, masks, pseudo = weak / "set_b_boxes", weak / "set_b_masks", ws / "pseudo_masks"

    if "box2mask" in steps:
        run_command(train_command("box2mask_a", ws, args, preset["box2mask"], _split_sets(args.box2mask_set)),
                    "box2mask")
    if "export" in steps:
        export_network(newest_checkpoint(ws / "checkpoints" / "weak" / "box2mask_a"), network)
    names: List[str] = []
    if "boxes" in steps:
        set_b = dataset_table.build_dataset(env_settings(), "youtubevos_weak_b", skip_missing=args.skip_missing)
        names = write_box_folders(set_b, boxes)
        logger.info("[boxes] %d sequences of set B in %s", len(names), boxes)
    if "annotate" in steps:
        scale = float(preset["box2mask"].get("search_area_factor", 5.0))  # the crop size the network learned
        argv = ["annotate", "--dataset", "folder", "--root", str(boxes), "--out", str(masks), "--method",
                args.method, "--no-progress"]
        if args.method == "stanet":
            argv += ["--checkpoint", str(network), "--sample-scale", f"{scale:g}"]
            if args.device:
                argv += ["--device", "cuda" if args.device.startswith("cuda") else args.device]
        run_annotate(argv + list(args.annotate_arg))
    if "link" in steps:
        count = link_masks(masks, names or sorted(p.name for p in boxes.iterdir() if p.is_dir()),
                           pseudo / "youtubevos_weak_b")
        logger.info("[link] %d pseudo-masked sequences in %s", count, pseudo / "youtubevos_weak_b")
    if "lwl" in steps:
        env = dict(os.environ, B2M_PSEUDO_MASK_DIR=str(pseudo))
        run_command(train_command(args.lwl_setting, ws, args, preset["lwl"], _split_sets(args.lwl_set)), "lwl",
                    env=env)
    return ws / "checkpoints" / "weak" / args.lwl_setting


def _split_sets(items: Sequence[str]) -> List[str]:
    out: List[str] = []
    for item in items:
        out += ["--set", item]
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Command-line options of the driver."""
    p.add_argument("--workspace", required=True, help="folder for checkpoints, pseudo masks and logs")
    p.add_argument("--device", default=None, help="cpu / cuda / cuda:N for the trainings and the annotation")
    p.add_argument("--workers", type=int, default=None, help="DataLoader workers of the trainings")
    p.add_argument("--seed", type=int, default=None, help="base seed of the trainings")
    p.add_argument("--preset", choices=("paper", "tiny"), default="paper",
                   help="'tiny': small networks and short runs (CPU demonstration)")
    p.add_argument("--box2mask-set", action="append", default=[], metavar="NAME=VALUE",
                   help="hyper-parameter of weak/box2mask_a (repeatable)")
    p.add_argument("--lwl-set", action="append", default=[], metavar="NAME=VALUE",
                   help="hyper-parameter of the LWL setting (repeatable)")
    p.add_argument("--lwl-setting", default="lwl_a_pseudo_b", help="LWL setting of step 6 (in ltr/train_settings/weak)")
    p.add_argument("--method", default="stanet",
                   help="box2mask method of step 4: 'stanet' (the network of step 1) or a baseline without weights "
                   "('box', 'grabcut', 'classic') for comparisons")
    p.add_argument("--annotate-arg", action="append", default=[], metavar="ARG",
                   help="extra argument of `box2mask annotate` (repeatable, e.g. --annotate-arg=--num-frames=3)")
    p.add_argument("--skip-missing", action="store_true",
                   help="use the split videos present on disk (default: missing videos are an error)")
    p.add_argument("--until", choices=STEPS, default=STEPS[-1], help="stop after this step")


def run(args: argparse.Namespace) -> int:
    """Run the chain: 0 on success, 1 when a step failed (the log says which and how to continue)."""
    try:
        out = run_chain(args)
    except StepError as e:
        logger.error("%s", e)
        return 1
    sys.stdout.write(f"LWL checkpoints: {out}\n")
    return 0
