"""The measurements behind the report of :mod:`benchmarks.synthetic_ablation`: the J vs T plot, the training curves,
the checks (paired differences with standard errors) and the machine description; the Markdown text is
:mod:`benchmarks.synthetic_render`."""
from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
import torch

REPO = Path(__file__).resolve().parents[1]


def paired_difference(a: pd.DataFrame, b: pd.DataFrame, column: str = "J_mean") -> Tuple[float, float]:
    """Mean and standard error over the test sequences of J(a) - J(b) (per-sequence means of ``column``: the DAVIS
    J of the objects, or a per-frame J over some frames); sequences missing on either side are left out."""
    ja = a.groupby("sequence")[column].mean()
    jb = b.groupby("sequence")[column].mean()
    diff = (ja - jb.reindex(ja.index)).dropna().to_numpy()
    if len(diff) == 0:
        return float("nan"), float("nan")
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return float(diff.mean()), se


def ambiguous_frames(frames: pd.DataFrame) -> pd.DataFrame:
    """The per-frame rows of the ambiguous frames (their ``J`` is what :func:`paired_difference` averages)."""
    return frames[frames["ambiguous"].astype(bool)]


def verdict(mean: float, se: float) -> str:
    """Whether a paired difference is more than two standard errors away from zero."""
    if np.isnan(se):
        return "one test video: no error bar"
    if mean > 2 * se:
        return "above by more than 2 standard errors"
    if mean < -2 * se:
        return "below by more than 2 standard errors"
    return "within 2 standard errors of no difference"


def stanet_key(setting: str, main_setting: str, t: int, refined: bool) -> str:
    """Summary key of a STANet row (the main network's rows have no prefix)."""
    prefix = "" if setting == main_setting else f"{setting}/"
    return f"{prefix}stanet_T{t}_{'refined' if refined else 'first'}"


def checks(summary: pd.DataFrame, tables: Dict[str, pd.DataFrame], settings: Sequence[str],
           frames: Optional[Dict[str, pd.DataFrame]] = None) -> List[str]:
    """The expectations, measured for the main network: T = 5 (or the largest T) vs T = 1 over all frames and over
    the ambiguous frames, and refined vs first pass, as paired differences over the test videos (mean +- standard
    error, in J points); the classic method's T = 5 vs T = 1 likewise."""
    main = settings[0]
    stanet = summary[(summary["family"] == "stanet") & (summary["setting"] == main)]
    ts = sorted(int(t) for t in stanet["T"].unique())
    if len(ts) < 2:
        return ["(fewer than two values of T: nothing to compare)"]
    lo, hi = ts[0], (5 if 5 in ts else ts[-1])
    by_key = summary.set_index("key")
    out = []
    for refined, name in ((True, "refined"), (False, "first pass")):
        a, b = stanet_key(main, main, hi, refined), stanet_key(main, main, lo, refined)
        mean, se = paired_difference(tables[a], tables[b])
        clear = by_key.loc[a, "J_clear"] - by_key.loc[b, "J_clear"]
        line = (f"STANet {name}, T = {hi} vs T = {lo}: {100 * mean:+.2f} +- {100 * se:.2f} J ({verdict(mean, se)})"
                f"; clear frames {100 * clear:+.2f}")
        if frames is not None:
            amb_mean, amb_se = paired_difference(ambiguous_frames(frames[a]), ambiguous_frames(frames[b]), "J")
            line += f"; ambiguous frames {100 * amb_mean:+.2f} +- {100 * amb_se:.2f} ({verdict(amb_mean, amb_se)})"
        out.append(line + ".")
    for t in ts:
        mean, se = paired_difference(tables[stanet_key(main, main, t, True)], tables[stanet_key(main, main, t, False)])
        out.append(f"Refinement at T = {t}: {100 * mean:+.2f} +- {100 * se:.2f} J ({verdict(mean, se)}).")
    if "classic_default" in tables and "classic_T1" in tables:
        mean, se = paired_difference(tables["classic_default"], tables["classic_T1"])
        amb = by_key.loc["classic_default", "J_ambiguous"] - by_key.loc["classic_T1", "J_ambiguous"]
        out.append(f"Classic (no weights), T = 5 vs T = 1: {100 * mean:+.2f} +- {100 * se:.2f} J ({verdict(mean, se)})"
                   f"; ambiguous frames {100 * amb:+.1f}.")
    return out


