"""Success / precision plots and per-sequence bar plots (matplotlib's Agg canvas, no pyplot state), written
atomically as PNG."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Union

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ltr.admin.fileio import atomic_path

from .box_metrics import NORM_PRECISION_THRESHOLDS, PRECISION_THRESHOLDS, SUCCESS_THRESHOLDS

PathLike = Union[str, Path]

_PLOTS = {
    # kind: (x values, x label, y label, legend score from the curve, legend format)
    "success": (SUCCESS_THRESHOLDS, "Overlap threshold", "Success rate", lambda c: float(np.mean(c)), "AUC"),
    "precision": (PRECISION_THRESHOLDS, "Location error threshold [px]", "Precision", lambda c: float(c[20]), "P@20"),
    "norm_precision": (NORM_PRECISION_THRESHOLDS, "Normalized location error threshold", "Normalized precision",
                       lambda c: float(np.mean(c)), "AUC"),
}


def plot_curves(curves: Dict[str, Dict[str, np.ndarray]], kind: str, path: PathLike, title: str = "") -> Path:
    """Plot one curve kind (``success``, ``precision``, ``norm_precision``) of several trackers, best first."""
    if kind not in _PLOTS:
        raise ValueError(f"Unknown plot kind {kind!r}; known: {list(_PLOTS)}")
    xs, xlabel, ylabel, score_fn, score_name = _PLOTS[kind]
    order: List[str] = sorted(curves, key=lambda n: -score_fn(curves[n][kind]))
    fig = Figure(figsize=(6, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    styles = ["-", "--", "-.", ":"]
    for i, name in enumerate(order):
        ax.plot(xs, curves[name][kind], styles[(i // 10) % len(styles)], linewidth=1.8,
                label=f"{name} [{score_name} {100 * score_fn(curves[name][kind]):.1f}]")
    ax.set(xlabel=xlabel, ylabel=ylabel, xlim=(xs[0], xs[-1]), ylim=(0, 1.0), title=title or kind)
    ax.grid(True, alpha=0.4)
    ax.legend(loc="lower right" if kind != "success" else "lower left", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return path


def plot_all(curves: Dict[str, Dict[str, np.ndarray]], out_dir: PathLike, dataset: str) -> List[Path]:
    """Success, precision and normalised precision plots into ``out_dir/<dataset>_<kind>.png``."""
    out = Path(out_dir)
    return [plot_curves(curves, kind, out / f"{dataset}_{kind}.png", f"{kind.replace('_', ' ').title()} on {dataset}")
            for kind in _PLOTS]


def per_sequence_table(table: pd.DataFrame, value: str, label: str = "sequence",
                       group: str = "tracker") -> pd.DataFrame:
    """``value`` as a (label x group) table, rows sorted by their mean over the groups, highest first (the plot
    draws the first row at the bottom, so the hardest sequences end up at the top)."""
    if value not in table.columns:
        raise ValueError(f"no column {value!r} to plot; columns: {list(table.columns)}")
    pivot = table.pivot_table(index=label, columns=group, values=value, aggfunc="mean", sort=False)
    return pivot.loc[pivot.mean(axis=1).sort_values(ascending=False, kind="stable").index]


def plot_per_sequence(table: pd.DataFrame, value: str, path: PathLike, title: str = "",
                      label: str = "sequence", group: str = "tracker") -> Path:
    """Horizontal bars of ``value`` per ``label`` (sequence, or sequence/object), one bar per ``group`` (tracker),
    rows sorted by the mean over the groups (hardest at the top); the figure grows with the number of rows."""
    pivot = per_sequence_table(table, value, label, group)
    rows, groups = len(pivot), list(pivot.columns)
    height = max(2.5, 0.22 * rows * max(1, len(groups)) ** 0.5 + 1.2)
    fig = Figure(figsize=(7, height), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    step = 0.8 / max(1, len(groups))
    y = np.arange(rows)
    for k, name in enumerate(groups):
        ax.barh(y + (k - (len(groups) - 1) / 2) * step, pivot[name].to_numpy(dtype=float), height=step,
                label=f"{name} [mean {np.nanmean(pivot[name].to_numpy(dtype=float)):.3f}]")
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in pivot.index], fontsize=7 if rows > 30 else 8)
    ax.set(xlabel=value, title=title or f"{value} per {label}", ylim=(-0.6, rows - 0.4))
    ax.grid(True, axis="x", alpha=0.4)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return path
