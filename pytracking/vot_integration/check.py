"""Completeness check of VOT toolkit results (``vot evaluate`` exits 0 even when a tracker crashed or timed out).

    python -m pytracking.vot_integration.check WORKSPACE TRACKER [TRACKER ...] [--experiments a,b] [--sequences s,t]

Uses each experiment's own ``scan`` (the check ``vot pack`` does), names every missing experiment / sequence /
anchor (multistart) or repetition (unsupervised), points at the newest tracker log in ``WORKSPACE/logs`` (with the
tracker's last error line from it, e.g. a missing checkpoint, where the toolkit only says "Unable to connect to
tracker") and exits 1 when anything is missing (0 when complete, 2 for a bad workspace or tracker name).
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MissingResult:
    """One missing piece of a tracker's results."""

    tracker: str
    experiment: str
    sequence: str
    item: str  # e.g. "anchor 00000000 (forward)", "repetition 001", "results"

    def __str__(self) -> str:
        return f"{self.tracker}: experiment '{self.experiment}', sequence '{self.sequence}': missing {self.item}"


def _missing_items(experiment, tracker, sequence) -> List[str]:
    """Names of the missing result files of one (experiment, tracker, sequence)."""
    from vot.experiment.multirun import MultiRunExperiment
    from vot.experiment.multistart import MultiStartExperiment, find_anchors
    from vot.tracker import Trajectory

    results = experiment.results(tracker, sequence)
    if isinstance(experiment, MultiStartExperiment):
        forward, backward = find_anchors(sequence, experiment.anchor)
        if not forward and not backward:
            return [f"anchors (no '{experiment.anchor}.value' anchors in the sequence)"]
        runs = [(a, "forward") for a in forward] + [(a, "backward") for a in backward]
        return [f"anchor {a:08d} ({d})" for a, d in runs if not Trajectory.exists(results, f"{sequence.name}_{a:08d}")]
    if isinstance(experiment, MultiRunExperiment):
        return [f"repetition {i:03d}" for i in range(1, experiment.repetitions + 1)
                if not Trajectory.exists(results, f"{sequence.name}_{i:03d}")][:1] or ["results"]
    return ["results"]


def find_missing(workspace_dir: str, trackers: Optional[Sequence[str]] = None,
                 experiments: Optional[Sequence[str]] = None,
                 sequences: Optional[Sequence[str]] = None) -> Tuple[List[str], List[MissingResult]]:
    """``(checked tracker ids, missing results)`` for a workspace; ``trackers=None`` checks every tracker with a
    results folder. Unknown experiment names raise ``KeyError``; unknown trackers the toolkit's exception."""
    from vot.workspace import Workspace

    workspace = Workspace.load(workspace_dir)
    if trackers:
        resolved = workspace.registry.resolve(*trackers, storage=workspace.storage.substorage("results"),
                                              skip_unknown=False)
    else:
        resolved = workspace.list_results(workspace.registry)
    stack = workspace.stack.experiments
    names = list(experiments) if experiments else list(stack.keys())
    unknown = [n for n in names if n not in stack]
    if unknown:
        raise KeyError(f"Unknown experiment(s) {unknown}; the stack has {list(stack.keys())}")
    missing: List[MissingResult] = []
    for tracker in resolved:
        for name in names:
            experiment = stack[name]
            for sequence in experiment.transform(workspace.dataset):
                if sequences and sequence.name not in sequences:
                    continue
                complete, _, _ = experiment.scan(tracker, sequence)
                if not complete:
                    missing.extend(MissingResult(tracker.identifier, name, sequence.name, item)
                                   for item in _missing_items(experiment, tracker, sequence))
    return [t.identifier for t in resolved], missing


def latest_log(workspace_dir: str, tracker: str) -> Optional[Path]:
    """Newest ``logs/<tracker>_<timestamp>.log`` the toolkit kept after a tracker failure."""
    logs = sorted(Path(workspace_dir, "logs").glob(f"{tracker}_[0-9]*.log"), key=os.path.getmtime)
    return logs[-1] if logs else None


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Za-z_]\w*(?:Error|Exception|Exit)\b(?::.*)?$")


def last_error_line(log: Path) -> Optional[str]:
    """The tracker's own last error in a tracker log: the last ``error: ...`` line the TraX server writes when it
    cannot start, else the last exception line of a traceback (``FileNotFoundError: Checkpoint not found ...``)."""
    try:
        lines = [_ANSI.sub("", line).strip() for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return None
    for line in reversed(lines):
        if line.startswith("error: "):
            return line[len("error: "):]
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line):
            return line
    return None


def report_missing(workspace_dir: str, checked: Sequence[str], missing: Sequence[MissingResult]) -> str:
    """Human-readable summary (one line per missing item, then the tracker logs)."""
    if not checked:
        return "No trackers with results found"
    if not missing:
        return f"Results complete for {', '.join(checked)}"
    lines = [f"INCOMPLETE results ({len(missing)} missing):"] + [f"  {m}" for m in missing]
    for tracker in sorted({m.tracker for m in missing}):
        log = latest_log(workspace_dir, tracker)
        if log is not None:
            error = last_error_line(log)
            if error:
                lines.append(f"  tracker error of {tracker}: {error}")
            lines.append(f"  last tracker log of {tracker}: {log}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; exit status 0 complete, 1 incomplete, 2 bad input."""
    p = argparse.ArgumentParser(prog="python -m pytracking.vot_integration.check",
                                description="Check that VOT toolkit results are complete.")
    p.add_argument("workspace", help="VOT workspace folder")
    p.add_argument("trackers", nargs="*", help="tracker identifiers (default: all with results)")
    p.add_argument("--experiments", default=None, help="comma-separated experiment names (default: all)")
    p.add_argument("--sequences", default=None, help="comma-separated sequence names (default: all)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from vot import ToolkitException

    try:
        checked, missing = find_missing(args.workspace, args.trackers,
                                        args.experiments.split(",") if args.experiments else None,
                                        args.sequences.split(",") if args.sequences else None)
    except (ToolkitException, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(report_missing(args.workspace, checked, missing))
    return 1 if missing or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