def plot(summary: pd.DataFrame, path: Path, ceilings: Optional[Dict[str, Tuple[float, float]]] = None) -> None:
    """J vs T (all frames / ambiguous frames): the main network's two passes, the other networks' refined pass,
    classic at its T values, GrabCut and the single-frame ceilings (``{label: (all, ambiguous)}``) as lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ltr.admin.fileio import atomic_path

    fig, axes = plt.subplots(1, 2, figsize=(9, 4.6), sharey=True)
    stanet = summary[summary["family"] == "stanet"]
    settings = list(dict.fromkeys(stanet["setting"]))
    classic = summary[summary["family"] == "classic"].sort_values("T")
    refs = summary[summary["family"] == "grabcut"]  # the filled box (far below) is left to the table
    shown = summary.loc[summary["family"] != "box", ["J", "J_ambiguous"]].to_numpy(dtype=float)
    for ax, col, title in zip(axes, ("J", "J_ambiguous"), ("all frames", "ambiguous frames")):
        for i, setting in enumerate(settings):
            net = stanet[stanet["setting"] == setting]
            for refine, style in ((False, "o--"), (True, "s-")):
                part = net[net["refine"] == refine].sort_values("T")
                if i == 0:
                    ax.plot(part["T"], part[col], style, color=("C0", "C1")[refine],
                            label=f"STANet {'refined' if refine else 'first pass'}"
                                  + (f" ({setting})" if len(settings) > 1 else ""))
                elif refine:
                    ax.plot(part["T"], part[col], style, color=f"C{i + 3}", linewidth=0.9, markersize=3,
                            label=f"{setting}, refined")
        if len(classic):
            ax.plot(classic["T"], classic[col], "^:", color="tab:green", label="classic (no weights)")
        for j, (_, r) in enumerate(refs.iterrows()):
            ax.axhline(r[col], color="tab:red", linestyle=("-.", ":")[j % 2], linewidth=1.2, label=r["method"])
        for j, (label, values) in enumerate((ceilings or {}).items()):
            ax.axhline(values[col == "J_ambiguous"], color="0.4", linestyle=("--", ":")[j % 2], linewidth=1.0,
                       label=label)
        ax.set_xticks(sorted(set(stanet["T"].dropna().astype(int)) | set(classic["T"].dropna().astype(int))))
        ax.set_xlabel("T (frames per window)")
        ax.set_title(f"J, {title}", fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("J (DAVIS region similarity)")
    values = np.concatenate([shown.ravel(), np.ravel(list((ceilings or {}).values()))]).astype(float)
    if np.isfinite(values).any():
        axes[0].set_ylim(max(0.0, np.nanmin(values) - 0.02), min(1.0, np.nanmax(values) + 0.02))
    handles, labels = axes[0].get_legend_handles_labels()
    rows = -(-len(labels) // 3)
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.06 * rows, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)


def machine() -> Dict[str, str]:
    """CPU model, cores, OS, Python / torch versions, git commit."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "box2mask", "ltr", "benchmarks"], cwd=REPO,
                               capture_output=True, text=True, check=True).stdout.strip()
        if dirty:
            commit += f" (with uncommitted changes in {len(dirty.splitlines())} file(s))"
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not a git checkout)"
    return {"cpu": f"{cpu}, {os.cpu_count()} cores", "os": platform.platform(), "python": platform.python_version(),
            "torch": torch.__version__, "commit": commit}


def plot_training(networks: Dict[str, Dict], path: Path) -> None:
    """Training curves of every network: J of the first pass and of the refined pass per epoch (training crops)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ltr.admin.fileio import atomic_path

    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, (setting, net) in enumerate(networks.items()):
        curves = net["record"].get("curves", [])
        epochs = np.arange(1, len(curves) + 1)
        color = f"C{i}"
        for key, style in (("J/first", "--"), ("J/refined", "-")):
            values = [c.get(key, np.nan) for c in curves]
            ax.plot(epochs, values, style, color=color, linewidth=1.2,
                    label=f"{setting}, {'first pass' if key == 'J/first' else 'refined'}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("J on training crops")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=80)
    plt.close(fig)
