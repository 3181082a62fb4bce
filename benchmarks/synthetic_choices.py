"""Which bar does a STANet choose from one frame? Per-video choices on the ambiguous frames of the 'ambiguous' benchmark.

At T = 1 a network cannot know which of the two bars on the box is the target; on the ambiguous frames of a video it
segments (mostly) one of them. This script reads the per-frame results of ``benchmarks/synthetic_ablation.py`` in a
workspace and reports, for each STANet row asked for, in how many test videos the choice was the target (mean J on
the video's ambiguous frames > ``--right``), the distractor (< ``--wrong``) or unclear, and how the chosen bar relates
to the two properties a network could prefer: its hue (first half of the colour circle or not) and its depth (drawn
in front or not). Since the target's hue and depth are random per video, a preference for either scores 50 % in
expectation; a right-choice count far above half with no such preference would point at a single-frame cue.

    python -m benchmarks.synthetic_choices --workspace DIR --setting synthetic_ambiguous synthetic_ambiguous_mdrop \
        --keys stanet_T1_first synthetic_ambiguous_mdrop/stanet_T1_refined
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import pandas as pd

from benchmarks.synthetic_ablation import parse_args as ablation_args
from benchmarks.synthetic_data import videos

def binomial_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2)."""
    return sum(math.comb(n, i) for i in range(k, n + 1)) / 2.0 ** n


def choices(workspace: Path, key: str, vids: Sequence, right: float = 0.6, wrong: float = 0.3) -> Dict:
    """Counts of one evaluated row (``<workspace>/eval/<key>/<video>.frames.csv``)."""
    out = {"key": key, "right": 0, "wrong": 0, "unclear": 0, "first_half_hue": 0, "in_front": 0}
    for v in vids:
        frames = pd.read_csv(workspace / "eval" / key / f"{v.name}.frames.csv")
        amb = frames.loc[frames["ambiguous"].astype(bool), "J"]
        if amb.empty:
            continue
        target = v.info["target"]
        if amb.mean() > right:
            out["right"] += 1
            chosen = target
        elif amb.mean() < wrong:
            out["wrong"] += 1
            chosen = 1 - target
        else:
            out["unclear"] += 1
            continue
        out["first_half_hue"] += int(v.info["hues"][chosen] < 0.5)
        out["in_front"] += int(v.info["depth_order"][-1] == chosen)
    clear = out["right"] + out["wrong"]
    out["clear"] = clear
    out["p_right_by_chance"] = binomial_tail(out["right"], clear) if clear else float("nan")
    return out


def main(argv: Optional[List[str]] = None) -> pd.DataFrame:
    """Print (and return) one line per ``--keys`` row."""
    argv = list(sys.argv[1:] if argv is None else argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keys", nargs="+", required=True, help="evaluated rows, e.g. stanet_T1_first")
    p.add_argument("--right", type=float, default=0.6, help="mean J above which a video's choice is the target")
    p.add_argument("--wrong", type=float, default=0.3, help="mean J below which it is the distractor")
    own, rest = p.parse_known_args(argv)
    cfg = ablation_args(rest)  # the benchmark's own options: workspace, seeds, generator, video size ...
    if cfg.generator != "ambiguous":
        raise SystemExit("error: choices are defined for the 'ambiguous' generator only")
    vids = videos(cfg, "test")
    table = pd.DataFrame([choices(Path(cfg.workspace), key, vids, own.right, own.wrong) for key in own.keys])
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return table


if __name__ == "__main__":
    main()
