"""How often does a 2-process torchrun training hang, per DataLoader worker start method?

Launches ``torchrun --nproc-per-node 2 -m ltr.run_training examples toy`` (gloo, CPU, one DataLoader worker per
process, ``--epochs`` short epochs with validation every 2nd: the configuration of the CI test that hung)
``--runs`` times with ``--set worker_start_method=METHOD``, optionally while ``--load`` busy-looping processes
compete for the cores (a loaded CI machine), and counts the runs that did not finish within ``--timeout`` seconds
(a healthy 2-epoch run takes 5-20 s). A hung run is stopped with its workers.

    python -m benchmarks.ddp_worker_start --method fork auto --runs 100 --load 3

Prints one line per run and a summary table (runs, finished, hung, failed, median seconds) per method; the hang
rate of ``fork`` is why ``auto`` starts workers from a fork server (see ``ltr/data/loader.py``). The hang is rare
(1 of 254 fork runs here), so telling the two methods apart would take thousands of runs per method.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from ltr.admin.multigpu import WORKER_START_METHODS

logger = logging.getLogger("benchmarks.ddp_worker_start")

# the configuration of tests/ltr/test_trainer_ddp.py::test_torchrun_cli, whose CI run hung
TOY_SETS = ["sampling=indexed", "shuffle=False", "dropout=0.0", "optimizer=sgd", "lr=0.05", "samples_per_epoch=32",
            "val_interval=2", "progress_bar=False", "keep_last_checkpoints=2"]


def _busy() -> None:
    while True:
        pass


def one_run(method: str, root: Path, timeout: float, epochs: int = 2) -> Dict[str, object]:
    """One torchrun launch; returns {'status': 'ok' | 'hung' | 'failed', 'seconds': float}. A run past ``timeout``
    gets SIGTERM (torchrun then stops its workers), SIGKILL for its process group 30 s later if still alive."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "ltr.run_training", "examples", "toy", "--device", "cpu", "--epochs", str(epochs), "--workers", "1",
           "--set", f"worker_start_method={method}", "--set", f"checkpoint_dir={root / 'ckpt'}",
           "--set", f"tensorboard_dir={root / 'tb'}"]
    for item in TOY_SETS:
        cmd += ["--set", item]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, err = proc.communicate(timeout=timeout)
        status = "ok" if proc.returncode == 0 else "failed"
        if status == "failed":
            logger.warning("run failed (exit %d): %s", proc.returncode, err.strip().splitlines()[-1:] or "")
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
        status = "hung"
    return {"status": status, "seconds": time.perf_counter() - start}


def run_method(method: str, runs: int, timeout: float, epochs: int) -> List[Dict[str, object]]:
    """``runs`` launches with one start method."""
    results = []
    for i in range(1, runs + 1):
        with tempfile.TemporaryDirectory(prefix="ddp_start_") as tmp:
            r = one_run(method, Path(tmp), timeout, epochs)
        results.append(r)
        logger.info("%s run %d/%d: %s in %.1f s", method, i, runs, r["status"], r["seconds"])
    return results


def summary(method: str, results: Sequence[Dict[str, object]]) -> str:
    """One markdown table row: method, runs, finished, hung, failed, median seconds of the finished runs."""
    count = {s: sum(r["status"] == s for r in results) for s in ("ok", "hung", "failed")}
    ok_times = [float(r["seconds"]) for r in results if r["status"] == "ok"]
    median = f"{statistics.median(ok_times):.1f}" if ok_times else "-"
    return f"| {method} | {len(results)} | {count['ok']} | {count['hung']} | {count['failed']} | {median} |"


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--method", nargs="+", default=["fork", "auto"], choices=WORKER_START_METHODS)
    p.add_argument("--runs", type=int, default=100, help="launches per method")
    p.add_argument("--epochs", type=int, default=2, help="epochs per launch (one set of workers each)")
    p.add_argument("--load", type=int, default=3, help="busy-looping processes running alongside (0: none)")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds after which a run counts as hung")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    hogs = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(args.load)]
    for h in hogs:
        h.start()
    try:
        table = [summary(m, run_method(m, args.runs, args.timeout, args.epochs)) for m in args.method]
    finally:
        for h in hogs:
            h.terminate()
    header = ["| start method | runs | finished | hung | failed | median s |", "|---|---|---|---|---|---|"]
    sys.stdout.write("\n".join(header + table) + f"\n(cpus: {os.cpu_count()}, load: {args.load} busy processes, "
                     f"{args.epochs} epochs per run, hung = no exit within {args.timeout:.0f} s)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
