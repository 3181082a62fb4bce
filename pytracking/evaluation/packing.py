"""Pack raw results into the GOT-10k and TrackingNet evaluation-server zip formats (checked, atomic).

GOT-10k (test split)::

    <seq>/<seq>_001.txt ... <seq>_00R.txt   one 'x,y,w,h' line per frame incl. frame 0, comma, '%f'
    <seq>/<seq>_time.txt                    seconds per frame, one comma-separated column per run

  Runs: ``run_ids=[0, 1, 2]`` packs the raw results of ``<param>_000``, ``_001``, ``_002`` as ``_001.._003`` (the
  server averages them). With a single run (``run_ids=None``: ``<param>/``, or one id) the run is written
  ``repeat_single`` times (default 3: identical files, so the server's mean equals that run's score; deterministic
  trackers give identical runs anyway -- pytracking's packer requires three). ``repeat_single=1`` writes only
  ``_001``, like the official toolkit does for deterministic trackers.

TrackingNet (TEST split): one ``<seq>.txt`` per sequence at the archive root, one ``x,y,w,h`` line per frame
**including frame 0**, comma, ``%.2f``.

Before anything is written every sequence / run is checked (file present, one finite box per frame); an
incomplete set raises :class:`IncompleteResultsError` listing what is missing. The zip is written to a temp file and
renamed.
"""
from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence as Seq, Tuple, Union

import numpy as np

from ltr.admin.fileio import atomic_path
from ltr.dataset.layouts import LayoutError

from .data import Sequence
from .running import read_result_boxes, results_dir
from .tracker import Tracker

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]


class IncompleteResultsError(FileNotFoundError):
    """Results are missing or malformed for some sequences / runs (all listed in the message)."""


def write_zip(out: PathLike, files: Dict[str, str]) -> Path:
    """Write ``{archive name: text}`` to a deflated zip, atomically."""
    out = Path(out)
    with atomic_path(out, suffix=".zip") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(files):
                zf.writestr(name, files[name])
    return out


def _format(boxes: np.ndarray, fmt: str) -> str:
    return "".join(",".join(fmt % v for v in row) + "\n" for row in boxes)


def _load_checked(path: Path, seq: Sequence, problems: List[str]) -> Optional[np.ndarray]:
    """Boxes of one result file, or None with the reason appended to ``problems``."""
    if not path.is_file():
        problems.append(f"{seq.name}: missing {path}")
        return None
    try:
        boxes = read_result_boxes(path)
    except LayoutError as e:
        problems.append(f"{seq.name}: {e}")
        return None
    if len(boxes) != len(seq):
        problems.append(f"{seq.name}: {path} has {len(boxes)} boxes, the sequence has {len(seq)} frames")
        return None
    bad = np.flatnonzero(~np.all(np.isfinite(boxes), axis=1))
    if len(bad):
        problems.append(f"{seq.name}: {path} has non-finite boxes at frames {bad[:5].tolist()}")
        return None
    return boxes


def _raise_if(problems: List[str], what: str) -> None:
    if problems:
        shown = "\n  ".join(problems[:30]) + (f"\n  ... and {len(problems) - 30} more" if len(problems) > 30 else "")
        raise IncompleteResultsError(f"Cannot pack {what}: {len(problems)} problem(s):\n  {shown}")


def _runs(name: str, param: str, run_ids: Optional[Seq[int]]) -> List[Tracker]:
    ids: List[Optional[int]] = [None] if not run_ids else list(run_ids)
    return [Tracker(name, param, r) for r in ids]


def got10k_submission(seqs: Seq[Sequence], name: str, param: str, run_ids: Optional[Seq[int]] = None,
                      results_root: Optional[PathLike] = None, repeat_single: int = 3) -> Dict[str, str]:
    """Archive members of a GOT-10k submission (checked for completeness first)."""
    runs = _runs(name, param, run_ids)
    problems: List[str] = []
    files: Dict[str, str] = {}
    for seq in seqs:
        per_run: List[Tuple[np.ndarray, Optional[np.ndarray]]] = []
        for tr in runs:
            d = results_dir(tr, seq.dataset, results_root)
            boxes = _load_checked(d / f"{seq.name}.txt", seq, problems)
            time_file = d / f"{seq.name}_time.txt"
            times = np.loadtxt(time_file, ndmin=1) if time_file.is_file() else None
            if boxes is not None:
                per_run.append((boxes, times))
        if len(per_run) != len(runs):
            continue
        if len(per_run) == 1:
            per_run = per_run * max(1, repeat_single)
        for k, (boxes, _) in enumerate(per_run, 1):
            files[f"{seq.name}/{seq.name}_{k:03d}.txt"] = _format(boxes, "%f")
        if all(t is not None and len(t) == len(seq) for _, t in per_run):
            cols = np.stack([t for _, t in per_run], axis=1)
            files[f"{seq.name}/{seq.name}_time.txt"] = _format(cols, "%f")
        else:
            logger.warning("%s: no complete time file for every run; the submission has no %s_time.txt",
                           seq.name, seq.name)
    _raise_if(problems, f"GOT-10k results of {name}/{param} runs {[r.run_id for r in runs]}")
    return files


def trackingnet_submission(seqs: Seq[Sequence], name: str, param: str, run_id: Optional[int] = None,
                           results_root: Optional[PathLike] = None) -> Dict[str, str]:
    """Archive members of a TrackingNet submission (checked for completeness first)."""
    tr = Tracker(name, param, run_id)
    problems: List[str] = []
    files: Dict[str, str] = {}
    for seq in seqs:
        boxes = _load_checked(results_dir(tr, seq.dataset, results_root) / f"{seq.name}.txt", seq, problems)
        if boxes is not None:
            files[f"{seq.name}.txt"] = _format(boxes, "%.2f")
    _raise_if(problems, f"TrackingNet results of {tr.display_name}")
    return files


def default_zip_path(benchmark: str, name: str, param: str, run_ids: Optional[Seq[int]] = None) -> Path:
    """``<packed_results_path>/<benchmark>/<tracker>_<param>[_<ids>].zip``."""
    from ltr.admin.environment import env_settings

    suffix = "" if not run_ids else "_" + "_".join(f"{r:03d}" for r in run_ids)
    return env_settings().path("packed_results_path") / benchmark / f"{name}_{param}{suffix}.zip"


def pack_got10k(seqs: Seq[Sequence], name: str, param: str, run_ids: Optional[Seq[int]] = None,
                results_root: Optional[PathLike] = None, out: Optional[PathLike] = None,
                repeat_single: int = 3) -> Path:
    """Check and zip GOT-10k test results; returns the zip path."""
    files = got10k_submission(seqs, name, param, run_ids, results_root, repeat_single)
    path = write_zip(out or default_zip_path("got10k", name, param, run_ids), files)
    logger.info("Wrote %s (%d sequences)", path, len(seqs))
    return path


def pack_trackingnet(seqs: Seq[Sequence], name: str, param: str, run_id: Optional[int] = None,
                     results_root: Optional[PathLike] = None, out: Optional[PathLike] = None) -> Path:
    """Check and zip TrackingNet results; returns the zip path."""
    files = trackingnet_submission(seqs, name, param, run_id, results_root)
    path = write_zip(out or default_zip_path("trackingnet", name, param, None if run_id is None else [run_id]), files)
    logger.info("Wrote %s (%d sequences)", path, len(seqs))
    return path
