"""Speed and accuracy of the box2mask methods that need no learned weights.

    python benchmarks/classic_speed.py                         # davis2016-dev from ../shared, every frame
    python benchmarks/classic_speed.py --frame-step 4 --out /tmp/classic_bench

Methods: the filled box, single-frame OpenCV GrabCut (whole frame, and on a 1.5x crop), the classic method on single
frames (T = 1), the classic method (T = 5, delta = 5), and two ablations of it: GrabCut seeded from the
box alone (no aggregation score) and GrabCut's colour models learned from the target frame only (no mosaic; the
aggregation still uses the T frames).

1. Accuracy on DAVIS-layout data (``--data``, default the 5-sequence davis2016-dev set): boxes are the tight boxes of
   the ground-truth masks, J and F per sequence with :mod:`box2mask.evaluation`, the mean over sequences, and
   frames/s (prediction time of the scored frames; 854x480 frames).
2. Accuracy on generated distractor videos (:mod:`box2mask.synthetic`, ``--synthetic N`` videos, two distractors
   each, static or moving), the case where one frame cannot tell the target from a distractor.
3. Speed on a generated 854x480 video (``--speed-frames`` frames), frames/s of each method.

Everything runs on ONE thread (BLAS, OpenCV, torch), so the numbers are per core; the load average at the start is
printed because other processes on the machine slow every number down. Tables are printed as markdown and written
as CSV into ``--out``.
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: one core, no BLAS thread contention

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Tuple  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from box2mask.evaluation import evaluate_dataset, summarize  # noqa: E402
from box2mask.methods import build_method  # noqa: E402
from box2mask.predictor import Box2MaskPredictor  # noqa: E402
from box2mask.synthetic import make_video, make_videos, write_davis_layout  # noqa: E402
from ltr.admin.fileio import atomic_write_text  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data" / "davis2016-dev"

# label -> (method name, options)
METHODS: List[Tuple[str, str, Dict]] = [
    ("filled box", "box", {}),
    ("GrabCut (whole frame)", "grabcut", {"sample_scale": 0}),
    ("GrabCut (1.5x crop, default)", "grabcut", {}),
    ("classic T=1", "classic", {"num_frames": 1}),
    ("classic T=5", "classic", {}),
    ("classic T=5, box-seeded GrabCut (no score)", "classic", {"use_score": False}),
    ("classic T=5, colour models of the target only", "classic", {"mosaic": False}),
]


def accuracy(root: Path, frame_step: int) -> pd.DataFrame:
    """One row per method: mean J, F over (sequence, object) rows, per-sequence J, frames/s."""
    rows = []
    for label, name, options in METHODS:
        table = evaluate_dataset(root, build_method(name, **options), frame_step=frame_step, progress=False)
        mean = summarize(table)
        per_seq = table.drop_duplicates("sequence")
        frames = int(per_seq["n_frames"].sum())
        row = {"method": label, "J": mean["J_mean"], "F": mean["F_mean"], "J&F": mean["JF_mean"],
               "frames/s": frames / float(per_seq["seconds"].sum())}
        row.update({f"J {s}": j for s, j in table.groupby("sequence")["J_mean"].mean().items()})
        rows.append(row)
        logging.info("%s: J %.4f F %.4f (%.2f frames/s)", label, row["J"], row["F"], row["frames/s"])
    return pd.DataFrame(rows)


def speed(num_frames: int) -> pd.DataFrame:
    """Frames/s of the methods (not the ablations) on a generated 854x480 video."""
    video = make_video(0, size=(854, 480), num_frames=num_frames, target_scale=0.5, num_distractors=1)
    rows = []
    for label, name, options in METHODS[:5]:
        predictor = Box2MaskPredictor(build_method(name, **options))
        start = time.perf_counter()
        predictor.predict(list(video.frames), video.boxes)
        seconds = time.perf_counter() - start
        rows.append({"method": label, "frames/s": num_frames / seconds, "s/frame": seconds / num_frames})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """A pipe table with 3 decimals."""
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in table.iterrows():
        cells = [f"{v:.3f}" if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="DAVIS-layout folder (default: davis2016-dev; 'none' skips the real-data part)")
    parser.add_argument("--frame-step", type=int, default=1, help="score every K-th frame of the DAVIS data")
    parser.add_argument("--synthetic", type=int, default=20, help="generated distractor videos (0: skip)")
    parser.add_argument("--speed-frames", type=int, default=20, help="frames of the 854x480 speed video (0: skip)")
    parser.add_argument("--out", default=None, help="folder for the CSV tables")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    cv2.setNumThreads(1)
    torch.set_num_threads(1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, one thread used, "
          f"load average at start {os.getloadavg()[0]:.1f}; OpenCV {cv2.__version__}, numpy {np.__version__}")
    tables: Dict[str, pd.DataFrame] = {}
    if args.speed_frames > 0:
        tables["speed_854x480"] = speed(args.speed_frames)
        print(f"\n## Speed on a generated 854x480 video ({args.speed_frames} frames)\n")
        print(markdown(tables["speed_854x480"]))
    data = Path(args.data)
    if data.is_dir():
        tables["davis"] = accuracy(data, args.frame_step)
        print(f"\n## {data.name} (GT boxes, every {args.frame_step}. frame scored)\n")
        print(markdown(tables["davis"]))
    else:
        print(f"\n(no DAVIS data at {data}: accuracy on it skipped)")
    if args.synthetic > 0:
        with tempfile.TemporaryDirectory() as tmp:
            root = write_davis_layout(Path(tmp) / "synthetic", make_videos(
                args.synthetic, seed=100, num_frames=24, size=(192, 144), num_distractors=2,
                distractor_motion="mixed"))
            tables["synthetic"] = accuracy(root, 1)
        print(f"\n## Generated distractor videos ({args.synthetic} x 24 frames, 192x144, 2 distractors)\n")
        print(markdown(tables["synthetic"].drop(columns=[c for c in tables["synthetic"].columns
                                                          if c.startswith("J synth")])))
    if args.out:
        out = Path(args.out)
        for name, table in tables.items():
            atomic_write_text(out / f"classic_{name}.csv", table.to_csv(index=False, float_format="%.4f"))
        print(f"\nCSV tables in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
