"""Several box-to-mask methods on the same DAVIS-layout data: one table and one plot with J, F and seconds per frame.

Each method is evaluated with :func:`box2mask.evaluation.evaluate_dataset` (same sequences, same ground-truth boxes,
same target frames), its per-sequence results kept under ``results_dir/<method>`` (an interrupted comparison
resumes). Seconds per frame: the methods' prediction time (model loading excluded) divided by the number of object
masks they produced (target frames x objects, summed over the sequences).
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import pandas as pd

from box2mask.evaluation import evaluate_dataset, summarize
from box2mask.methods import METHODS, UnknownMethodError
from box2mask.predictor import MaskMethod
from box2mask.video import VideoFrames
from ltr.admin.fileio import atomic_path, atomic_write_text

if TYPE_CHECKING:
    from box2mask.gallery import FailureGallery

logger = logging.getLogger(__name__)

__all__ = ["parse_methods", "parse_checkpoints", "compare_methods", "save_comparison", "CHECKPOINT_METHODS"]

PathLike = Union[str, Path]
#: The methods that need a checkpoint.
CHECKPOINT_METHODS = ("stanet", "sam2")
COLUMNS = ["method", "J_mean", "F_mean", "JF_mean", "J_recall", "F_recall", "seconds", "object_frames",
           "seconds_per_frame"]


def parse_methods(text: str) -> List[str]:
    """``'classic,grabcut,stanet,sam2'`` -> the method names, checked, in the given order, each once."""
    names: List[str] = []
    for item in (s.strip().lower() for s in str(text).split(",")):
        if not item:
            continue
        if item not in METHODS:
            raise UnknownMethodError(f"Unknown box2mask method '{item}' in --methods; choose from {sorted(METHODS)}")
        if item not in names:
            names.append(item)
    if not names:
        raise ValueError("--methods needs at least one method name (comma-separated)")
    return names


def parse_checkpoints(text: Optional[str], methods: Sequence[str]) -> Dict[str, str]:
    """The checkpoint of each method in ``methods`` that needs one, from ``--checkpoint``: ``METHOD=PATH`` items
    separated by commas (``stanet=sta.pth.tar,sam2=sam2.1_hiera_tiny.pt``), or one plain path when only one of
    the methods needs a checkpoint. A method that needs one and has none is an error naming it."""
    needing = [m for m in methods if m in CHECKPOINT_METHODS]
    out: Dict[str, str] = {}
    items = [s.strip() for s in str(text).split(",") if s.strip()] if text else []
    if items and not needing:
        raise ValueError(f"--checkpoint given, but none of --methods {list(methods)} takes one "
                         f"({', '.join(CHECKPOINT_METHODS)} do)")
    plain = [s for s in items if "=" not in s or s.split("=", 1)[0].strip().lower() not in METHODS]
    if plain:
        if len(items) != 1 or len(needing) != 1:
            raise ValueError(f"--checkpoint {text!r}: with several methods give METHOD=PATH items, e.g. --checkpoint "
                             f"{','.join(f'{m}=PATH' for m in (needing or CHECKPOINT_METHODS))}")
        return {needing[0]: items[0]}
    for item in items:
        name, path = (s.strip() for s in item.split("=", 1))
        name = name.lower()
        if name not in methods:
            raise ValueError(f"--checkpoint names method '{name}', which is not in --methods {list(methods)}")
        out[name] = path
    missing = [m for m in needing if m not in out]
    if missing:
        raise ValueError(f"Method(s) {missing} in --methods need a checkpoint: --checkpoint "
                         f"{','.join(f'{m}=PATH' for m in needing)}")
    return out


def _target_frames(root: Path, sequence: str, frame_step: int) -> int:
    n = len(VideoFrames.from_folder(root / "JPEGImages" / "480p" / sequence, seq_name=sequence))
    return len(range(0, n, max(int(frame_step), 1)))


def compare_methods(root: PathLike, builders: Dict[str, Callable[[], MaskMethod]],
                    sequences: Optional[Sequence[str]] = None, frame_step: int = 1,
                    results_dir: Optional[PathLike] = None, mask_threshold: Optional[float] = None,
                    progress: bool = True, galleries: Optional[Dict[str, "FailureGallery"]] = None
                    ) -> Tuple[pd.DataFrame, Dict[str, pd.DataFrame]]:
    """Evaluate every ``builders[name]()`` on ``root``; returns the comparison (one row per method: mean scores over
    all (sequence, object) rows, total seconds, object masks, seconds per frame) and each method's per-object
    table. ``galleries[name]`` (optional) collects that method's worst frames."""
    root = Path(root)
    rows, tables = [], {}
    for name, build in builders.items():
        method = build()
        sub = Path(results_dir) / name if results_dir is not None else None
        table = evaluate_dataset(root, method, sequences=sequences, frame_step=frame_step, progress=progress,
                                 results_dir=sub, mask_threshold=mask_threshold,
                                 gallery=(galleries or {}).get(name))
        per_sequence = table.groupby("sequence", sort=False).agg(objects=("object", "size"),
                                                                 seconds=("seconds", "first"))
        frames = sum(int(row.objects) * _target_frames(root, str(seq), frame_step)
                     for seq, row in per_sequence.iterrows())
        seconds = float(per_sequence["seconds"].sum())
        row = {"method": name, **summarize(table), "seconds": seconds, "object_frames": frames,
               "seconds_per_frame": seconds / frames if frames else float("nan")}
        logger.info("%s: J %.4f F %.4f, %.3f s per frame", name, row["J_mean"], row["F_mean"],
                    row["seconds_per_frame"])
        rows.append(row)
        tables[name] = table
    return pd.DataFrame(rows, columns=COLUMNS), tables


def save_comparison(table: pd.DataFrame, out_dir: PathLike, stem: str = "methods",
                    title: str = "box2mask methods") -> Tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.png`` (J and F bars per method; seconds per frame, log scale) atomically."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, png_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.png"
    atomic_write_text(csv_path, table.to_csv(index=False, float_format="%.4f"))
    names = list(table["method"])
    x = np.arange(len(names))
    fig, (ax_q, ax_t) = plt.subplots(1, 2, figsize=(max(8.0, 1.2 * len(names) + 5), 4))
    for k, col in enumerate(("J_mean", "F_mean")):
        ax_q.bar(x + (k - 0.5) * 0.4, table[col].astype(float), 0.4, label=col.split("_")[0])
    ax_q.set_ylim(0, 1)
    ax_q.set_title("J and F (higher is better)")
    ax_q.legend()
    ax_t.bar(x, table["seconds_per_frame"].astype(float).clip(lower=1e-6), 0.6, color="gray")
    ax_t.set_yscale("log")
    ax_t.set_title("seconds per frame (lower is better)")
    for ax in (ax_q, ax_t):
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, ha="right")
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_path(png_path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    return csv_path, png_path
