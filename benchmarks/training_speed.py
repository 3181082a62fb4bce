"""Training speed of the box2mask / lwl settings on CPU at a small input size (iterations per second).

Each setting is trained through ``ltr.run_training`` exactly as ``ltr-train`` does (sampler, processing, actor,
optimiser step, checkpoints), on synthetic videos in the DAVIS layout (``box2mask.synthetic``), with its datasets
replaced by that folder and its network kept (ResNet-50 networks for ``default`` / ``stage2`` / ``boxinit``; random
weights, so no pretrained files are needed). The rate is that of the last epoch (data loading in the main process
included; the first epoch is a warm-up), reported as iterations/s and samples/s. With ``--workers N`` the samples
are drawn by N DataLoader workers started with ``--start-method`` (their start-up is part of the timed epoch).

    python benchmarks/training_speed.py [--size 208 120] [--batch 4] [--iterations 6] [--threads 1]
        [--workers 0] [--start-method auto|fork|forkserver|spawn] [--only METHOD/SETTING ...] [--out FILE]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import torch

from box2mask.synthetic import make_videos, write_davis_layout
from ltr.admin.fileio import atomic_write_text
from ltr.admin.multigpu import WORKER_START_METHODS
from ltr.run_training import run_training

DAVIS = [["davis", 1, {"version": "2016", "split": "val"}]]

#: (method, setting, hyper-parameters beyond size / batch / length) of each benchmarked setting.
CASES = [
    ("box2mask", "default", {"mrcnn_weights": None, "datasets": DAVIS}),
    ("box2mask", "tiny", {"datasets": DAVIS}),
    ("lwl", "stage2", {"init_checkpoint": None, "datasets": DAVIS, "val_datasets": []}),
    ("lwl", "boxinit", {"init_checkpoint": None, "datasets": DAVIS, "val_datasets": []}),
]


def bench(method: str, setting: str, extra: Dict, root: Path, size: List[int], batch: int,
          iterations: int, workers: int = 0, start_method: str = "auto") -> Dict:
    """Train 2 epochs of ``iterations``; the rate of epoch 2."""
    hp = dict(extra, output_size=list(size))
    overrides = dict(device="cpu", num_workers=workers, worker_start_method=start_method, batch_size=batch,
                     progress_bar=False, use_tensorboard=False,
                     checkpoint_dir=str(root / "ckpt" / f"{method}_{setting}_{start_method}"))
    if method == "box2mask":
        hp.update(iterations=2 * iterations, iterations_per_epoch=iterations)
    else:
        hp.update(iterations_per_epoch=iterations)
        overrides["num_epochs"] = 2
    start = time.perf_counter()
    trainer = run_training(method, setting, overrides=overrides, hparams=hp)
    total = time.perf_counter() - start
    samples_per_s = trainer.history[-1]["train"]["Time/samples_per_s"]
    return {"method": method, "setting": setting, "network": type(trainer.net).__name__,
            "trainable_parameters": sum(p.numel() for p in trainer.net.parameters() if p.requires_grad),
            "samples_per_s": samples_per_s, "iterations_per_s": samples_per_s / batch, "wall_s_total": total}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, nargs=2, default=[208, 120], metavar=("W", "H"), help="crop size")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iterations", type=int, default=6, help="iterations per epoch (2 epochs, the 2nd is timed)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (default 1: more threads than free cores slow training down a lot)")
    p.add_argument("--workers", type=int, default=0, help="DataLoader workers (0: samples drawn in the main process)")
    p.add_argument("--start-method", default="auto", choices=WORKER_START_METHODS,
                   help="how the workers start")
    p.add_argument("--only", nargs="*", default=None, help="METHOD/SETTING names to run (default: all)")
    p.add_argument("--out", default=None, help="also write the results as JSON here")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_davis_layout(root / "davis", make_videos(6, seed=0, size=(320, 240), num_frames=30))
        os.environ["B2M_DAVIS_DIR"] = str(root / "davis")
        for method, setting, extra in CASES:
            if args.only and f"{method}/{setting}" not in args.only:
                continue
            rows.append(bench(method, setting, extra, root, args.size, args.batch, args.iterations, args.workers,
                              args.start_method))
            r = rows[-1]
            sys.stdout.write(f"{method}/{setting:8s} {r['network']:8s} {r['iterations_per_s']:.3f} it/s "
                             f"({r['samples_per_s']:.2f} samples/s)\n")
    info = {"crop_size_wh": args.size, "batch_size": args.batch, "timed_iterations": args.iterations,
            "torch_threads": args.threads, "workers": args.workers, "start_method": args.start_method,
            "torch": torch.__version__,
            "cpu": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "load_average": os.getloadavg(), "results": rows}
    if args.out:
        atomic_write_text(Path(args.out), json.dumps(info, indent=2) + "\n")
    sys.stdout.write(json.dumps({k: v for k, v in info.items() if k != "results"}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
