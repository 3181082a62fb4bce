"""Success / precision plots (matplotlib's Agg canvas, no pyplot state), written atomically as PNG."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Union

import numpy as np
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
